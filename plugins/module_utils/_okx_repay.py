# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""OKX one-click repay (new, v2): its endpoints and their replies, and the repay session.

The guarantee (docs/safety.md): for one debt of one account, at most one repay from this machine is in flight at a
time, and a task never reports a repay that OKX did not run. The rule: only evidence changes what the session
believes. A POST whose outcome is open stays open until OKX's history shows its record, OKX says it did not run it,
or an operator releases it (``release``); silence, an unreadable journal or another spelling of api_url is never
evidence. How:

- one task at a time per account on this machine (a lock keyed by the account's identity at OKX: User ID, live or
  demo), and one journal per account, carried to the next machine by the role;
- before posting, the session reads the journal and OKX's repay history: a repay of the debt still ``running``, or
  journaled and not yet shown final, means post nothing;
- each POST is journaled before it is sent; when its outcome is unknown it is never sent again;
- a history record is taken for a POST (``attribute``) only when nothing else can explain it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import contextlib
import datetime
import os

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import Endpoint, malformed
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_journal import Entry, Journal
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, is_currency, okx_amount

# OKX's account modes (acctLv of GET /api/v5/account/config). Its 2026-07 pages admit one-click repay (new) and its
# currency list in modes 1, 3 and 4, and its history in mode 1 only (docs/safety.md, "Account modes").
ACCOUNT_MODES = {"1": "Spot", "2": "Spot and futures", "3": "Multi-currency margin", "4": "Portfolio margin"}
_MODE_HINT = ("one-click repay (new) works for accounts in Spot, Multi-currency margin or Portfolio margin mode "
              "(acctLv 1, 3, 4), not in Spot and futures mode (2): switch the account's mode in OKX")
