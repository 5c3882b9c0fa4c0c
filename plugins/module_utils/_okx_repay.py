# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""OKX one-click repay (new, v2): its endpoints and their replies, and the repay engine.

The engine's guarantee (docs/safety.md): for one debt of one account, at most one repay is in flight at a time,
and a task never reports a repay that OKX did not run. How:

- one task at a time posts the repays of an account on this machine (a lock per account, keyed by its User ID);
- before posting it reads OKX's repay history and its own journal of repays it posted whose outcome it has not
  seen final: a repay of the debt still ``running``, or posted and not yet in the history, means post nothing;
- each POST is journaled before it is sent; when its outcome is unknown (lost reply, timeout, 5xx, 50004/50026, a
  reply that is not OKX JSON or not the expected data) it is never sent again: the history is read until it shows
  the repay, or proves it did not run, or the task's time is up (``outcome: unknown``; the journal keeps it);
- a history record is taken for a POST only if it falls in the POST's send window on OKX's clock, was not in the
  history before the POST, and is the only such record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import contextlib
import datetime
import os

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import Endpoint, malformed
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import boot_id, digest
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, is_currency, okx_amount

_READ_HINTS = {
    "51010": "one-click repay works only for accounts in Spot mode (acctLv 1): switch the account's mode in OKX",
    "50120": "the API key lacks the Read permission: grant it in the OKX API key settings",
    "50030": "the API key may not use this API: grant it the Read permission in OKX",
}
_REPAY_HINTS = dict(_READ_HINTS, **{
    "50120": "the API key lacks the Trade permission: grant it in the OKX API key settings",
    "50030": "the API key may not use this API: grant it the Trade permission in OKX",
    "50014": "OKX says a required parameter is empty: check debt_ccy and repay_ccy_list",
    "51000": "OKX rejected a parameter: check debt_ccy (it must be a debt of the account) and repay_ccy_list",
    "51012": "OKX does not know this currency: check debt_ccy and repay_ccy_list",
    "51625": "one-click repay needs auto-borrow: enable it for the account in OKX",
})

# OKX allows each of these 1 request per 2 s per User ID.
CURRENCY_LIST = Endpoint("GET", "/api/v5/trade/one-click-repay-currency-list-v2", 2.0, _READ_HINTS)
REPAY = Endpoint("POST", "/api/v5/trade/one-click-repay-v2", 2.0, _REPAY_HINTS)
HISTORY = Endpoint("GET", "/api/v5/trade/one-click-repay-history-v2", 2.0, _READ_HINTS)

FINAL_STATES = ("filled", "failed")
STATES = ("running",) + FINAL_STATES
# A history record's ts may precede the request's arrival by a few ms (OKX's examples: 1742192217511 for a POST
# answered with ts 1742192217514); it cannot follow our giving up on the reply by more than the network's delay.
RECORD_EARLY_MS = 100
RECORD_LATE_MS = 500
# A record within this distance of a POST reply's ts is that POST's: OKX runs at most one repay per 2 s per user.
REPLY_TS_TOLERANCE_MS = 1000
# After this long, a repay OKX ran shows in its history. A lost POST whose record is still missing then did not run.
HISTORY_LAG_BOUND = 60.0
# OKX keeps 7 days of repay history, 100 records a page; a journal entry older than this can no longer be checked.
HISTORY_PAGE = 100
JOURNAL_MAX_AGE = 6 * 86400
# Pause between history reads when one failed outright (the rate limit spaces the others).
RETRY_PAUSE = 1.0

Record = collections.namedtuple("Record", "debt_ccy repay_ccy_list status ts fill_debt_sz orders")


# --- replies, validated: anything unexpected is an error naming the endpoint and the field -------------------------

