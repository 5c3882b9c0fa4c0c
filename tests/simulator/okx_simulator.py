# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A faithful OKX v5 REST simulator for tests. It never contacts OKX.

Run: python tests/simulator/okx_simulator.py --state STATE.json [--host 127.0.0.1] [--port 0] [--log LOG.jsonl]
README.md beside this file describes the state file, the admin API under /__sim__/ and the faults.
"""

import argparse
import base64
import collections
import copy
import hashlib
import heapq
import hmac
import itertools
import json
import math
import re
import signal
import socket
import threading
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation, ROUND_DOWN, ROUND_UP
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

TIME = "/api/v5/public/time"
CONFIG = "/api/v5/account/config"
BALANCE = "/api/v5/account/balance"
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = "/api/v5/trade/one-click-repay-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"
ADMIN = "/__sim__/"
PUBLIC = (TIME,)

# path: (method, requests allowed per window, window in seconds, handler). Limits are OKX's documented ones,
# counted per User ID (per client IP for the public endpoints, which need no authentication).
ENDPOINTS = {
    TIME: ("GET", 10, 2.0, "public_time"),
    CONFIG: ("GET", 5, 2.0, "account_config"),
    BALANCE: ("GET", 10, 2.0, "account_balance"),
    CURRENCY_LIST: ("GET", 1, 2.0, "currency_list"),
    REPAY: ("POST", 1, 2.0, "repay"),
    HISTORY: ("GET", 1, 2.0, "repay_history"),
}

# OKX error code: (HTTP status, message), from OKX's v5 error code tables (see README.md for sources).
ERRORS = {
    "50000": (400, "Body for POST request cannot be empty."),
    "50001": (503, "Service temporarily unavailable. Please try again later."),
    "50002": (400, "JSON syntax error"),
    "50004": (400, "API endpoint request timeout. (does not mean that the request was successful or failed, please check the request result)."),
    "50006": (400, 'Invalid Content-Type. Please use "application/JSON".'),
    "50011": (429, "Too Many Requests"),
    "50013": (503, "Systems are busy. Please try again later."),
    "50014": (400, "Parameter {0} can not be empty."),
    "50026": (500, "System error. Try again later"),
    "50101": (401, "APIKey does not match current environment."),
    "50102": (401, "Timestamp request expired."),
    "50103": (401, 'Request header "OK-ACCESS-KEY" cannot be empty.'),
    "50104": (401, 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.'),
    "50105": (401, 'Request header "OK-ACCESS-PASSPHRASE" incorrect.'),
    "50106": (401, 'Request header "OK-ACCESS-SIGN" cannot be empty.'),
    "50107": (401, 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.'),
    "50111": (401, "Invalid OK-ACCESS-KEY."),
    "50112": (401, "Invalid OK-ACCESS-TIMESTAMP."),
    "50113": (401, "Invalid signature."),
    "50115": (405, "Invalid request method."),
    "50120": (200, "This API key doesn't have permission to use this function"),
    "51000": (400, "Parameter {0} error"),
    "51010": (200, "You can't complete this request under your current account mode."),
    "51625": (200, "One-click repay requires auto-borrow to be enabled. Please enable auto-borrow, "
                   "or repay the debt currency via Easy Convert or spot trading."),
}

# Fault kinds and the OKX error code they answer with (None: some other reply, see fault_reply).
FAULT_CODES = {
    "http_500": None, "busy": "50013", "unavailable": "50001", "system_error": "50026",
    "endpoint_timeout": "50004", "slow": None, "drop": None, "non_json": None,
    "html_200": None, "truncated_json": None, "malformed": None, "drip": None, "rate_limited": "50011",
}
# Kinds that execute the request unless the fault says "apply": false ("slow" always does): they spoil the real reply.
APPLIED_BY_DEFAULT = {"slow", "truncated_json", "malformed", "drip"}
# The reply spoiled by truncated_json or drip when the request is not executed ("apply": false).
NOT_EXECUTED_CODE = "50001"
BAD_GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
# What a CDN or maintenance page in front of an API serves with HTTP 200.
HTML_200_PAGE = ("<!DOCTYPE html><html><head><title>OKX</title></head><body><h1>System upgrade in progress</h1>"
                 "<p>We will be back shortly. Thank you for your patience.</p></body></html>")

DEFAULT_PRICES = {"USDT": "1", "USDC": "1", "DAI": "1", "BTC": "60000", "ETH": "3000", "OKB": "50", "SOL": "150"}
DEFAULT_CURRENCIES = ("BTC", "ETH", "USDT", "USDC", "DAI", "OKB", "SOL", "XRP", "DOGE", "ADA", "TRX", "TON", "LTC", "BCH",
                      "DOT", "LINK", "AVAX", "POL", "ATOM", "NEAR", "APT", "ARB", "OP", "UNI", "FIL", "ETC", "SHIB", "PEPE")
# Currencies that quote spot pairs, most common first: names the conversion orders' instId (BTC-USDT, ETH-BTC).
QUOTES = ("USDT", "USDC", "USD", "EUR", "BTC", "ETH", "OKB")
TIMESTAMP_WINDOW = 30.0
HISTORY_DAYS = 7
HISTORY_TS_LAG_MS = 3  # a history record's ts is a few ms before the POST reply's ts, as in OKX's examples
STEP = Decimal("0.00000001")
ZERO = Decimal(0)
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class OkxError(Exception):
    """An OKX error reply."""

    def __init__(self, code, *params, status=None):
        http_status, template = ERRORS[code]
        super().__init__(template.format(*params))
        self.code = code
        self.msg = template.format(*params)
        self.status = status or http_status


class ConnectionDropped(ConnectionError):
    """Raised after shutting the client socket: werkzeug then sends nothing."""


def sign(secret, timestamp, method, request_path, body=b""):
    """OKX's signature: base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    message = (timestamp + method.upper() + request_path).encode("utf-8") + body
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode("ascii")