_READ_HINTS = {
    "51010": _MODE_HINT,
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
HISTORY = Endpoint("GET", "/api/v5/trade/one-click-repay-history-v2", 2.0, dict(_READ_HINTS, **{
    "51010": "OKX shows the one-click repay history only for accounts in Spot mode (acctLv 1)"}))
# OKX refuses the history in the account's mode: repays are then followed by the reply, the journal and the debt.
HISTORY_REFUSED = "51010"

FINAL_STATES = ("filled", "failed")
STATES = ("running",) + FINAL_STATES

# Assumptions about OKX, each only ever making the session more careful (docs/safety.md, "Assumptions"):
# A history record's ts may precede the POST's arrival by a few ms (OKX's examples: 1742192217511 for a POST answered
# with ts 1742192217514): the window of a POST starts this much before it was sent.
RECORD_EARLY_MS = 100
# OKX refuses a request whose signed timestamp is more than 30 s off its clock (50102), so the record of a POST is no
# later than this after it was signed (plus this margin). Used only to choose among several candidate records.
SIGNATURE_WINDOW_MS = 30000
RECORD_LATE_MS = 1000
# A record within this distance of a POST reply's ts is that POST's: OKX runs at most one repay per 2 s per user (so
# a ts also names one record, which is how records repeated across history pages are told apart).
REPLY_TS_TOLERANCE_MS = 1000
# An accepted repay whose record is still missing from the history this long after its ts is reported as such (its
# debt stays blocked: this is a report, not evidence).
HISTORY_LAG_NOTICE = 60.0
# OKX keeps 7 days of repay history, 100 records a page.
HISTORY_PAGE = 100
HISTORY_DAYS_MS = 7 * 86400 * 1000
# Pause between history reads when one failed outright (the rate limit spaces the others).
RETRY_PAUSE = 1.0

# ``problem``: why the record cannot be read (its debt is not repaid until it can), or None.
Record = collections.namedtuple("Record", "debt_ccy repay_ccy_list status ts fill_debt_sz orders problem")


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
    """The repay records of OKX's history reply, newest first, each field checked.

    A record is read or refused on its own: one whose status or another field this version cannot read is kept with
    its ``problem`` (it stops only its own debt); only a reply whose records cannot be placed (not an object, no debt
    currency, no ts: what paging and attribution need) fails the read. Extra fields are ignored.
    """
    records = []
    for index, item in enumerate(data):
        where = "data[%d]" % index
        if not isinstance(item, dict):
            raise malformed(HISTORY, where, item, "an object")
        debt_ccy, repay_list, status, ts = (item.get(k) for k in ("debtCcy", "repayCcyList", "status", "ts"))
        if not is_currency(debt_ccy):
            raise malformed(HISTORY, where + ".debtCcy", debt_ccy, "a currency symbol")
        if not (isinstance(ts, str) and ts.isdigit()):
            raise malformed(HISTORY, where + ".ts", ts, "a time in milliseconds")
        fill = item.get("fillDebtSz")
        if fill in (None, "") and status in ("running", "failed"):  # nothing filled (yet): OpenAPI's default ""
            fill = None if status == "running" else "0"
        orders = item.get("ordIdInfo") or []
        problem = None
        if not (isinstance(repay_list, list) and repay_list and all(is_currency(ccy) for ccy in repay_list)):
            problem = malformed(HISTORY, where + ".repayCcyList", repay_list, "a list of currency symbols")
        elif status not in STATES:
            problem = malformed(HISTORY, where + ".status", status, "one of %s" % ", ".join(STATES))
        elif (fill is not None or status == "filled") and okx_amount(fill) is None:
            problem = malformed(HISTORY, where + ".fillDebtSz", fill, "a finite, non-negative decimal string")
        elif not (isinstance(orders, list) and all(isinstance(order, dict) for order in orders)):
            problem = malformed(HISTORY, where + ".ordIdInfo", orders, "a list of orders")
        if problem is not None:
            records.append(Record(debt_ccy, repay_list if isinstance(repay_list, list) else [], status, int(ts), None,
                                  [], problem.msg))
        else:
            records.append(Record(debt_ccy, list(repay_list), status, int(ts), fill, orders, None))
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


# The settings of GET /api/v5/account/config the session acts on. ``acct_lv``: the account mode, or None when OKX's
# reply does not say; ``auto_repay``: OKX's own Spot auto-repay (spotBorrowAutoRepay), None when it does not say.
AccountConfig = collections.namedtuple("AccountConfig", "uid acct_lv auto_repay")

AUTO_REPAY_WARNING = ("OKX's own Spot auto-repay is on for this account (spotBorrowAutoRepay): OKX repays its Spot "
                      "borrowings by itself, so it and this collection compete for the same debts and balances; use "
                      "one of the two (see docs/okx-modes.md)")


def parse_account_config(config):
    """An AccountConfig from the object of GET /api/v5/account/config (its uid already checked by the client).

    Neither setting is needed to repay safely: a value this version cannot read is None, never an error.
    """
    acct_lv = config.get("acctLv")
    auto_repay = config.get("spotBorrowAutoRepay")
    if auto_repay in ("true", "false"):
        auto_repay = auto_repay == "true"
    return AccountConfig(config.get("uid"), acct_lv if isinstance(acct_lv, str) and acct_lv.isdigit() else None,
                         auto_repay if isinstance(auto_repay, bool) else None)


def mode_text(acct_lv):
    """An account mode as a person reads it: ``acctLv 3, Multi-currency margin``."""
    return "acctLv %s, %s" % (acct_lv, ACCOUNT_MODES.get(acct_lv, "a mode this version does not know")) if acct_lv \
        else "a mode OKX's account config does not name"


def owes(debts, debt_ccy):
    """Whether a currency list shows a debt of ``debt_ccy`` above zero."""
    return bool(okx_amount(debts.get(debt_ccy, "0")))


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


# --- outcomes -----------------------------------------------------------------------------------------------------

class Outcome:
    """What happened to one debt's repay: the facts a task reports, and nothing OKX did not say.

    ``state``: ``accepted`` (OKX accepted the POST: its reply, or its record in the history when the reply was
    lost), ``in_flight`` (an earlier repay of the debt is still running or not yet in the history: nothing posted),
    ``not_executed`` (OKX did not run it), ``unknown`` (it may have run: the journal keeps it), ``planned`` (check
    mode: would be posted). ``posted``: this task sent the POST. ``msg``: why it is not done (still running after
    wait_timeout, no record yet, ...). ``later_error``: a failure after OKX accepted the POST (the history or the
    debt could not be read, the journal could not be written): the report keeps the outcome and adds it.
    """

    def __init__(self, debt_ccy, repay_ccy_list, state, ts=None, reconciled=False, record=None, msg=None,
                 error=None, sent_ms=None, entry=None, posted=False):
        self.later_error = None
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
        self.cleared = False  # no history in this account mode: OKX showed the debt gone after the repay

    @property
    def final(self):
        return self.cleared or (self.record is not None and self.record.status in FINAL_STATES)

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
            result["reconciled"] = bool(self.reconciled)
            if self.reconciled:  # which assumption matched the record to the lost POST (docs/safety.md)
                result["reconciled_by"] = self.reconciled
        if self.record is not None:
            result.update(status=self.record.status, fill_debt_sz=self.record.fill_debt_sz,
                          orders=[snake_order(order) for order in self.record.orders])
        if self.cleared:
            result["debt_cleared"] = True
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


# --- attribution: which history record is a journaled POST's --------------------------------------------------------

def attribute(entry, records):
    """(the record of a journaled POST, how it was matched: ``ts``, ``window`` or ``only_record``), or (None, why not).

    With OKX's reply ts, the record near it. Else the candidates are the records of the debt from the POST's window on
    that were not in the history read before it: nothing on this machine posted a repay of the debt since (the account
    lock and this entry say so), so a single candidate is this POST's, however late it shows; among several, the only
    one in the window with the same repay currencies. Any other record of the debt is never ignored: it keeps the
    outcome open, for the operator to check.
    """
    ours = [record for record in records if record.debt_ccy == entry.debt_ccy]
    if entry.ts is not None:
        near = [record for record in ours if abs(record.ts - int(entry.ts)) <= REPLY_TS_TOLERANCE_MS]
        return (near[0], "ts") if near else (None, "OKX accepted it at ts %s; its history does not show it yet"
                                             % entry.ts)
    low, high = entry.window
    candidates = [record for record in ours if record.ts >= low and record.ts not in entry.known]
    fits = [record for record in candidates if record.ts <= high and record.repay_ccy_list == entry.repay_ccy_list]
    if len(fits) == 1:
        return fits[0], "window"
    if len(candidates) == 1 and candidates[0].repay_ccy_list == entry.repay_ccy_list:
        return candidates[0], "only_record"
    if not candidates:
        return None, "OKX's history shows no record of it yet"
    return None, ("OKX's history shows %d repay(s) of this debt since it was sent that cannot be told to be this one "
                  "(ts %s)" % (len(candidates), ", ".join(str(record.ts) for record in candidates)))


def unique_records(records):
    """Records repeated across history pages, once (a ts names one repay of a debt: see REPLY_TS_TOLERANCE_MS)."""
    seen, unique = set(), []
    for record in records:
        if (record.debt_ccy, record.ts) not in seen:
            seen.add((record.debt_ccy, record.ts))
            unique.append(record)
    return unique


def read_overview(client):
    return parse_overview(client.request(CURRENCY_LIST))


def account_lock(account_id):
    """The state directory's lock that a task holds while it repays debts of the account ``account_id`` (the
    client's ``account_id()``); the event source takes it too, so that it never reads while a repay runs."""
    return "repay-%s.lock" % account_id


# --- the session: the one order in which a task may do things ---------------------------------------------------------

class RepaySession:
    """One task's repays of one account. Use it as a context manager:

    entering takes the account's lock, adds the journal carried from another machine, releases what the operator
    released, reads the journal and OKX's history and resolves the journal against it (``flights``: the debts with a
    repay in flight or of open outcome, which get no new repay); inside, ``read_debts`` and ``post``; leaving frees the
    lock. ``wait`` and ``read_debts`` also work after it, ``post`` does not.
    """

    def __init__(self, client, wait_timeout, warn=None, carried=None, release=(), debt_ccys=None, check_mode=False):
        self.client = client
        self.clock = client.clock
        self.wait_timeout = wait_timeout
        self._warn = warn or (lambda message: None)
        self._carried = carried
        self._release = set(release)
        self._debt_ccys = debt_ccys
        self.check_mode = check_mode
        self.journal = None
        self.config = None
        self.history_refused = None  # OKX's refusal of the history in the account's mode, when it refuses it
        self._debts = None  # a currency list read by the session, for the next read_debts()
        self.records = []
        self.flights = {}
        self.released = []
        self.outcomes = []
        self._stack = None
        self._open = False

    # entering and leaving

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        try:
            self._enter()
        except BaseException:
            self._stack.close()
            raise
        self._open = True
        return self

    def __exit__(self, *exc_info):
        self._open = False
        self._stack.close()

    def _enter(self):
        self.config = parse_account_config(self.client.account_config())
        if self.config.auto_repay:
            self._warn(AUTO_REPAY_WARNING)
        account = self.client.account_id()
        self._lock(account_lock(account))
        self.journal = Journal(self.client.state, account)
        entries = self.journal.read() if self._carried is None else self.journal.merge(self._carried)
        self.client.clock_reading()  # POST windows and "now" are on OKX's clock
        since = min(entry.window[0] for entry in entries.values()) if entries else None
        try:
            self.records = self.history(since)
        except OKXError as err:
            if err.code != HISTORY_REFUSED:
                raise
            self._debts = read_overview(self.client)  # the evidence left: OKX's reply, the journal, the debt
            self.history_refused = err
            self._warn("%s: a repay is followed by OKX's reply, this machine's journal and the debt; one whose reply "
                       "is lost stays unknown and blocks its debt until released (docs/okx-modes.md)" % self._no_history)
        for debt_ccy, entry in sorted(entries.items()):
            if self._debt_ccys is None or debt_ccy in self._debt_ccys:
                self._resolve(entry)
        for record in self.records:
            if record.debt_ccy in self.flights or not (self._debt_ccys is None or record.debt_ccy in self._debt_ccys):
                continue
            if record.problem is not None:  # it may be a repay in flight: this debt waits, the others do not
                self.flights[record.debt_ccy] = Outcome(
                    record.debt_ccy, record.repay_ccy_list, "in_flight", ts=record.ts,
                    msg="a record OKX's history cannot be read by this version (%s): check the repay history; the "
                        "debt is not repaid while it shows" % record.problem)
            elif record.status == "running":
                self.flights[record.debt_ccy] = Outcome(record.debt_ccy, record.repay_ccy_list, "in_flight",
                                                        ts=record.ts, record=record)

    def _lock(self, name):
        fd = self._stack.enter_context(self.client.state.lock(name, self.wait_timeout, clock=self.clock.monotonic,
                                                              sleep=self.clock.sleep))
        if fd is None:
            raise OKXError("another task on this machine (process %s) is repaying debts of this account and did not "
                           "finish within %s s: run again once it has" % (self._holder(name), self.wait_timeout),
                           kind="busy")
        os.pwrite(fd, ("%-10d" % os.getpid()).encode("ascii"), 0)

    def _holder(self, name):
        try:
            return (self.client.state.read_text(name) or "").strip() or "unknown"
        except OKXError:
            return "unknown"

    @property
    def _no_history(self):
        return "OKX does not show the one-click repay history in this account's mode (%s)" % mode_text(
            self.config.acct_lv)

    def _resolve(self, entry):
        """Resolve one journal entry against the history read on entering (or, without one, the debt)."""
        debt_ccy = entry.debt_ccy
        if self.history_refused is None:
            record, why = attribute(entry, self.records)
        elif entry.ts is not None and not owes(self._debts[0], debt_ccy):
            record, why = None, None  # OKX accepted it and shows no debt left for it to repay: done
            self.journal.remove(debt_ccy)
            return
        else:
            record, why = None, self._no_history
        if record is not None and record.status in FINAL_STATES:
            self.journal.remove(debt_ccy)
        elif record is not None:
            self.flights[debt_ccy] = Outcome(debt_ccy, entry.repay_ccy_list, "in_flight", ts=record.ts, record=record)
        elif debt_ccy in self._release:
            self.released.append(dict(debt_ccy=debt_ccy, sent_at=okx_time_text(entry.window[0]), ts=entry.ts))
            self._warn("released the open repay of the %s debt sent at %s, as release asked: it is no longer waited "
                       "for (%s)" % (debt_ccy, okx_time_text(entry.window[0]), why))
            if not self.check_mode:
                self.journal.remove(debt_ccy)
        elif entry.ts is not None and self.history_refused is not None:
            self.flights[debt_ccy] = Outcome(
                debt_ccy, entry.repay_ccy_list, "in_flight", ts=entry.ts, entry=entry,
                msg="accepted by OKX at ts %s and the debt still shows, but %s: check the account's repays in OKX, then "
                    "release it (see docs/okx-modes.md)" % (entry.ts, why))
        elif entry.ts is not None:
            late = self._okx_now() > int(entry.ts) + HISTORY_LAG_NOTICE * 1000
            self.flights[debt_ccy] = Outcome(debt_ccy, entry.repay_ccy_list, "in_flight", ts=entry.ts, entry=entry,
                                             msg=(why + " %d s later: check the repay history, then release it (see "
                                                  "docs/safety.md)" % HISTORY_LAG_NOTICE) if late else None)
        else:
            self.flights[debt_ccy] = Outcome(debt_ccy, entry.repay_ccy_list, "unknown", sent_ms=entry.window,
                                             entry=entry, msg="an earlier task on this machine posted it and " + why)

    # reads

    def _okx_now(self):
        return self.client.okx_ms(self.clock.monotonic())[0]

    def history(self, since_ms=None, deadline=None):
        """Repay records, newest first: the newest page, then older pages until one reaches back to ``since_ms``.

        Each older page must be older than the ``after`` it asked for, and the paging ends by ``deadline``.
        """
        deadline = self.clock.monotonic() + self.wait_timeout if deadline is None else deadline
        if since_ms is not None:
            since_ms = max(since_ms, self._okx_now() - HISTORY_DAYS_MS)  # OKX keeps no older record
        records = page = parse_history(self.client.request(HISTORY))
        while since_ms is not None and len(page) >= HISTORY_PAGE and page[-1].ts >= since_ms:
            after = page[-1].ts - 1
            if self.clock.monotonic() >= deadline:
                raise OKXError("reading OKX's repay history back to %s took longer than wait_timeout=%s s"
                               % (okx_time_text(since_ms), self.wait_timeout), kind="lost", endpoint=HISTORY)
            page = parse_history(self.client.request(HISTORY, params={"after": str(after)}))
            if any(record.ts > after for record in page):
                raise malformed(HISTORY, "data", [record.ts for record in page][:5],
                                "records older than after=%d" % after)
            records = records + page
        return unique_records(records)

    def read_debts(self):
        """({debt_ccy: debt}, {repay_ccy: available}), as OKX reports them now (a read the session just made once)."""
        debts, self._debts = self._debts, None
        return debts or read_overview(self.client)

    # posting

    def post(self, debt_ccy, repay_ccy_list):
        """POST one repay and return its Outcome: only inside the session, never for a debt in ``flights``.

        A reply that leaves the outcome open is reconciled from the history until wait_timeout; never posted again.
        """
        if not self._open or self.check_mode or debt_ccy in self.flights:
            raise AssertionError("post() outside the session, in check mode, or for a debt in flight")
        known = frozenset(record.ts for record in self.records if record.debt_ccy == debt_ccy)
        sent = []

        def journal_before_send(mono):
            estimate, uncertainty = self.client.okx_ms(mono)
            window = (max(0, int(estimate - uncertainty) - RECORD_EARLY_MS),
                      int(estimate + uncertainty) + SIGNATURE_WINDOW_MS + RECORD_LATE_MS)
            entry = Entry(debt_ccy, list(repay_ccy_list), window, known, None)
            self.journal.put(entry)
            sent[:] = [entry]

        outcome = Outcome(debt_ccy, repay_ccy_list, "not_executed", posted=True)
        self.outcomes.append(outcome)
        try:
            ts = parse_repay_reply(self.client.request(REPAY, body={"debtCcy": debt_ccy,
                                                                    "repayCcyList": list(repay_ccy_list)},
                                                       on_send=journal_before_send), debt_ccy)
        except OKXError as err:
            if err.kind == "malformed":
                err.outcome_unknown = True  # OKX said code 0: it ran, but the reply does not say what
            outcome.error = err
            if not sent:  # it never left: the journal write before it failed, or the request did
                return outcome
            if not err.outcome_unknown:  # OKX says it did not run it
                self._keep_going(outcome, self.journal.remove, debt_ccy)
                return outcome
            outcome.state, outcome.entry, outcome.sent_ms = "unknown", sent[0], sent[0].window
            if self.history_refused is not None:
                outcome.msg = self._no_history
                return outcome
            self._warn("the outcome of the repay of the %s debt is unknown (%s): reading OKX's repay history instead "
                       "of posting again" % (debt_ccy, err.msg))
            self._reconcile(outcome, self.clock.monotonic() + self.wait_timeout)
            return outcome
        outcome.state, outcome.ts = "accepted", ts
        self._keep_going(outcome, self.journal.put, sent[0]._replace(ts=ts))
        return outcome

    def _keep_going(self, outcome, step, *args):
        """Run a bookkeeping step after OKX answered; a failure is reported with the outcome, never instead of it."""
        try:
            step(*args)
        except OKXError as err:
            outcome.later_error = outcome.later_error or err

    def _reconcile(self, outcome, deadline):
        """Read the history until it shows the POST's record, or ``deadline`` (monotonic): never concluding from
        silence that it did not run."""
        history_error = None
        while True:
            try:
                record, why = attribute(outcome.entry, self.history(outcome.entry.window[0], deadline))
                history_error = None
            except OKXError as err:
                record, why, history_error = None, None, err
            if record is not None:
                outcome.state, outcome.ts, outcome.reconciled, outcome.record = "accepted", record.ts, why, record
                entry = outcome.entry._replace(ts=str(record.ts))
                if record.status in FINAL_STATES:
                    self._keep_going(outcome, self.journal.remove, outcome.debt_ccy)
                else:
                    self._keep_going(outcome, self.journal.put, entry)
                return
            if self.clock.monotonic() >= deadline:
                outcome.msg = ("the history could not be read (%s)" % history_error.msg if history_error else why)
                return
            if history_error is not None:
                self.clock.sleep(RETRY_PAUSE)

    # waiting, also after leaving

    def wait(self, outcomes):
        """Read the history until each accepted or in-flight repay is final, or wait_timeout runs out.

        One read covers every debt of the account; a read that fails is tried again until then. Final repays leave
        the journal.
        """
        pending = [outcome for outcome in outcomes if outcome.ts is not None and not outcome.final]
        deadline = self.clock.monotonic() + self.wait_timeout
        if self.history_refused is not None:
            return self._wait_for_debts(pending, deadline)
        history_error = None
        while pending:
            try:
                records = self.history()
                history_error = None
            except OKXError as err:
                records, history_error = [], err
            for outcome in pending:
                entry = Entry(outcome.debt_ccy, outcome.repay_ccy_list, (0, 0), frozenset(), str(outcome.ts))
                record = attribute(entry, records)[0]
                if record is not None:
                    outcome.record = record
                    if record.status in FINAL_STATES:
                        self._keep_going(outcome, self.journal.remove, outcome.debt_ccy)
            pending = [outcome for outcome in pending if not outcome.final]
            if pending and self.clock.monotonic() >= deadline:
                for outcome in pending:
                    outcome.msg = ("still %s after wait_timeout=%s s" % (
                        outcome.record.status if outcome.record else "not in OKX's history", self.wait_timeout)
                        + ("; the last history read failed: %s" % history_error.msg if history_error else ""))
                return
            if pending and history_error is not None:
                self.clock.sleep(RETRY_PAUSE)

    def _wait_for_debts(self, pending, deadline):
        """Without a history: read the currency list until OKX shows no debt left for each repay (the evidence there
        is that it is done), or ``deadline``. A debt that still shows keeps its repay open."""
        read_error = None
        while pending:
            try:
                self._debts, read_error = read_overview(self.client), None
            except OKXError as err:
                self._debts, read_error = None, err
            for outcome in pending:
                if self._debts is not None and not owes(self._debts[0], outcome.debt_ccy):
                    outcome.cleared = True
                    self._keep_going(outcome, self.journal.remove, outcome.debt_ccy)
            pending = [outcome for outcome in pending if not outcome.final]
            if pending and self.clock.monotonic() >= deadline:
                for outcome in pending:
                    outcome.msg = ("not known to be done: %s, and %s after wait_timeout=%s s; check the account's repays "
                                   "in OKX, then release it (see docs/okx-modes.md)" % (
                                       self._no_history, "the currency list could not be read (%s)" % read_error.msg
                                       if read_error else "the debt still shows", self.wait_timeout))
                return
            if pending and read_error is not None:
                self.clock.sleep(RETRY_PAUSE)

    def export(self):
        """The account's open journal entries, to carry to the next machine; None when they cannot be read."""
        if self.journal is None:
            return None
        try:
            return self.journal.export(self.journal.read())
        except OKXError:
            return None