def parse_overview(data):
    """({debt_ccy: debt}, {repay_ccy: available}) from the currency list, amounts as OKX wrote them."""
    debts, repay = {}, {}
    for index, entry in enumerate(data):
        where = "data[%d]" % index
        if not isinstance(entry, dict):
            raise malformed(CURRENCY_LIST, where, entry, "an object")
        for key, ccy_key, amount_key, book in (("debtData", "debtCcy", "debtAmt", debts),
                                               ("repayData", "repayCcy", "repayAmt", repay)):
            items = entry.get(key)
            if not isinstance(items, list):
                raise malformed(CURRENCY_LIST, "%s.%s" % (where, key), items, "a list")
            for position, item in enumerate(items):
                at = "%s.%s[%d]" % (where, key, position)
                if not isinstance(item, dict):
                    raise malformed(CURRENCY_LIST, at, item, "an object")
                ccy, amount = item.get(ccy_key), item.get(amount_key)
                if not is_currency(ccy) or ccy in book:
                    raise malformed(CURRENCY_LIST, "%s.%s" % (at, ccy_key), ccy, "a currency symbol, listed once")
                if okx_amount(amount) is None:
                    raise malformed(CURRENCY_LIST, "%s.%s" % (at, amount_key), amount,
                                    "a finite, non-negative decimal string")
                book[ccy] = amount
    return debts, repay


def parse_history(data):
    """The repay records of OKX's history reply, newest first, each field checked."""
    records = []
    for index, item in enumerate(data):
        where = "data[%d]" % index
        if not isinstance(item, dict):
            raise malformed(HISTORY, where, item, "an object")
        debt_ccy, repay_list, status, ts = (item.get(k) for k in ("debtCcy", "repayCcyList", "status", "ts"))
        if not is_currency(debt_ccy):
            raise malformed(HISTORY, where + ".debtCcy", debt_ccy, "a currency symbol")
        if not (isinstance(repay_list, list) and repay_list and all(is_currency(ccy) for ccy in repay_list)):
            raise malformed(HISTORY, where + ".repayCcyList", repay_list, "a list of currency symbols")
        if status not in STATES:
            raise malformed(HISTORY, where + ".status", status, "one of %s" % ", ".join(STATES))
        if not (isinstance(ts, str) and ts.isdigit()):
            raise malformed(HISTORY, where + ".ts", ts, "a time in milliseconds")
        fill = item.get("fillDebtSz")
        if okx_amount(fill) is None and not (status == "running" and fill in (None, "")):
            raise malformed(HISTORY, where + ".fillDebtSz", fill, "a finite, non-negative decimal string")
        orders = item.get("ordIdInfo") or []
        if not (isinstance(orders, list) and all(isinstance(order, dict) for order in orders)):
            raise malformed(HISTORY, where + ".ordIdInfo", orders, "a list of orders")
        records.append(Record(debt_ccy, list(repay_list), status, int(ts), fill or None, orders))
    return records


def parse_repay_reply(data, debt_ccy):
    """OKX's request time of an accepted repay, from the POST's reply."""
    entry = data[0] if len(data) == 1 else None
    if not isinstance(entry, dict):
        raise malformed(REPAY, "data", data, "one object")
    ts = entry.get("ts")
    if not (isinstance(ts, str) and ts.isdigit()):
        raise malformed(REPAY, "data[0].ts", ts, "the request time in milliseconds")
    if entry.get("debtCcy", debt_ccy) != debt_ccy:
        raise malformed(REPAY, "data[0].debtCcy", entry.get("debtCcy"), debt_ccy)
    return ts


def unseen_currencies(currencies, debts, repay, records):
    """The currencies OKX never showed for the account (not a debt, not a repay currency, in no repay of the last
    7 days), and a warning that names what OKX lists: a mistyped currency (USDCC) is never silently green."""
    seen = set(debts) | set(repay)
    for record in records:
        seen.update([record.debt_ccy] + record.repay_ccy_list)
    unseen = sorted(set(ccy for ccy in currencies if ccy not in seen))
    if unseen:
        return "OKX lists no %s for this account (debts: %s; repay currencies: %s)" % (
            ", ".join(unseen), ", ".join(debts) or "none", ", ".join(repay) or "none")
    return None


def proven_not_run(high, read_at):
    """A lost POST that could show in the history up to ``high`` did not run: a history read begun at ``read_at``
    (OKX ms; None when it failed) at least HISTORY_LAG_BOUND later shows no record of it."""
    return read_at is not None and read_at >= high + HISTORY_LAG_BOUND * 1000


# --- outcomes -----------------------------------------------------------------------------------------------------

