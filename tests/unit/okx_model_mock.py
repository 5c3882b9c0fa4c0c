# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared unit-test helpers: a fake clock, OKX reply stubs, and MockOKX: the simulator's model of OKX
(tests/simulator/okx_model.py, the one model of OKX the tests have) in-process, on that clock, served through
`responses`.

The end-to-end tests serve the same model over HTTP (tests/simulator/okx_simulator.py); in-process it runs the
lost-reply matrix in milliseconds. Faults are the model's own (tests/simulator/README.md, "Faults"): MockOKX only
enacts what the model leaves to the HTTP layer (``Reply.transport``: a dropped connection, a slow or dripping reply)
as `requests` would see it, on the fake clock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

import requests
import responses

from ansible_collections.cryptoops.okx.tests.simulator.okx_model import OKX, REPAY, sign

URL = "https://www.okx.com"
KEY = "unit-key-0123"
SECRET = "UNIT-SECRET-9f8e7d6c"
PASSPHRASE = "Unit-Passphrase-42"
CREDENTIALS = dict(api_key=KEY, api_secret=SECRET, api_passphrase=PASSPHRASE)
UID = "44800000000000001"  # 17 digits, as OKX's
# Another API key of the same account (OKX gives an account several): MockOKX takes it for KEY.
SECOND_KEY = "second-key-of-the-account"

TIME = "/api/v5/public/time"
CONFIG = "/api/v5/account/config"
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"

# More than any timeout a test gives the client: a reply this late is never read.
NEVER = 3600.0
# How a POST's reply is lost or garbled, each a way of leaving its outcome open: the model's fault kinds.
LOST_REPLY_KINDS = ("drop", "slow", "http_500", "endpoint_timeout", "system_error", "html_200", "truncated_json",
                    "malformed")


def lost_reply(kind, apply=True, runs_after=None):
    """The model's fault for a repay POST whose reply is lost as ``kind`` (LOST_REPLY_KINDS); ``apply``: OKX ran it;
    ``runs_after``: seconds after the POST that OKX ran it (its reply lost, delivered after the client gave up).

    The model's ``slow`` always runs the request: a reply that never came for a POST OKX did not run is a ``drip`` of
    its refusal whose first byte comes after any timeout (the same to the client: a read timeout).
    """
    fault = {"path": REPAY, "method": "POST", "kind": kind, "apply": apply}
    if kind == "slow":
        fault = dict(fault, delay=NEVER) if apply else dict(fault, kind="drip", delay=NEVER)
    elif kind == "malformed":
        fault["data"] = {}
    if runs_after:
        fault["runs_after"] = runs_after
    return fault


def failing(path, times=10 ** 6, after_post=False, kind="http_500"):
    """The model's fault for ``times`` GETs of ``path`` (HTTP 500 unless ``kind``), from the next repay POST on when
    ``after_post``."""
    return {"path": path, "method": "GET", "kind": kind, "times": times, "after_post": after_post}


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


class ServerClock:
    """OKX's own clock on a FakeClock: it follows the fake time, never our wall clock's jumps (``wall_offset``);
    OKX's skew is the model's (``set_clock_skew``)."""

    def __init__(self, clock):
        self.clock = clock

    def time(self):
        return self.clock.now

    def monotonic(self):
        return self.clock.monotonic()


def reply(data=None, code="0", msg="", status=200):
    """The JSON body and status of an OKX reply, for responses.add(..., **reply(...)): a canned reply, not a model."""
    return dict(json={"code": code, "msg": msg, "data": data if data is not None else []}, status=status)


def account_state(debts=None, balances=None, history=None, settle_delay=None, history_lag=None, acct_lv="1",
                  spot_borrow_auto_repay=None, **extra):
    """A one-account state (tests/simulator/README.md, "State file") for the unit tests' credentials. ``extra``:
    other account fields (``enableSpotBorrow``, ``perm``, ...) and, as ``state_*``, state fields (``state_prices``)."""
    spec = {"name": "unit", "uid": UID, "api_key": KEY, "secret": SECRET, "passphrase": PASSPHRASE, "env": "live",
            "acctLv": str(acct_lv), "debts": dict(debts if debts is not None else {"USDC": "100"}),
            "balances": dict(balances if balances is not None else {"USDT": "5000"}), "history": list(history or [])}
    if spot_borrow_auto_repay is not None:
        spec["spotBorrowAutoRepay"] = spot_borrow_auto_repay
    state = {}
    for name, value in extra.items():
        if name.startswith("state_"):
            state[name[len("state_"):]] = value
        else:
            spec[name] = value
    state["accounts"] = [spec]
    if settle_delay is not None:
        state["settle_delay"] = settle_delay
    if history_lag is not None:
        state["history_lag"] = history_lag
    return state


def _read_timeout(request):
    """The read timeout requests was given for this request (None: none)."""
    timeout = getattr(request, "req_kwargs", {}).get("timeout")
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return timeout