def key_id(api_key):
    """What the log shows of an API key: its first 4 characters and a short hash."""
    if not api_key:
        return None
    return "%s#%s" % (api_key[:4], hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:8])


def same(left, right):
    """Constant-time comparison of two texts."""
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def parse_timestamp(text):
    """Seconds since the epoch of an OK-ACCESS-TIMESTAMP (2020-12-08T09:08:57.715Z), or None."""
    if not TIMESTAMP_RE.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()  # the regex fixed the format; this checks the date (C, fast)
    except ValueError:
        return None


def fmt(value):
    """An amount as OKX writes numbers: a plain decimal string."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def amounts(book, where):
    """A {currency: Decimal} book from a state file's {currency: "amount"}; zero amounts are left out."""
    result = {}
    for ccy, value in (book or {}).items():
        try:
            amount = Decimal(str(value))
        except InvalidOperation as err:
            raise ValueError("%s: %r is not a number" % (where, value)) from err
        if amount < 0:
            raise ValueError("%s: %s must not be negative" % (where, ccy))
        if amount > 0:
            result[ccy] = amount
    return result


def seconds(name, value):
    """A duration from the state or /__sim__/config: a non-negative finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError("%s must be a non-negative finite number of seconds: %r" % (name, value))
    return float(value)


def put(book, ccy, amount):
    """Set an amount in a book, dropping it when it reaches zero."""
    if amount > 0:
        book[ccy] = amount
    else:
        book.pop(ccy, None)


def raw_path(environ):
    """The request target exactly as sent (path and query): what the client signed."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        query = environ.get("QUERY_STRING")
        return environ.get("PATH_INFO", "") + ("?" + query if query else "")
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path + ("?" + parts.query if parts.query else "")
    return target


def quote_rank(ccy):
    """How commonly a currency quotes spot pairs (lower is more common)."""
    return QUOTES.index(ccy) if ccy in QUOTES else len(QUOTES)


def json_response(payload, status=200):
    """A compact JSON reply."""
    return Response(json.dumps(payload, separators=(",", ":")), status=status, mimetype="application/json")


def okx_response(code, msg, data, status):
    """A reply in OKX's envelope; it keeps its code and msg for the log, which need not parse the body again."""
    response = json_response({"code": code, "msg": msg, "data": data}, status)
    response.okx = (code, msg)
    return response