class Outcome:
    """What happened to one debt's repay: the facts a task reports, and nothing OKX did not say.

    ``state``: ``accepted`` (OKX accepted the POST: its reply, or its record in the history when the reply was
    lost), ``in_flight`` (an earlier repay of the debt is still running or not yet in the history: nothing posted),
    ``not_executed`` (OKX did not run it), ``unknown`` (it may have run: the journal keeps it), ``planned`` (check
    mode: would be posted). ``posted``: this task sent the POST.
    """

    def __init__(self, debt_ccy, repay_ccy_list, state, ts=None, reconciled=False, record=None, msg=None,
                 error=None, sent_ms=None, entry=None, posted=False):
        self.debt_ccy = debt_ccy
        self.repay_ccy_list = list(repay_ccy_list)
        self.state = state
        self.ts = ts
        self.reconciled = reconciled
        self.record = record
        self.msg = msg
        self.error = error
        self.sent_ms = sent_ms
        self.entry = entry  # the journal entry of a POST whose outcome is unknown
        self.posted = posted

    @property
    def final(self):
        return self.record is not None and self.record.status in FINAL_STATES

    @property
    def changed(self):
        """A task changed something when OKX ran the repay it posted, or may have (or would, in check mode)."""
        return self.state == "planned" or (self.posted and self.state in ("accepted", "unknown"))

    def report(self):
        """The fields a task returns for this repay."""
        result = dict(debt_ccy=self.debt_ccy, repay_ccy_list=self.repay_ccy_list, outcome=self.state)
        if self.ts is not None:
            result["ts"] = str(self.ts)
        if self.state == "accepted":
            result["reconciled"] = self.reconciled
        if self.record is not None:
            result.update(status=self.record.status, fill_debt_sz=self.record.fill_debt_sz,
                          orders=[snake_order(order) for order in self.record.orders])
        if self.sent_ms is not None:
            result["sent_at"] = okx_time_text(self.sent_ms[0])
        return result


def snake_order(order):
    """A conversion order of the history (ordIdInfo) with snake_case keys, as the modules return it."""
    names = {"ordId": "ord_id", "instId": "inst_id", "ordType": "ord_type", "fillPx": "fill_px", "fillSz": "fill_sz",
             "cTime": "c_time"}
    return dict((names.get(key, key), value) for key, value in order.items())


def okx_time_text(ms):
    moment = datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


# --- the engine ---------------------------------------------------------------------------------------------------

