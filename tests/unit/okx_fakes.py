# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared unit-test helpers: a fake clock, OKX reply stubs, and FakeOKX, OKX's one-click repay family as a model
on that clock (asynchronous settlement, a lagging history, a skewed clock, faults), served through `responses`.

The end-to-end tests use the real simulator (tests/simulator); this model lets the unit tests run the lost-reply
matrix in milliseconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from decimal import Decimal

import requests
import responses

URL = "https://www.okx.com"
KEY = "unit-key-0123"
SECRET = "UNIT-SECRET-9f8e7d6c"
PASSPHRASE = "Unit-Passphrase-42"
CREDENTIALS = dict(api_key=KEY, api_secret=SECRET, api_passphrase=PASSPHRASE)
UID = "44800000001"

TIME = "/api/v5/public/time"
CONFIG = "/api/v5/account/config"
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = "/api/v5/trade/one-click-repay-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"


class FakeClock:
    """Wall time, monotonic time and sleep in one: sleeping moves both clocks, and every sleep is recorded."""

    def __init__(self, start=1700000000.0):
        self.now = start
        self.wall_offset = 0.0  # the wall clock jumped (NTP, a VM resumed): monotonic time does not
        self.sleeps = []

    def time(self):
        return self.now + self.wall_offset

    def monotonic(self):
        return self.now - 1600000000.0

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def reply(data=None, code="0", msg="", status=200):
    """The JSON body and status of an OKX reply, for responses.add(..., **reply(...))."""
    return dict(json={"code": code, "msg": msg, "data": data if data is not None else []}, status=status)


# How a POST's reply is lost or garbled, each a way of leaving its outcome open.
UNKNOWN_KINDS = ("dropped", "read_timeout", "http_500", "50004", "50026", "html_200", "truncated_json", "malformed")