class MockOKX:
    """One OKX account (the unit tests' credentials) as the simulator's model runs it, on a FakeClock, for a
    responses.RequestsMock.

    ``model`` is the ``OKX`` itself: its faults (``model.set_faults``), ``configure``, ``set_clock_skew``,
    ``set_prices``, ``view`` and ``log`` are the tests' controls. What MockOKX adds: the `responses` callbacks
    (``install``), the transport (drop, slow, drip) as `requests` sees it, repays "by hand" (``post_repay``: another
    client of the account, not the code under test), and read-backs: ``executed()`` (the records OKX has run),
    ``posts`` (repay POSTs the code under test sent), ``events`` (every repay POST OKX was sent, with whether it
    accepted it and when it settles).
    """

    def __init__(self, clock, **account):
        self.clock = clock
        self.model = OKX(account_state(**account), clock=ServerClock(clock))
        self.posts = 0
        self.events = []
        self.tag = None  # put in each event: who sent the POST (the property test's task and machine lineage)
        self.before_post = []  # callables(debt_ccy, headers as sent) run before each POST reaches OKX
        self.after = []  # [method, path, callable(request)]: each run once, after the next such request was served

    # controls

    def set_faults(self, faults):
        self.model.set_faults(faults)

    def configure(self, **settings):
        self.model.configure(**settings)

    @property
    def skew(self):
        return self.model.view()["clock_skew"]

    @skew.setter
    def skew(self, seconds):
        self.model.set_clock_skew(seconds)

    def add_debt(self, ccy, amount):
        """The account borrows ``amount`` more of ``ccy`` (the model's borrow)."""
        self.model.borrow("unit", {ccy: str(amount)})

    def post_repay(self, debt_ccy, repay_ccy_list):
        """A repay someone else posts for the account now (another controller, the web UI): signed with its key, it
        goes through the model as any request (faults, rate limit); not counted in ``posts``. Returns the reply."""
        body = json.dumps({"debtCcy": debt_ccy, "repayCcyList": list(repay_ccy_list)}, separators=(",", ":"))
        moment = self.model.now()
        timestamp = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)), int(moment * 1000) % 1000)
        headers = {"OK-ACCESS-KEY": KEY, "OK-ACCESS-PASSPHRASE": PASSPHRASE, "OK-ACCESS-TIMESTAMP": timestamp,
                   "OK-ACCESS-SIGN": sign(SECRET, timestamp, "POST", REPAY, body), "Content-Type": "application/json"}
        result = self._handle("POST", REPAY, headers, body.encode("utf-8"), by_hand=True)
        assert json.loads(result.body)["code"] == "0", result.body
        return result

    # read-backs

    def view(self):
        """GET /__sim__/state's account: balances, debts, history (every record OKX has run)."""
        return self.model.view()["accounts"][0]

    def executed(self):
        """The records of the repays OKX has run, oldest first."""
        return sorted(self.view()["history"], key=lambda record: int(record["ts"]))

    def accepted(self):
        """Every repay OKX accepted, oldest first: events, also of repays it runs later (``runs_after``)."""
        return [event for event in self.events if event["accepted"]]

    def in_flight(self, event):
        """Whether an accepted repay is still to run or running."""
        return event["accepted"] and self.clock.monotonic() < event["settles"]

    # the HTTP side

    def install(self, mock, url=URL):
        """Answer every method of every ``url`` + /api/v5/... path from the model."""
        pattern = re.compile(re.escape(url) + r"/api/v5/.*")
        for method in ("GET", "POST", "PUT", "DELETE"):
            mock.add_callback(method, pattern, callback=self._callback)
        return self

    def _callback(self, request):
        sent = dict(request.headers)
        headers = dict(sent)
        if headers.get("OK-ACCESS-KEY") == SECOND_KEY:
            headers["OK-ACCESS-KEY"] = KEY  # the model keeps one API key per account
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        result = self._handle(request.method, request.path_url, headers, body, sent=sent)
        transport = result.transport or {}
        timeout = _read_timeout(request)
        if transport.get("kind") == "drop":
            raise requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed "
                                                      "connection without response'))")
        if transport.get("kind") in ("slow", "drip"):
            took = transport["delay"]
            if transport["kind"] == "drip":
                # requests' timeout bounds each read, the client's deadline (the same number) the whole reply.
                slowest_read = max(transport["delay"], 1.0 / transport["rate"])
                took = transport["delay"] + len(result.body) / transport["rate"]
                if timeout is not None and slowest_read >= timeout:
                    took = timeout
            if timeout is not None and took >= timeout:
                self.clock.now += timeout  # the client gave up then: it waited no longer
                self._run_after(request)
                raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=%s)" % timeout)
            self.clock.now += took
        self._run_after(request)
        reply_headers = dict(result.headers)
        return result.status, dict(reply_headers, **{"Content-Type": result.content_type}), result.body

    def _handle(self, method, target, headers, body, by_hand=False, sent=None):
        is_post = method == "POST" and target.split("?")[0] == REPAY
        if is_post:
            try:
                debt_ccy = json.loads(body).get("debtCcy")
            except (ValueError, AttributeError):
                debt_ccy = None
            for check in list(self.before_post):
                check(debt_ccy, sent or headers)
            queued = self.model.faults()
            fault = next((f for f in queued if f["armed"] and f.get("path") in (None, REPAY)
                          and f.get("method") in (None, "POST")), None)
            before = self.model.view()
            settle_delay = before["settle_delay"]
        result = self.model.handle(method, target, headers, body)
        if is_post:
            after = self.model.view()
            accepted = (after["pending"] > before["pending"]
                        or len(after["accounts"][0]["history"]) > len(before["accounts"][0]["history"]))
            later = (fault or {}).get("runs_after", 0.0) if accepted else 0.0
            now = self.clock.monotonic()
            self.events.append(dict(debt_ccy=debt_ccy, tag=self.tag, by_hand=by_hand, accepted=accepted,
                                    runs=now + later, settles=now + later + settle_delay,
                                    ts=int(self.model.log()[-1]["time"] * 1000) + int(later * 1000) - 3
                                    if accepted else None))
            if not by_hand:
                self.posts += 1
        return result

    def _run_after(self, request):
        path = request.path_url.split("?")[0]
        for item in list(self.after):
            if item[0] == request.method and item[1] == path:
                self.after.remove(item)
                item[2](request)


def new_mock():
    """A RequestsMock that does not insist every stub is used."""
    return responses.RequestsMock(assert_all_requests_are_fired=False)
