# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""OKX one-click repay (new, v2): reads, the repay itself with lost-reply reconciliation, and waiting for the outcome."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXError

CURRENCY_LIST_PATH = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY_PATH = "/api/v5/trade/one-click-repay-v2"
HISTORY_PATH = "/api/v5/trade/one-click-repay-history-v2"

FINAL_STATES = ("filled", "failed")
# The history record's ts can differ by a few ms from the POST reply's ts (OKX's own examples: ...511 vs ...514).
TS_TOLERANCE_MS = 1000
# How far before our own send time a history record may be dated and still be ours. OKX allows one repay
# per 2 s per user, so no other repay of this user can fall inside this window.
SEND_MARGIN_MS = 1000


def to_decimal(amount):
    try:
        return decimal.Decimal(str(amount or "0"))
    except decimal.InvalidOperation:
        return decimal.Decimal(0)


def has_amount(amount):
    return to_decimal(amount) > 0


def currency_overview(client):
    """Debts and repay currencies of the account: ({debt_ccy: debt_amt}, {repay_ccy: repay_amt})."""
    data = client.get(CURRENCY_LIST_PATH)
    debts, repay = {}, {}
    for entry in data:
        for debt in entry.get("debtData") or []:
            debts[debt.get("debtCcy")] = debt.get("debtAmt", "0")
        for item in entry.get("repayData") or []:
            repay[item.get("repayCcy")] = item.get("repayAmt", "0")
    return debts, repay


def history(client, after=None, before=None, limit=None):
    """Repay records of the last 7 days, newest first, as OKX returns them."""
    return client.get(HISTORY_PATH, params=dict(after=after, before=before, limit=limit))


def find_record(records, debt_ccy, repay_ccy_list, since_ms=None, near_ts=None):
    """The history record of our repay: same debt and repay list, dated after we sent it or close to its ts."""
    best = None
    for record in records:
        if record.get("debtCcy") != debt_ccy or list(record.get("repayCcyList") or []) != list(repay_ccy_list):
            continue
        ts = int(record.get("ts") or 0)
        if since_ms is not None and ts < since_ms:
            continue
        if near_ts is not None:
            distance = abs(ts - int(near_ts))
            if distance > TS_TOLERANCE_MS or (best is not None and distance >= abs(int(best["ts"]) - int(near_ts))):
                continue
        elif best is not None and ts <= int(best["ts"]):
            continue
        best = record
    return best


def post_repay(client, debt_ccy, repay_ccy_list, debt_before=None, warn=None):
    """POST the repay once; when its reply is lost, find out from OKX whether it ran before posting again.

    Returns ``(ts, reconciled)``: OKX's request time and whether it came from the history instead of the reply.
    Posts again only when the first request provably did not take effect: no record of it in the history
    (read twice, 2 s apart, for a request still in flight) and the debt still what it was before.
    """
    warn = warn or (lambda message: None)
    body = {"debtCcy": debt_ccy, "repayCcyList": list(repay_ccy_list)}
    for attempt in (1, 2):
        sent_ms = client.now_ms() - SEND_MARGIN_MS
        try:
            data = client.post(REPAY_PATH, body)
        except OKXError as err:
            if not err.outcome_unknown:
                raise
            warn("the reply to the repay POST was lost (%s); reading the repay history before doing anything else"
                 % err.msg)
            record = None
            for dummy in (1, 2):
                record = find_record(history(client, before=sent_ms), debt_ccy, repay_ccy_list, since_ms=sent_ms)
                if record:
                    return record.get("ts"), True
            if debt_before is None:
                raise OKXError("the reply to the repay POST was lost and OKX has no record of the repay yet; "
                               "not posting again without the debt to compare with (force=true skipped the read): "
                               "check the repay history before running again", endpoint=err.endpoint)
            debts = currency_overview(client)[0]
            if to_decimal(debts.get(debt_ccy)) != to_decimal(debt_before) or attempt == 2:
                raise OKXError("the reply to the repay POST was lost and its outcome cannot be proven (debt was %s, "
                               "is now %s, no history record): not posting again; check the repay history"
                               % (debt_before, debts.get(debt_ccy, "0")), endpoint=err.endpoint)
            warn("the lost repay provably did not run (no history record, debt unchanged): posting it again")
            continue
        return (data[0].get("ts") if data else None), False


def wait_for_outcome(client, debt_ccy, repay_ccy_list, ts, timeout, clock):
    """Poll the history (the client keeps the 2 s spacing) until the repay made at ``ts`` is final."""
    deadline = clock() + timeout
    since = int(ts) - TS_TOLERANCE_MS
    while True:
        record = find_record(history(client, before=since), debt_ccy, repay_ccy_list, near_ts=ts)
        if record and record.get("status") in FINAL_STATES:
            return record
        if clock() >= deadline:
            raise OKXError("the repay made at ts %s was still %s after wait_timeout=%s s"
                           % (ts, record.get("status") if record else "not in the history", timeout),
                           endpoint="GET " + HISTORY_PATH)