class FakeOKX:
    """One account's one-click repay as OKX runs it, on a FakeClock, for a responses.RequestsMock.

    ``settle``: seconds a repay stays running. ``lag``: seconds before a repay shows in the history. ``skew``: OKX's
    clock minus ours. ``post_faults``: for each coming POST, (kind, executed) or (kind, executed, delay: seconds
    after it was sent that OKX ran it: delivered after the client gave up), or None. ``history_down``: the history
    answers HTTP 500; ``overview_down``: the currency list does; the ``break_*_on_post`` and
    ``history_failures_on_post`` settings do so from the next POST on. ``paging``: "ok", "ignore_after" (every page is the
    newest) or "repeat" (each record listed twice). ``executed`` lists the repays OKX ran.
    """

    def __init__(self, clock, debts=None, balances=None, settle=0.5, lag=0.0, skew=0.0, history=None):
        self.clock = clock
        self.debts = dict((ccy, Decimal(amount)) for ccy, amount in (debts or {"USDC": "100"}).items())
        self.balances = dict((ccy, Decimal(amount)) for ccy, amount in (balances or {"USDT": "5000"}).items())
        self.settle, self.lag, self.skew = settle, lag, skew
        self.records = []  # [record, visible_at, settles_at]
        for record in history or []:
            self.records.append([dict(record), 0, 0])
        self.post_faults = []
        self.history_down = False
        self.overview_down = False
        self.paging = "ok"
        self.break_history_on_post = False
        self.break_overview_on_post = False
        self.history_failures = 0  # the next N history reads answer HTTP 500
        self.history_failures_on_post = 0
        self.executed = []
        self.posts = 0

    def now_ms(self):
        return int((self.clock.now + self.skew) * 1000)

    def install(self, mock, url=URL):
        for path, handler in ((TIME, self.public_time), (CONFIG, self.config), (CURRENCY_LIST, self.currency_list),
                              (REPAY, self.repay), (HISTORY, self.history)):
            method = "POST" if path == REPAY else "GET"
            mock.add_callback(method, re.compile(re.escape(url + path) + r"(\?.*)?$"), callback=handler)
        return self

    # the endpoints

    @staticmethod
    def ok(data):
        return 200, {}, json.dumps({"code": "0", "msg": "", "data": data})

    def public_time(self, _request):
        return self.ok([{"ts": str(self.now_ms())}])

    def config(self, _request):
        return self.ok([{"uid": UID, "mainUid": UID, "acctLv": "1"}])

    def settle_due(self):
        for entry in self.records:
            record, _visible_at, settles_at = entry
            if record["status"] == "running" and self.clock.now >= settles_at:
                debt = self.debts.get(record["debtCcy"], Decimal(0))
                record.update(status="filled" if debt > 0 else "failed", fillDebtSz=str(debt))
                self.debts.pop(record["debtCcy"], None)

    def currency_list(self, _request):
        if self.overview_down:
            return 500, {}, "Internal Server Error"
        self.settle_due()
        return self.ok([{"debtData": [{"debtCcy": c, "debtAmt": str(a)} for c, a in self.debts.items()],
                         "repayData": [{"repayCcy": c, "repayAmt": str(a)} for c, a in self.balances.items()]}])

    def history(self, request):
        if self.history_down or self.history_failures > 0:
            self.history_failures = max(0, self.history_failures - 1)
            return 500, {}, "Internal Server Error"
        self.settle_due()
        after = re.search(r"after=(\d+)", request.url)
        if self.paging == "ignore_after":
            after = None
        shown = [dict(record) for record, visible_at, _settles in self.records if self.clock.now >= visible_at
                 and (after is None or int(record["ts"]) <= int(after.group(1)))]
        shown.sort(key=lambda record: -int(record["ts"]))
        if self.paging == "repeat":
            shown = [copy for record in shown for copy in (record, dict(record))]
        return self.ok(shown[:100])

    def run_repay(self, body, delay=0.0):
        """Accept a repay ``delay`` s from now: a running record then, settled after ``settle`` s, in the history
        after ``lag`` s."""
        record = {"debtCcy": body["debtCcy"], "repayCcyList": body["repayCcyList"], "fillDebtSz": "0",
                  "status": "running", "ts": str(self.now_ms() + int(delay * 1000) - 3), "ordIdInfo": []}
        at = self.clock.now + delay
        self.records.append([record, at + self.lag, at + self.settle])
        self.executed.append(record)
        return record

    def repay(self, request):
        self.posts += 1
        self.history_down = self.history_down or self.break_history_on_post
        self.overview_down = self.overview_down or self.break_overview_on_post
        self.history_failures += self.history_failures_on_post
        body = json.loads(request.body)
        fault = self.post_faults.pop(0) if self.post_faults else None
        kind, executed, delay = (tuple(fault) + (0.0,))[:3] if fault else (None, True, 0.0)
        ts = None
        if executed:
            if body["debtCcy"] not in self.debts:
                return 200, {}, json.dumps({"code": "51000", "msg": "Parameter debtCcy error", "data": []})
            ts = str(int(self.run_repay(body, delay)["ts"]) + 3)
        good = json.dumps({"code": "0", "msg": "", "data": [dict(body, ts=ts)]})
        if kind is None:
            return 200, {}, good
        if kind == "dropped":
            raise requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))")
        if kind == "read_timeout":
            raise requests.exceptions.ReadTimeout("read timed out")
        if kind == "http_500":
            return 500, {}, "Internal Server Error"
        if kind in ("50004", "50026"):
            return (400 if kind == "50004" else 500), {}, json.dumps({"code": kind, "msg": "timeout", "data": []})
        if kind == "html_200":
            return 200, {"Content-Type": "text/html"}, "<html><body>Bad gateway</body></html>"
        if kind == "truncated_json":
            return 200, {}, good[:len(good) // 2]
        if kind == "malformed":
            return 200, {}, json.dumps({"code": "0", "msg": "", "data": {}})
        raise AssertionError("unknown fault %r" % kind)


def new_mock():
    """A RequestsMock that does not insist every stub is used."""
    return responses.RequestsMock(assert_all_requests_are_fired=False)