class RepayEngine:
    """One-click repays of one account, with the guarantee in this file's docstring."""

    def __init__(self, client, warn=None):
        self.client = client
        self.clock = client.clock
        self._warn = warn or (lambda message: None)
        self._account = None

    @property
    def account(self):
        """The account's name in the state directory: two API keys of one account share it."""
        if self._account is None:
            self._account = digest(self.client.base_url, "uid", self.client.user_id())
        return self._account

    # reads

    def overview(self):
        return parse_overview(self.client.request(CURRENCY_LIST))

    def history(self, since_ms=None):
        """Repay records, newest first: the newest page, then older pages until one reaches back to ``since_ms``."""
        records = page = parse_history(self.client.request(HISTORY))
        while since_ms is not None and len(page) >= HISTORY_PAGE and page[-1].ts >= since_ms:
            page = parse_history(self.client.request(HISTORY, params={"after": str(page[-1].ts - 1)}))
            records = records + page
        return records

    # one task at a time per account on this machine

    @contextlib.contextmanager
    def exclusive(self, timeout):
        """Hold the account: until it leaves, no other task of this machine posts repays of its debts."""
        name = "repay-%s.lock" % self.account
        with self.client.state.lock(name, timeout, clock=self.clock.monotonic, sleep=self.clock.sleep) as fd:
            if fd is None:
                raise OKXError("another task on this machine (process %s) is repaying debts of this account and did "
                               "not finish within %s s: run again once it has" % (self._holder(name), timeout),
                               kind="busy")
            os.pwrite(fd, ("%-10d" % os.getpid()).encode("ascii"), 0)
            yield

    def _holder(self, name):
        try:
            with open(self.client.state.file(name)) as handle:
                return handle.read().strip() or "unknown"
        except (IOError, OSError):
            return "unknown"

    # the journal: repays this machine posted whose final state it has not seen

    def _journal_name(self):
        return "journal-%s.json" % self.account

    def journal(self):
        """{debt_ccy: entry}; an entry this version cannot read stops its debt: it may stand for a repay in flight."""
        entries = self.client.state.read_json(self._journal_name()) or {}
        for debt_ccy, entry in entries.items():
            if not (isinstance(entry, dict) and isinstance(entry.get("repay_ccy_list"), list)
                    and isinstance(entry.get("mono"), list) and len(entry["mono"]) == 2
                    and all(isinstance(value, (int, float)) for value in entry["mono"] + [entry.get("wall")])):
                raise OKXError("the repay journal %s has an entry for %s that cannot be read: check OKX's repay "
                               "history for a repay of that debt, then remove the entry (or the file)"
                               % (self.client.state.file(self._journal_name()), debt_ccy), kind="journal")
        return entries

    def _journal_update(self, debt_ccy, entry):
        """Set (or, with None, remove) the journal entry of a debt."""
        name = self._journal_name()
        with self.client.state.lock(name + ".lock"):
            entries = self.client.state.read_json(name) or {}
            if entry is None:
                entries.pop(debt_ccy, None)
            else:
                entries[debt_ccy] = entry
            self.client.state.write_json(name, entries, durable=True)

    # OKX's clock

    def _okx_now(self):
        return self.client.okx_ms(self.clock.monotonic())[0]

    def _bounds(self, entry):
        """Where on OKX's clock (ms) the record of a journaled POST can be: near its reply's ts, when OKX sent one,
        else within its send window, widened by how far off our reading of OKX's clock may be."""
        if entry.get("ts"):
            ts = int(entry["ts"])
            return ts - REPLY_TS_TOLERANCE_MS, ts + REPLY_TS_TOLERANCE_MS
        first, last = entry["mono"]
        if entry.get("boot") == boot_id():
            (low, uncertainty), high = self.client.okx_ms(first), self.client.okx_ms(last)[0]
        else:  # written before a reboot: only the wall clock relates it to now
            offset_ms, uncertainty = self._okx_now() - self.clock.time() * 1000, 1000.0
            low, high = int(entry["wall"] * 1000 + offset_ms), int((entry["wall"] + last - first) * 1000 + offset_ms)
        return int(low - uncertainty - RECORD_EARLY_MS), int(high + uncertainty + RECORD_LATE_MS)

    def _record_of(self, entry, debt_ccy, records):
        """The history record of a journaled POST: within its bounds, not known before it, the only one; or None.

        Two candidates cannot be told apart: that is an error (outcome unknown), never a guess.
        """
        low, high = self._bounds(entry)
        known = set(entry.get("known", []))
        found = [record for record in records if (
            record.debt_ccy == debt_ccy and record.repay_ccy_list == entry["repay_ccy_list"]
            and low <= record.ts <= high and record.ts not in known)]
        if len(found) > 1:
            raise OKXError("OKX's history shows %d repays of the %s debt (ts %s) that may be the one this machine "
                           "posted between %s and %s: cannot tell which; check the repay history"
                           % (len(found), debt_ccy, ", ".join(str(record.ts) for record in found),
                              okx_time_text(low), okx_time_text(high)), kind="ambiguous", endpoint=HISTORY)
        return found[0] if found else None

    # in flight

    def read_in_flight(self, debt_ccys=None):
        """One history read: (its records, {debt_ccy: Outcome} of the debts with a repay in flight).

        Call it holding ``exclusive``. A journaled POST whose outcome is still unknown is reported as ``unknown``.
        """
        journal = self.journal()
        read_at = since = None
        if journal:
            read_at = self._okx_now()  # before the read: OKX's history is at least this fresh
            since = min(self._bounds(entry)[0] for entry in journal.values())
        records = self.history(since)
        return records, self._in_flight(records, journal, debt_ccys, read_at)

    def _in_flight(self, records, journal, debt_ccys, read_at):
        """Resolve the journal against a history read begun at ``read_at`` (OKX ms), then add running repays.

        Repays seen final leave the journal, and so do lost POSTs proven not run. An accepted repay missing from the
        history for longer than OKX needs to show one is an error: OKX said it ran, its history says nothing.
        """
        flights = {}
        for debt_ccy, entry in sorted(journal.items()):
            if debt_ccys is not None and debt_ccy not in debt_ccys:
                continue
            record = self._record_of(entry, debt_ccy, records)
            low, high = self._bounds(entry)
            if read_at - high > JOURNAL_MAX_AGE * 1000:
                self._warn("forgot the journaled repay of the %s debt of %s: older than OKX's repay history"
                           % (debt_ccy, okx_time_text(low)))
                self._journal_update(debt_ccy, None)
            elif record is not None and record.status in FINAL_STATES:
                self._journal_update(debt_ccy, None)
            elif record is not None:
                flights[debt_ccy] = Outcome(debt_ccy, entry["repay_ccy_list"], "in_flight", ts=record.ts, record=record)
            elif entry.get("ts"):
                if read_at > high + HISTORY_LAG_BOUND * 1000:
                    raise OKXError("OKX accepted a repay of the %s debt at ts %s, but its history still does not show "
                                   "it: check the repay history; to repay this debt again, remove the entry %s from %s"
                                   % (debt_ccy, entry["ts"], debt_ccy, self.client.state.file(self._journal_name())),
                                   kind="journal", endpoint=HISTORY)
                flights[debt_ccy] = Outcome(debt_ccy, entry["repay_ccy_list"], "in_flight", ts=entry["ts"])
            elif proven_not_run(high, read_at):
                self._warn("the repay of the %s debt posted at %s, whose reply was lost, did not run: OKX's history "
                           "shows no record of it %d s later" % (debt_ccy, okx_time_text(low), HISTORY_LAG_BOUND))
                self._journal_update(debt_ccy, None)
            else:
                flights[debt_ccy] = Outcome(debt_ccy, entry["repay_ccy_list"], "unknown", sent_ms=(low, high),
                                            entry=entry, msg="OKX's history shows no record of it yet")
        for record in records:
            if record.status == "running" and record.debt_ccy not in flights \
                    and (debt_ccys is None or record.debt_ccy in debt_ccys):
                flights[record.debt_ccy] = Outcome(record.debt_ccy, record.repay_ccy_list, "in_flight", ts=record.ts,
                                                   record=record)
        return flights

    def resolve_unknown(self, flights, deadline):
        """Wait (until ``deadline``, monotonic) for the journaled POSTs of unknown outcome among ``flights``.

        Each becomes in flight (OKX's history shows it running), leaves ``flights`` (final, or proven not run), or
        stays unknown. Call it holding ``exclusive``.
        """
        for debt_ccy, flight in sorted(flights.items()):
            if flight.state != "unknown":
                continue
            outcome = self.reconcile(debt_ccy, flight.entry, deadline, cause=None)
            if outcome.state == "unknown":
                outcome.msg = "an earlier task on this machine posted it and " + outcome.msg
                flights[debt_ccy] = outcome
            elif outcome.state == "accepted" and not outcome.final:
                flights[debt_ccy] = Outcome(debt_ccy, outcome.repay_ccy_list, "in_flight", ts=outcome.ts,
                                            record=outcome.record)
            else:  # final already, or it never ran: nothing of this debt is in flight
                if outcome.state == "not_executed":
                    self._warn("the repay of the %s debt that an earlier task posted at %s, whose reply was lost, did "
                               "not run: %s" % (debt_ccy, okx_time_text(self._bounds(flight.entry)[0]), outcome.msg))
                del flights[debt_ccy]

    # posting

    def post(self, debt_ccy, repay_ccy_list, records, timeout):
        """POST one repay and return its Outcome; call it holding ``exclusive``, after ``read_in_flight``.

        ``records``: the history read before, whose repays of this debt can never be taken for this one. A reply that
        leaves the outcome open is reconciled from the history for at most ``timeout`` seconds; never posted again.
        """
        body = {"debtCcy": debt_ccy, "repayCcyList": list(repay_ccy_list)}
        entry = {"repay_ccy_list": list(repay_ccy_list), "boot": boot_id(), "state": "sending",
                 "known": [record.ts for record in records if record.debt_ccy == debt_ccy]}

        def journal_before_send(mono):
            entry.update(mono=[mono, mono + self.client.timeout], wall=self.clock.time())
            self._journal_update(debt_ccy, entry)

        try:
            data = self.client.request(REPAY, body=body, on_send=journal_before_send)
            ts = parse_repay_reply(data, debt_ccy)
        except OKXError as err:
            if err.kind == "malformed":
                err.outcome_unknown = True  # OKX said code 0: it ran, but the reply does not say what
            if not err.outcome_unknown or "mono" not in entry:  # OKX did not run it, or it never left
                if "mono" in entry:
                    self._journal_update(debt_ccy, None)
                return Outcome(debt_ccy, repay_ccy_list, "not_executed", error=err, posted=True)
            entry["mono"] = list(err.sent or (entry["mono"][0], self.clock.monotonic()))
            self._journal_update(debt_ccy, entry)
            self._warn("the outcome of the repay of the %s debt is unknown (%s): reading OKX's repay history instead "
                       "of posting again" % (debt_ccy, err.msg))
            outcome = self.reconcile(debt_ccy, entry, self.clock.monotonic() + timeout, err)
            outcome.posted = True
            return outcome
        entry.update(state="accepted", ts=ts)
        self._journal_update(debt_ccy, entry)
        return Outcome(debt_ccy, repay_ccy_list, "accepted", ts=ts, posted=True)

    def reconcile(self, debt_ccy, entry, deadline, cause):
        """Read the history until it shows the journaled POST, proves it did not run, or ``deadline`` (monotonic)."""
        history_error = None
        low, high = self._bounds(entry)
        while True:
            try:
                read_at = self._okx_now()
                record = self._record_of(entry, debt_ccy, self.history(low))
            except OKXError as err:
                if err.kind == "ambiguous":
                    return Outcome(debt_ccy, entry["repay_ccy_list"], "unknown", error=cause, msg=err.msg,
                                   sent_ms=(low, high))
                history_error, record, read_at = err, None, None
            if record is not None:
                entry.update(state="accepted", ts=str(record.ts))
                self._journal_update(debt_ccy, None if record.status in FINAL_STATES else entry)
                return Outcome(debt_ccy, entry["repay_ccy_list"], "accepted", ts=record.ts, reconciled=True,
                               record=record)
            if proven_not_run(high, read_at):
                self._journal_update(debt_ccy, None)
                return Outcome(debt_ccy, entry["repay_ccy_list"], "not_executed", error=cause,
                               msg="OKX's history shows no record of it %d s after it was sent" % HISTORY_LAG_BOUND)
            if self.clock.monotonic() >= deadline:
                why = ("the history could not be read (%s)" % history_error.msg if history_error
                       else "OKX's history shows no record of it yet")
                return Outcome(debt_ccy, entry["repay_ccy_list"], "unknown", error=cause, msg=why,
                               sent_ms=(low, high))
            if history_error is not None:
                self.clock.sleep(RETRY_PAUSE)

    # waiting

    def wait_final(self, outcomes, timeout):
        """Read the history until each accepted or in-flight repay is final, or ``timeout`` runs out.

        One read covers every debt of the account. Final repays leave the journal.
        """
        pending = [outcome for outcome in outcomes if outcome.ts is not None and not outcome.final]
        deadline = self.clock.monotonic() + timeout
        while pending:
            records = self.history()
            for outcome in pending:
                entry = {"ts": str(outcome.ts), "repay_ccy_list": outcome.repay_ccy_list}
                record = self._record_of(entry, outcome.debt_ccy, records)
                if record is not None:
                    outcome.record = record
                    if record.status in FINAL_STATES:
                        self._journal_update(outcome.debt_ccy, None)
            pending = [outcome for outcome in pending if not outcome.final]
            if pending and self.clock.monotonic() >= deadline:
                for outcome in pending:
                    outcome.msg = "still %s after wait_timeout=%s s" % (
                        outcome.record.status if outcome.record else "not in OKX's history", timeout)
                return