def error_response(code, status=None):
    """OKX's reply for an error code."""
    error = OkxError(code, status=status)
    return okx_response(error.code, error.msg, [], error.status)


def check_faults(faults):
    """Validated copies of the faults posted to /__sim__/faults, with the kind's defaults filled in."""
    if not isinstance(faults, list):
        raise ValueError("faults must be a JSON list")
    checked = []
    for fault in faults:
        if not isinstance(fault, dict) or fault.get("kind") not in FAULT_CODES:
            raise ValueError("each fault needs a kind among %s: %r" % (", ".join(sorted(FAULT_CODES)), fault))
        kind = fault["kind"]
        fault = dict(fault, times=int(fault.get("times", 1)), delay=float(fault.get("delay", 0.0 if kind == "drip" else 5.0)),
                     apply=bool(fault.get("apply", kind in APPLIED_BY_DEFAULT)) or kind == "slow")
        if fault.get("method"):
            fault["method"] = fault["method"].upper()
        if fault["times"] < 1:
            raise ValueError("times must be at least 1: %r" % fault)
        if not 0 <= fault["delay"] < math.inf:
            raise ValueError("delay must be a non-negative finite number of seconds: %r" % fault)
        if kind == "drip":
            fault["rate"] = float(fault.get("rate", 1))
            if not 0 < fault["rate"] < math.inf:
                raise ValueError("rate must be a positive finite number of bytes per second: %r" % fault)
        if kind == "malformed" and ("data" in fault) == ("body" in fault):
            raise ValueError("a malformed fault takes either data or body: %r" % fault)
        if "status" in fault:
            fault["status"] = int(fault["status"])
            if not 100 <= fault["status"] <= 599:
                raise ValueError("status must be an HTTP status: %r" % fault)
        if "retry_after" in fault:
            value = fault["retry_after"]
            if isinstance(value, bool) or not isinstance(value, (str, int, float)) or "\r" in str(value) or "\n" in str(value):
                raise ValueError("retry_after must be a one-line string or a number: %r" % fault)
            fault["retry_after"] = str(value)
        checked.append(fault)
    return checked


def fault_reply(fault, response):
    """What the client gets under a fault (None: the connection is closed without a reply). ``response`` is the real
    reply, or None when the request was not executed; slow and drip replies are timed by Simulator.serve."""
    kind, status = fault["kind"], fault.get("status")
    if kind == "drop":
        return None
    if kind in ("slow", "drip"):
        reply = response or error_response(NOT_EXECUTED_CODE, status)
    elif kind == "truncated_json":
        body = (response or error_response(NOT_EXECUTED_CODE)).get_data()
        reply = Response(body[:len(body) // 2], status=status or 200, mimetype="application/json")
    elif kind == "malformed":
        payload = fault["body"] if "body" in fault else {"code": "0", "msg": "", "data": fault["data"]}
        reply = json_response(payload, status or 200)
        if isinstance(payload, dict) and "code" in payload:
            reply.okx = (payload["code"], payload.get("msg"))
    elif kind == "http_500":
        reply = Response("Internal Server Error", status=status or 500, mimetype="text/plain")
    elif kind == "non_json":
        reply = Response(BAD_GATEWAY_PAGE, status=status or 502, mimetype="text/html")
    elif kind == "html_200":
        reply = Response(HTML_200_PAGE, status=status or 200, mimetype="text/html")
    else:
        reply = error_response(FAULT_CODES[kind], status)
    if "retry_after" in fault:
        reply.headers["Retry-After"] = fault["retry_after"]
    return reply


def dripping(response, rate, delay):
    """The same reply with its body sent a byte at a time, ``rate`` bytes a second, after ``delay`` seconds: a client
    never waits more than 1/rate s for its next read, however long the whole body takes."""
    body = response.get_data()

    def chunks():
        start = time.monotonic() + delay
        for index in range(len(body)):
            time.sleep(max(0.0, start + index / rate - time.monotonic()))
            yield body[index:index + 1]

    return Response(chunks(), status=response.status, headers=response.headers)


def drop_connection(environ):
    """Close the client's connection without a reply."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionDropped("reply dropped by fault injection")


class Account:
    """One OKX account with its API key, balances, debts and one-click repay history."""

    def __init__(self, spec, index, now_ms):
        for field in ("api_key", "secret", "passphrase"):
            if not spec.get(field):
                raise ValueError("account %d: %s is required" % (index, field))
        self.name = spec.get("name", "account%d" % index)
        self.uid = str(spec.get("uid", 44800000000 + index))
        self.main_uid = str(spec.get("mainUid", self.uid))
        self.api_key = spec["api_key"]
        self.secret = spec["secret"]
        self.passphrase = spec["passphrase"]
        self.env = spec.get("env", "live")
        if self.env not in ("live", "demo"):
            raise ValueError("account %s: env must be live or demo" % self.name)
        self.acct_lv = str(spec.get("acctLv", "1"))
        self.perm = spec.get("perm", "read_only,trade")
        self.spot_borrow = bool(spec.get("enableSpotBorrow", True))
        self.balances = amounts(spec.get("balances"), "account %s balances" % self.name)
        self.debts = amounts(spec.get("debts"), "account %s debts" % self.name)
        # (monotonic time from which GET history shows it, record): the state's own records show at once.
        self.history = [(0.0, record) for record in copy.deepcopy(spec.get("history", []))]
        self.u_time = now_ms

    def can(self, permission):
        """Whether the API key has a permission (read_only, trade, withdraw)."""
        return permission in [item.strip() for item in self.perm.split(",")]

    def view(self):
        """The account as GET /__sim__/state shows it: never the secret or the passphrase."""
        return {"name": self.name, "uid": self.uid, "mainUid": self.main_uid, "env": self.env, "acctLv": self.acct_lv,
                "perm": self.perm, "enableSpotBorrow": self.spot_borrow, "key": key_id(self.api_key),
                "balances": {ccy: fmt(value) for ccy, value in self.balances.items()},
                "debts": {ccy: fmt(value) for ccy, value in self.debts.items()},
                "history": [record for _shows, record in self.history]}


class Simulator:
    """The simulated OKX (a WSGI application): accounts, clock, rate limits, faults and the request log."""

    def __init__(self, state, log_path=None):
        self.lock = threading.RLock()
        self.log_path = log_path
        # Opened once: opening the file per request cost as much as the rest of the simulator's own work.
        self.log_file = open(log_path, "a", encoding="utf-8", buffering=1) if log_path else None  # pylint: disable=consider-using-with
        self.order_ids = itertools.count(int(time.time() * 1000) * 1000)
        self.load(state)

    def load(self, state):
        """(Re)start from a state: accounts, prices, currencies; no faults, clock skew, rate windows or log."""
        if not isinstance(state, dict) or not isinstance(state.get("accounts"), list):
            raise ValueError("the state needs an accounts list")
        now_ms = int(time.time() * 1000)
        accounts = [Account(spec, index, now_ms) for index, spec in enumerate(state["accounts"], 1)]
        keys = {account.api_key: account for account in accounts}
        if len(keys) != len(accounts):
            raise ValueError("two accounts share an api_key")
        prices = amounts(dict(DEFAULT_PRICES, **state.get("prices", {})), "prices")
        currencies = set(state["currencies"]) if "currencies" in state else set(DEFAULT_CURRENCIES).union(
            prices, *[set(account.balances) | set(account.debts) for account in accounts])
        settle_delay = seconds("settle_delay", state.get("settle_delay", 0.5))
        history_lag = seconds("history_lag", state.get("history_lag", 0))
        with self.lock:
            self.accounts, self.keys, self.prices, self.currencies = accounts, keys, prices, currencies
            self.settle_delay, self.history_lag = settle_delay, history_lag
            self.skew = 0.0
            self.faults = []
            self.windows = collections.defaultdict(collections.deque)
            self.pending = []  # a heap of (due, sequence, account, record): settling costs O(log n), not O(pending)
            self.sequence = itertools.count()
            self.entries = []

    def now(self):
        """The server clock in seconds, with the injected skew."""
        return time.time() + self.skew

    def now_ms(self):
        """The server clock in milliseconds."""
        return int(self.now() * 1000)

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.get_data(cache=True)
        if request.path.startswith(ADMIN):
            response = self.admin(request)
        else:
            response = self.serve(request)
        return response(environ, start_response)

    # --- OKX endpoints -------------------------------------------------------------------------------------

    def serve(self, request):
        """Answer an OKX request, applying the next matching fault, and log it."""
        with self.lock:
            entry = self.new_entry(request)
            fault = self.take_fault(request.method, request.path)
            response = None
            if fault is None or fault["apply"]:
                response = self.answer(request, entry)
            if fault is not None:
                entry["fault"] = fault["kind"]
                entry["applied"] = fault["apply"]
                response = fault_reply(fault, response)
            if response is not None:
                entry["http_status"] = response.status_code
                entry["code"], entry["msg"] = getattr(response, "okx", (None, None))
            self.record(entry)
        if fault is not None and fault["kind"] == "slow":
            time.sleep(fault["delay"])
        if response is None:
            drop_connection(request.environ)
        if fault is not None and fault["kind"] == "drip":
            return dripping(response, fault["rate"], fault["delay"])
        return response

    def new_entry(self, request):
        """A request log entry: never the secret, the passphrase or the signature."""
        entry = {"time": self.now(), "monotonic": time.monotonic(), "method": request.method, "path": raw_path(request.environ),
                 "key": key_id(request.headers.get("OK-ACCESS-KEY", "")), "uid": None, "account": None,
                 "demo": request.headers.get("x-simulated-trading") == "1",
                 "code": None, "msg": None, "http_status": None, "fault": None}
        if request.path == REPAY and request.method == "POST":
            try:
                body = json.loads(request.get_data())
            except ValueError:
                body = None
            entry["debt_ccy"] = body.get("debtCcy") if isinstance(body, dict) else None
        return entry

    def take_fault(self, method, path):
        """Consume and return the first fault matching a request, if any."""
        for fault in self.faults:
            if fault.get("path") in (None, path) and fault.get("method") in (None, method):
                fault["times"] -= 1
                if fault["times"] == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def record(self, entry):
        """Keep a log entry, and append it to the --log file (line-buffered: each entry is on disk at once)."""
        self.entries.append(entry)
        if self.log_file:
            self.log_file.write(json.dumps(entry) + "\n")

    def close(self):
        """Close the --log file."""
        if self.log_file:
            self.log_file.close()

    def answer(self, request, entry):
        """OKX's reply to a request, as if no fault were injected."""
        endpoint = ENDPOINTS.get(request.path)
        if endpoint is None:
            return okx_response("404", "Not Found", [], 404)
        method, limit, window, handler = endpoint
        try:
            if request.method != method:
                raise OkxError("50115")
            self.settle_due()
            if request.path in PUBLIC:
                account, user = None, ("ip", request.remote_addr)
            else:
                account = self.authenticate(request)
                entry["uid"], entry["account"] = account.uid, account.name
                user = ("uid", account.uid)
            self.check_rate(user + (request.path,), limit, window)
            data = getattr(self, handler)(request, account)
        except OkxError as err:
            return okx_response(err.code, err.msg, [], err.status)
        return okx_response("0", "", data, 200)

    def authenticate(self, request):
        """The account whose API key signed the request, checked as OKX does."""
        headers = request.headers
        api_key = headers.get("OK-ACCESS-KEY", "")
        passphrase = headers.get("OK-ACCESS-PASSPHRASE", "")
        signature = headers.get("OK-ACCESS-SIGN", "")
        timestamp = headers.get("OK-ACCESS-TIMESTAMP", "")
        for value, code in ((api_key, "50103"), (passphrase, "50104"), (signature, "50106"), (timestamp, "50107")):
            if not value:
                raise OkxError(code)
        moment = parse_timestamp(timestamp)
        if moment is None:
            raise OkxError("50112")
        if abs(moment - self.now()) > TIMESTAMP_WINDOW:
            raise OkxError("50102")
        account = self.keys.get(api_key)
        if account is None:
            raise OkxError("50111")
        if (headers.get("x-simulated-trading") == "1") != (account.env == "demo"):
            raise OkxError("50101")
        if not same(passphrase, account.passphrase):
            raise OkxError("50105")
        body = request.get_data() if request.method == "POST" else b""
        if not same(signature, sign(account.secret, timestamp, request.method, raw_path(request.environ), body)):
            raise OkxError("50113")
        return account

    def check_rate(self, bucket, limit, window):
        """OKX's sliding-window rate limit: a request over it is refused and not executed."""
        now = time.monotonic()
        times = self.windows[bucket]
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            raise OkxError("50011")
        times.append(now)

    def public_time(self, _request, _account):
        """GET /api/v5/public/time (no authentication)."""
        return [{"ts": str(self.now_ms())}]

    def account_config(self, _request, account):
        """GET /api/v5/account/config."""
        return [{"uid": account.uid, "mainUid": account.main_uid, "acctLv": account.acct_lv, "perm": account.perm,
                 "posMode": "net_mode", "autoLoan": False, "enableSpotBorrow": account.spot_borrow, "level": "Lv1",
                 "label": account.name, "ip": "", "greeksType": "PA", "ctIsoMode": "automatic", "mgnIsoMode": "automatic",
                 "roleType": "0", "type": "0"}]

    def account_balance(self, request, account):
        """GET /api/v5/account/balance: liab and crossLiab are the debt as a positive number, as OKX documents."""
        wanted = [ccy for ccy in request.args.get("ccy", "").split(",") if ccy]
        details = []
        total = ZERO
        for ccy in dict.fromkeys(list(account.balances) + list(account.debts)):
            balance, debt = account.balances.get(ccy, ZERO), account.debts.get(ccy, ZERO)
            equity = balance - debt
            usd = equity * self.prices[ccy] if ccy in self.prices else None
            total += usd or ZERO
            if wanted and ccy not in wanted:
                continue
            details.append({"ccy": ccy, "eq": fmt(equity), "cashBal": fmt(balance), "availBal": fmt(balance),
                            "availEq": fmt(equity), "frozenBal": "0", "ordFrozen": "0", "liab": fmt(debt),
                            "crossLiab": fmt(debt), "interest": "0", "eqUsd": "" if usd is None else fmt(usd),
                            "uTime": str(account.u_time)})
        return [{"totalEq": fmt(total), "uTime": str(account.u_time), "adjEq": "", "imr": "", "mmr": "", "mgnRatio": "",
                 "notionalUsd": "", "ordFroz": "", "isoEq": "0", "details": details}]

    def require_spot(self, account):
        """The one-click repay (new) family works in Spot mode only."""
        if account.acct_lv != "1":
            raise OkxError("51010")

    def can_repay_with(self, ccy, account):
        """Whether a currency can repay debts: supported, and priced or itself a debt currency."""
        return ccy in self.currencies and (ccy in self.prices or ccy in account.debts)

    def currency_list(self, _request, account):
        """GET /api/v5/trade/one-click-repay-currency-list-v2."""
        self.require_spot(account)
        return [{"debtData": [{"debtCcy": ccy, "debtAmt": fmt(amount)} for ccy, amount in account.debts.items()],
                 "repayData": [{"repayCcy": ccy, "repayAmt": fmt(amount)} for ccy, amount in account.balances.items()
                               if self.can_repay_with(ccy, account)]}]

    def repay(self, request, account):
        """POST /api/v5/trade/one-click-repay-v2: accepted now, settled after settle_delay seconds, shown by GET history
        after history_lag seconds (OKX's history is eventually consistent: the two are independent)."""
        if not account.can("trade"):
            raise OkxError("50120")
        debt_ccy, repay_list = self.repay_params(request)
        self.require_spot(account)
        if not account.spot_borrow:
            raise OkxError("51625")
        if debt_ccy not in account.debts:
            raise OkxError("51000", "debtCcy", status=200)
        ts = self.now_ms()
        record = {"debtCcy": debt_ccy, "repayCcyList": repay_list, "fillDebtSz": "0", "status": "running",
                  "ts": str(ts - HISTORY_TS_LAG_MS), "ordIdInfo": []}
        now = time.monotonic()
        account.history.append((now + self.history_lag, record))
        heapq.heappush(self.pending, (now + self.settle_delay, next(self.sequence), account, record))
        return [{"debtCcy": debt_ccy, "repayCcyList": list(repay_list), "ts": str(ts)}]

    def repay_params(self, request):
        """debtCcy and repayCcyList of a repay request, validated as OKX does."""
        if request.mimetype != "application/json":
            raise OkxError("50006")
        if not request.get_data().strip():
            raise OkxError("50000")
        try:
            body = json.loads(request.get_data())
        except ValueError as err:
            raise OkxError("50002") from err
        if not isinstance(body, dict):
            raise OkxError("50002")
        debt_ccy, repay_list = body.get("debtCcy"), body.get("repayCcyList")
        if debt_ccy in (None, ""):
            raise OkxError("50014", "debtCcy")
        if not isinstance(debt_ccy, str) or debt_ccy not in self.currencies:
            raise OkxError("51000", "debtCcy")
        if repay_list in (None, []):
            raise OkxError("50014", "repayCcyList")
        if (not isinstance(repay_list, list) or len(set(map(str, repay_list))) != len(repay_list)
                or not all(isinstance(ccy, str) and ccy in self.currencies for ccy in repay_list)):
            raise OkxError("51000", "repayCcyList")
        return debt_ccy, repay_list

    def settle_due(self):
        """Settle the accepted repays whose settle_delay has passed, oldest first."""
        now = time.monotonic()
        while self.pending and self.pending[0][0] <= now:
            _due, _sequence, account, record = heapq.heappop(self.pending)
            self.settle(account, record)

    def settle(self, account, record):
        """Repay a debt from the repay currencies in priority order at the configured prices, fully or partly."""
        debt_ccy = record["debtCcy"]
        left = account.debts.get(debt_ccy, ZERO)
        filled = ZERO
        orders = []
        now_ms = max(self.now_ms(), int(record["ts"]))
        for ccy in record["repayCcyList"]:
            available = account.balances.get(ccy, ZERO)
            if left <= 0 or available <= 0:
                continue
            if ccy == debt_ccy:
                used = repaid = min(available, left)
            elif ccy in self.prices and debt_ccy in self.prices:
                rate = self.prices[ccy] / self.prices[debt_ccy]
                used, repaid = (left / rate).quantize(STEP, ROUND_UP), left
                if used > available:
                    used, repaid = available, min(left, (available * rate).quantize(STEP, ROUND_DOWN))
                if repaid <= 0:
                    continue
                orders.append(self.conversion_order(ccy, debt_ccy, used, repaid, now_ms))
            else:
                continue
            put(account.balances, ccy, available - used)
            left -= repaid
            filled += repaid
        put(account.debts, debt_ccy, left)
        account.u_time = now_ms
        record.update(fillDebtSz=fmt(filled), status="filled" if filled > 0 else "failed", ordIdInfo=orders)

    def conversion_order(self, sold, bought, sold_amount, bought_amount, now_ms):
        """The IOC spot order that converted one repay currency into the debt currency."""
        if quote_rank(bought) <= quote_rank(sold):
            base, quote, side, size = sold, bought, "sell", sold_amount
        else:
            base, quote, side, size = bought, sold, "buy", bought_amount
        price = fmt((self.prices[base] / self.prices[quote]).quantize(STEP))
        return {"ordId": str(next(self.order_ids)), "instId": "%s-%s" % (base, quote), "ordType": "ioc", "side": side,
                "px": price, "sz": fmt(size), "fillPx": price, "fillSz": fmt(size), "state": "filled", "cTime": str(now_ms)}

    def repay_history(self, request, account):
        """GET /api/v5/trade/one-click-repay-history-v2: the last 7 days, newest first, past their history_lag."""
        self.require_spot(account)
        after, before = self.ms_param(request, "after"), self.ms_param(request, "before")
        limit = request.args.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise OkxError("51000", "limit")
        oldest = self.now_ms() - HISTORY_DAYS * 86400 * 1000
        now = time.monotonic()
        records = [record for shows, record in account.history
                   if shows <= now and int(record["ts"]) >= oldest and (after is None or int(record["ts"]) <= after)
                   and (before is None or int(record["ts"]) >= before)]
        records.sort(key=lambda record: int(record["ts"]), reverse=True)
        return records[:int(limit)]

    @staticmethod
    def ms_param(request, name):
        """An optional millisecond timestamp query parameter."""
        value = request.args.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise OkxError("51000", name)
        return int(value)

    # --- admin API ---------------------------------------------------------------------------------------------

    def admin(self, request):
        """The test-control API under /__sim__/ (no authentication)."""
        routes = {("GET", "log"): self.admin_log, ("GET", "state"): self.admin_state, ("GET", "faults"): self.admin_faults,
                  ("POST", "faults"): self.admin_set_faults, ("POST", "clock"): self.admin_clock,
                  ("POST", "config"): self.admin_config, ("POST", "reset"): self.admin_reset}
        route = routes.get((request.method, request.path[len(ADMIN):]))
        if route is None:
            return json_response({"error": "no admin endpoint %s %s" % (request.method, request.path)}, 404)
        try:
            with self.lock:
                return json_response(route(request))
        except (ValueError, KeyError, TypeError) as err:
            return json_response({"error": str(err)}, 400)

    def admin_log(self, _request):
        """GET /__sim__/log: every request so far."""
        return self.entries

    def admin_state(self, _request):
        """GET /__sim__/state: accounts (balances, debts, every history record, shown yet or not), prices, clock skew."""
        self.settle_due()
        return {"accounts": [account.view() for account in self.accounts], "prices": {c: fmt(p) for c, p in self.prices.items()},
                "currencies": sorted(self.currencies), "settle_delay": self.settle_delay, "history_lag": self.history_lag,
                "clock_skew": self.skew, "pending": len(self.pending)}

    def admin_faults(self, _request):
        """GET /__sim__/faults: the faults not consumed yet."""
        return self.faults

    def admin_set_faults(self, request):
        """POST /__sim__/faults: replace the fault queue."""
        self.faults = check_faults(json.loads(request.get_data()))
        return {"faults": len(self.faults)}

    def admin_clock(self, request):
        """POST /__sim__/clock {"skew": seconds}: offset the server clock, ahead (> 0) or behind (< 0)."""
        skew = float(json.loads(request.get_data())["skew"])
        if not math.isfinite(skew):
            raise ValueError("skew must be a finite number of seconds")
        self.skew = skew
        return {"skew": self.skew, "ts": str(self.now_ms())}

    def admin_config(self, request):
        """POST /__sim__/config {"settle_delay": s, "history_lag": s} (either or both): for the repays posted from now on."""
        settings = json.loads(request.get_data())
        if not isinstance(settings, dict) or not set(settings) <= {"settle_delay", "history_lag"}:
            raise ValueError("config takes a JSON object with settle_delay and/or history_lag: %r" % (settings,))
        checked = {name: seconds(name, value) for name, value in settings.items()}
        self.settle_delay = checked.get("settle_delay", self.settle_delay)
        self.history_lag = checked.get("history_lag", self.history_lag)
        return {"settle_delay": self.settle_delay, "history_lag": self.history_lag}

    def admin_reset(self, request):
        """POST /__sim__/reset with a new state."""
        self.load(json.loads(request.get_data()))
        return {"reset": True}


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without its per-request access log (the simulator keeps its own)."""

    def log_request(self, code="-", size="-"):
        """Log nothing."""

    def date_time_string(self, timestamp=None):
        """The Date header (RFC 7231) from the simulator's clock, skew included, as a real server's own clock."""
        return super().date_time_string(self.server.app.now() if timestamp is None else timestamp)


def main(argv=None):
    """Serve the simulator until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="OKX v5 REST simulator for tests (never contacts OKX)")
    parser.add_argument("--state", required=True, help="JSON state file (accounts, prices, ...)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--log", help="append each request log entry to this JSON-lines file")
    args = parser.parse_args(argv)
    with open(args.state, encoding="utf-8") as handle:
        simulator = Simulator(json.load(handle), args.log)
    server = make_server(args.host, args.port, simulator, threaded=True, request_handler=QuietRequestHandler)
    host = "[%s]" % args.host if ":" in args.host else args.host
    print("OKX simulator listening on http://%s:%d" % (host, server.server_port), flush=True)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        simulator.close()


if __name__ == "__main__":
    main()
