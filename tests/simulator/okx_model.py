# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OKX's v5 REST endpoints of one-click repay as a model: no HTTP, standard library only (Python >= 3.11). Also the
market data (tickers, index tickers, instruments), interest rates and trade fee, consistent with its settlement.

``okx_simulator.py`` serves this model over HTTP (werkzeug); unit tests can drive it in-process, on a fake clock.
README.md beside this file describes the state, the endpoints, the settlement, the admin routes and the faults.

API::

    model = OKX(state, log_path=None, clock=None)
        # state: a dict as the state file (README.md, "State file"); log_path: append each request log entry to this
        # JSON-lines file; clock: any object with .time() (wall seconds) and .monotonic(); default the real clock.
        # Every time the model reads (server clock and skew, rate windows, settlement, history lag, the 7-day window,
        # cTime/uTime/ts) is read from it: a fake clock that moves only when a test sleeps drives it completely.
    reply = model.handle(method, target, headers, body=b"", remote_addr="127.0.0.1")
        # target: path and query exactly as sent (what the client signed); headers: any mapping, looked up
        # case-insensitively; body: the raw bytes. Returns a Reply:
        #   status (int; 0 when transport is a drop), content_type, body (bytes), headers (dict, e.g. Retry-After),
        #   okx ((code, msg) of the reply's JSON envelope, or None), transport: None, {"kind": "drop"},
        #   {"kind": "slow", "delay": s} or {"kind": "drip", "rate": r, "delay": s}, for the HTTP layer (or a test
        #   adapter) to enact. The model does the request log, faults, authentication, rate limits and endpoints.
    status, obj = model.admin(method, name, payload)
        # the /__sim__/NAME routes (payload: the parsed JSON body, None for GET); status 200, 400 or 404
    model.set_faults(faults); model.view(); model.log(); model.faults(); model.configure(**settings)
    model.set_clock_skew(seconds); model.set_prices(prices); model.reset(state); model.close(); model.now()
    model.quote(ccy)          # (last, bid, ask) of the X-USDT pair now, as the tickers show it and settlement fills

``sign(secret, timestamp, method, request_path, body)`` is OKX's signature function.
"""

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
import threading
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, localcontext
from urllib.parse import parse_qsl, unquote, urlsplit

TIME = "/api/v5/public/time"
CONFIG = "/api/v5/account/config"
BALANCE = "/api/v5/account/balance"
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = "/api/v5/trade/one-click-repay-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"
TICKERS = "/api/v5/market/tickers"
TICKER = "/api/v5/market/ticker"
INDEX_TICKERS = "/api/v5/market/index-tickers"
INSTRUMENTS = "/api/v5/public/instruments"
INTEREST_RATE = "/api/v5/account/interest-rate"
TRADE_FEE = "/api/v5/account/trade-fee"
ADMIN = "/__sim__/"
# No authentication (signed headers, if sent, are ignored); rate limited per client IP.
PUBLIC = (TIME, TICKERS, TICKER, INDEX_TICKERS, INSTRUMENTS)

# path: (method, requests allowed per window, window in seconds, handler). Limits are OKX's documented ones,
# counted per User ID (per client IP for the public endpoints, which need no authentication).
ENDPOINTS = {
    TIME: ("GET", 10, 2.0, "public_time"),
    CONFIG: ("GET", 5, 2.0, "account_config"),
    BALANCE: ("GET", 10, 2.0, "account_balance"),
    CURRENCY_LIST: ("GET", 1, 2.0, "currency_list"),
    REPAY: ("POST", 1, 2.0, "repay"),
    HISTORY: ("GET", 1, 2.0, "repay_history"),
    TICKERS: ("GET", 20, 2.0, "market_tickers"),
    TICKER: ("GET", 20, 2.0, "market_ticker"),
    INDEX_TICKERS: ("GET", 20, 2.0, "index_tickers"),
    INSTRUMENTS: ("GET", 20, 2.0, "instruments"),
    INTEREST_RATE: ("GET", 5, 2.0, "interest_rate"),
    TRADE_FEE: ("GET", 5, 2.0, "trade_fee"),
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
    "51001": (200, "Instrument ID, Instrument ID code or Spread ID doesn't exist."),
    "51010": (200, "You can't complete this request under your current account mode."),
    "51014": (200, "Index doesn't exist."),
    "51625": (200, "One-click repay requires auto-borrow to be enabled. Please enable auto-borrow, "
                   "or repay the debt currency via Easy Convert or spot trading."),
}

# Fault kinds and the OKX error code they answer with (None: some other reply, see fault_reply).
FAULT_CODES = {
    "http_500": None, "busy": "50013", "unavailable": "50001", "system_error": "50026",
    "endpoint_timeout": "50004", "slow": None, "drop": None, "non_json": None,
    "html_200": None, "truncated_json": None, "malformed": None, "drip": None, "rate_limited": "50011",
    "ignore_after": None, "repeat_records": None,
}
# Kinds that execute the request unless the fault says "apply": false: they spoil the real reply.
APPLIED_BY_DEFAULT = {"slow", "truncated_json", "malformed", "drip"}
# Kinds that always execute the request: they delay it, or change what the endpoint answers.
ALWAYS_APPLIED = {"slow", "ignore_after", "repeat_records"}
# Kinds that change GET history's own answer (they only match that endpoint).
HISTORY_KINDS = {"ignore_after", "repeat_records"}
# The reply spoiled by truncated_json or drip when the request is not executed ("apply": false).
NOT_EXECUTED_CODE = "50001"
BAD_GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
# What a CDN or maintenance page in front of an API serves with HTTP 200.
HTML_200_PAGE = ("<!DOCTYPE html><html><head><title>OKX</title></head><body><h1>System upgrade in progress</h1>"
                 "<p>We will be back shortly. Thank you for your patience.</p></body></html>")
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

DEFAULT_PRICES = {"USDT": "1", "USDC": "1", "DAI": "1", "BTC": "60000", "ETH": "3000", "OKB": "50", "SOL": "150"}
DEFAULT_CURRENCIES = ("BTC", "ETH", "USDT", "USDC", "DAI", "OKB", "SOL", "XRP", "DOGE", "ADA", "TRX", "TON", "LTC", "BCH",
                      "DOT", "LINK", "AVAX", "POL", "ATOM", "NEAR", "APT", "ARB", "OP", "UNI", "FIL", "ETC", "SHIB", "PEPE")
# Every conversion goes through USDT (OKX's history example: BTC -> USDC is BTC-USDT sell, then USDC-USDT buy).
HUB = "USDT"
# Lot sizes (lotSz of GET /api/v5/public/instruments?instType=SPOT) of the USDT pairs; other pairs: DEFAULT_LOT.
DEFAULT_LOT_SIZES = {"BTC-USDT": "0.00000001", "ETH-USDT": "0.000001", "USDC-USDT": "0.000001"}
DEFAULT_LOT = Decimal("0.0001")
# Tick sizes (tickSz); other pairs: five significant digits of the price.
DEFAULT_TICK_SIZES = {"BTC-USDT": "0.1", "ETH-USDT": "0.01", "USDC-USDT": "0.0001"}
DEFAULT_IOC_BAND = "0.005"  # the IOC price sits 0.5 % through the market (OKX's example: px 82856.7 vs fillPx 83271.9)
DEFAULT_TAKER_FEE = "0.001"  # OKX's spot taker fee, taken from the bought currency
DEFAULT_SPREAD = "0"  # bid = ask = last: IOC orders fill at the market price
# OKX's hourly borrowing rates (GET /api/v5/account/interest-rate) of the default currencies; others: DEFAULT_INTEREST_RATE.
DEFAULT_INTEREST_RATES = {"USDT": "0.00000417", "USDC": "0.00000417", "BTC": "0.00000114", "ETH": "0.00000208"}
DEFAULT_INTEREST_RATE = "0.00000571"  # about 5 % a year
MAKER_FEE = "0.0008"  # OKX's Lv1 spot maker fee (GET /api/v5/account/trade-fee's example); the model places no maker order
# instType values OKX's pages accept per endpoint; the model lists SPOT instruments only.
TICKER_TYPES = ("SPOT", "SWAP", "FUTURES", "OPTION", "EVENTS")
INSTRUMENT_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "EVENTS")
FEE_TYPES = ("SPOT", "MARGIN")  # the model's fee is a spot fee: any other instType is a parameter error
INDEX_QUOTES = ("USD", "USDT", "BTC", "USDC")  # OKX's index quote currencies
SPOT_GROUP = "1"  # instruments' groupId and trade-fee's feeGroup: "Spot USDT"
LIST_TIME = "1606468572000"  # listTime of every pair (OKX's example: BTC-USDT)
INST_ID_CODE_BASE = 1000000000  # instIdCode: OKX's example gives BTC-USDT 1000000000; the model derives one per pair
MAX_SIZE = "9999999999"  # maxLmtSz (OKX's example); the model enforces no maximum
MAX_ALGO_SIZE = "9999999999.0000000000000000"  # maxTwapSz, maxIcebergSz, maxTriggerSz as OKX's example writes them
MAX_AMOUNT = "1000000"  # maxLmtAmt, maxMktAmt (OKX's example)
DEPTH_USDT = Decimal(1000000)  # the tickers' bidSz/askSz: 1,000,000 USDT's worth (the model fills any size at the best price)
DEFAULT_SETTLE_DELAY = 3.0  # OKX's example: the last order 3.6 s after the request ts
# acctLv each endpoint of the family accepts (OKX's 2026-07 pages); any other answers 51010.
DEFAULT_MODES = {"currency_list": ("1", "3", "4"), "repay": ("1", "3", "4"), "history": ("1",)}
NO_DEBT_REPAY = ("51000", "failed")
DEFAULT_UID_BASE = 44800000000000000  # 17 digits, as real uids; states.py derives others from other ranges
SIZE_STEP = Decimal("1E-16")  # an order's unrounded sz is written with up to 16 decimals, as in OKX's example
TIMESTAMP_WINDOW = 30.0
HISTORY_DAYS = 7
HISTORY_TS_LAG_MS = 3  # a history record's ts is a few ms before the POST reply's ts, as in OKX's examples
ZERO = Decimal(0)
PRECISION = 60  # digits for the books: every sum and product of amounts is exact
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

Reply = collections.namedtuple("Reply", "status content_type body headers okx transport")


class RealClock:
    """The real clock: wall time and the monotonic clock."""

    @staticmethod
    def time():
        """Seconds since the epoch."""
        return time.time()

    @staticmethod
    def monotonic():
        """The monotonic clock, in seconds."""
        return time.monotonic()


class ManualClock:
    """A clock for tests: it moves only when ``sleep`` is called."""

    def __init__(self, wall=1742192217.0, mono=50.0):
        self.wall, self.mono = wall, mono

    def time(self):
        return self.wall

    def monotonic(self):
        return self.mono

    def sleep(self, seconds):
        self.wall += seconds
        self.mono += seconds


class OkxError(Exception):
    """An OKX error reply."""

    def __init__(self, code, *params, status=None):
        http_status, template = ERRORS[code]
        super().__init__(template.format(*params))
        self.code = code
        self.msg = template.format(*params)
        self.status = status or http_status


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
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()  # the regex fixed the format
    except ValueError:
        return None


def fmt(value):
    """An amount as OKX writes numbers: a plain decimal string."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def decimal(value, where):
    """A Decimal from a state's number or string."""
    if isinstance(value, bool):
        raise ValueError("%s: %r is not a number" % (where, value))
    try:
        result = Decimal(str(value))
    except InvalidOperation as err:
        raise ValueError("%s: %r is not a number" % (where, value)) from err
    if not result.is_finite():
        raise ValueError("%s: %r is not a finite number" % (where, value))
    return result


def amounts(book, where):
    """A {currency: Decimal} book from a state file's {currency: "amount"}; zero amounts are left out."""
    result = {}
    for ccy, value in (book or {}).items():
        amount = decimal(value, where)
        if amount < 0:
            raise ValueError("%s: %s must not be negative" % (where, ccy))
        if amount > 0:
            result[ccy] = amount
    return result


def positive_book(book, where, zero=False):
    """A {name: Decimal} of positive numbers (prices, lot and tick sizes), or with ``zero`` non-negative ones
    (interest rates)."""
    if not isinstance(book, dict):
        raise ValueError("%s must be an object" % where)
    result = {}
    for name, value in book.items():
        result[name] = decimal(value, "%s %s" % (where, name))
        if result[name] < 0 or result[name] == 0 and not zero:
            raise ValueError("%s: %s must be %s" % (where, name, "at least 0" if zero else "positive"))
    return result


def fraction(name, value):
    """A rate from the state (ioc_band, taker_fee, spread): a number in [0, 1)."""
    result = decimal(value, name)
    if not ZERO <= result < 1:
        raise ValueError("%s must be at least 0 and below 1: %r" % (name, value))
    return result


def round_to(value, step):
    """``value`` rounded to the nearest multiple of ``step`` (halves up)."""
    return (value / step).to_integral_value(ROUND_HALF_UP) * step


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


def step_down(value, step):
    """``value`` rounded down to a multiple of ``step``."""
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def step_up(value, step):
    """``value`` rounded up to a multiple of ``step``."""
    return (value / step).to_integral_value(ROUND_CEILING) * step


def check_modes(modes):
    """The state's ``modes``: for each endpoint of the family, the acctLv it accepts (OKX's defaults otherwise)."""
    if modes is None:
        return {name: set(levels) for name, levels in DEFAULT_MODES.items()}
    if not isinstance(modes, dict) or not set(modes) <= set(DEFAULT_MODES):
        raise ValueError("modes takes an object with %s: %r" % (", ".join(sorted(DEFAULT_MODES)), modes))
    result = {}
    for name, default in DEFAULT_MODES.items():
        levels = modes.get(name, default)
        if not isinstance(levels, (list, tuple)) or not all(isinstance(lv, (str, int)) and not isinstance(lv, bool) for lv in levels):
            raise ValueError("modes %s must be a list of acctLv: %r" % (name, levels))
        result[name] = {str(lv) for lv in levels}
    return result


def json_reply(payload, status=200):
    """A compact JSON reply."""
    return Reply(status, JSON_TYPE, json.dumps(payload, separators=(",", ":")).encode("utf-8"), {}, None, None)


def okx_reply(code, msg, data, status):
    """A reply in OKX's envelope; it keeps its code and msg for the log, which need not parse the body again."""
    return json_reply({"code": code, "msg": msg, "data": data}, status)._replace(okx=(code, msg))


def error_reply(code, status=None):
    """OKX's reply for an error code."""
    error = OkxError(code, status=status)
    return okx_reply(error.code, error.msg, [], error.status)


def check_faults(faults):
    """Validated copies of the faults posted to /__sim__/faults, with the kind's defaults filled in."""
    if not isinstance(faults, list):
        raise ValueError("faults must be a JSON list")
    return [check_fault(fault) for fault in faults]


def check_fault(fault):
    """One validated fault with its defaults."""
    if not isinstance(fault, dict) or fault.get("kind") not in FAULT_CODES:
        raise ValueError("each fault needs a kind among %s: %r" % (", ".join(sorted(FAULT_CODES)), fault))
    kind = fault["kind"]
    times = fault.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, (int, str)) or not str(times).lstrip("-").isdigit():
        raise ValueError("times must be an integer: %r" % fault)
    fault = dict(fault, times=int(times), delay=float(fault.get("delay", 0.0 if kind == "drip" else 5.0)),
                 apply=bool(fault.get("apply", kind in APPLIED_BY_DEFAULT)) or kind in ALWAYS_APPLIED,
                 after_post=fault.get("after_post", False))
    if fault.get("method"):
        fault["method"] = fault["method"].upper()
    if fault["times"] < 1:
        raise ValueError("times must be at least 1: %r" % fault)
    if not 0 <= fault["delay"] < math.inf:
        raise ValueError("delay must be a non-negative finite number of seconds: %r" % fault)
    if not isinstance(fault["after_post"], bool):
        raise ValueError("after_post must be true or false: %r" % fault)
    fault["armed"] = not fault["after_post"]
    if kind == "drip":
        fault["rate"] = float(fault.get("rate", 1))
        if not 0 < fault["rate"] < math.inf:
            raise ValueError("rate must be a positive finite number of bytes per second: %r" % fault)
    if kind == "malformed" and ("data" in fault) == ("body" in fault):
        raise ValueError("a malformed fault takes either data or body: %r" % fault)
    if kind in HISTORY_KINDS and (fault.get("path") != HISTORY or fault.get("method") not in (None, "GET")):
        raise ValueError("%s is a fault of GET %s: give that path: %r" % (kind, HISTORY, fault))
    if "runs_after" in fault:
        if fault.get("method") != "POST" or fault.get("path") not in (None, REPAY) or not fault["apply"]:
            raise ValueError("runs_after is for a fault of POST %s that executes the request: %r" % (REPAY, fault))
        fault["runs_after"] = seconds("runs_after", fault["runs_after"])
    if "status" in fault:
        fault["status"] = int(fault["status"])
        if not 100 <= fault["status"] <= 599:
            raise ValueError("status must be an HTTP status: %r" % fault)
    if "retry_after" in fault:
        value = fault["retry_after"]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or "\r" in str(value) or "\n" in str(value):
            raise ValueError("retry_after must be a one-line string or a number: %r" % fault)
        fault["retry_after"] = str(value)
    return fault


def fault_reply(fault, reply):
    """What the client gets under a fault. ``reply`` is the real reply, or None when the request was not executed."""
    kind, status = fault["kind"], fault.get("status")
    if kind == "drop":
        return Reply(0, "", b"", {}, None, {"kind": "drop"})
    if kind in HISTORY_KINDS:
        result = reply
    elif kind == "slow":
        result = reply._replace(transport={"kind": "slow", "delay": fault["delay"]})
    elif kind == "drip":
        result = (reply or error_reply(NOT_EXECUTED_CODE, status))._replace(
            transport={"kind": "drip", "rate": fault["rate"], "delay": fault["delay"]})
    elif kind == "truncated_json":
        body = (reply or error_reply(NOT_EXECUTED_CODE)).body
        result = Reply(status or 200, JSON_TYPE, body[:len(body) // 2], {}, None, None)
    elif kind == "malformed":
        payload = fault["body"] if "body" in fault else {"code": "0", "msg": "", "data": fault["data"]}
        result = json_reply(payload, status or 200)
        if isinstance(payload, dict) and "code" in payload:
            result = result._replace(okx=(payload["code"], payload.get("msg")))
    elif kind == "http_500":
        result = Reply(status or 500, TEXT_TYPE, b"Internal Server Error", {}, None, None)
    elif kind == "non_json":
        result = Reply(status or 502, HTML_TYPE, BAD_GATEWAY_PAGE.encode("utf-8"), {}, None, None)
    elif kind == "html_200":
        result = Reply(status or 200, HTML_TYPE, HTML_200_PAGE.encode("utf-8"), {}, None, None)
    else:
        result = error_reply(FAULT_CODES[kind], status)
    if "retry_after" in fault:
        result = result._replace(headers=dict(result.headers, **{"Retry-After": fault["retry_after"]}))
    return result


class Request:
    """What the model needs of an HTTP request."""

    def __init__(self, method, target, headers, body, remote_addr):
        self.method = method.upper()
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        self.target = target
        raw_path, _mark, query = target.partition("?")
        self.path = unquote(raw_path)
        self.args = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            self.args.setdefault(name, value)
        self.headers = {str(name).lower(): str(value) for name, value in dict(headers or {}).items()}
        self.body = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        self.remote_addr = remote_addr

    def header(self, name):
        """A header's value ("" when absent)."""
        return self.headers.get(name.lower(), "")

    @property
    def mimetype(self):
        """The Content-Type without its parameters, lower case."""
        return self.header("content-type").split(";")[0].strip().lower()


class Account:
    """One OKX account with its API key, balances, debts and one-click repay history."""

    def __init__(self, spec, index, now_ms):
        for field in ("api_key", "secret", "passphrase"):
            if not spec.get(field):
                raise ValueError("account %d: %s is required" % (index, field))
        self.name = spec.get("name", "account%d" % index)
        self.uid = str(spec.get("uid", DEFAULT_UID_BASE + index))
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
        self.auto_repay = bool(spec.get("spotBorrowAutoRepay", False))
        self.type = str(spec.get("type", "0"))
        self.balances = amounts(spec.get("balances"), "account %s balances" % self.name)
        self.debts = amounts(spec.get("debts"), "account %s debts" % self.name)
        # [monotonic time from which GET history shows it, from which OKX has run it, record]: the state's own records
        # show at once.
        self.history = [(-math.inf, -math.inf, record) for record in copy.deepcopy(spec.get("history", []))]
        self.u_time = now_ms

    def can(self, permission):
        """Whether the API key has a permission (read_only, trade, withdraw)."""
        return permission in [item.strip() for item in self.perm.split(",")]

    def view(self, now):
        """The account as GET /__sim__/state shows it: never the secret or the passphrase."""
        return {"name": self.name, "uid": self.uid, "mainUid": self.main_uid, "env": self.env, "acctLv": self.acct_lv,
                "perm": self.perm, "enableSpotBorrow": self.spot_borrow, "spotBorrowAutoRepay": self.auto_repay,
                "key": key_id(self.api_key),
                "balances": {ccy: fmt(value) for ccy, value in self.balances.items()},
                "debts": {ccy: fmt(value) for ccy, value in self.debts.items()},
                "history": [record for _shows, runs, record in self.history if runs <= now]}


class OKX:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """The simulated OKX: accounts, clock, prices, rate limits, faults, settlement and the request log."""

    def __init__(self, state, log_path=None, clock=None):
        self.lock = threading.RLock()
        self.clock = clock or RealClock()
        self.log_path = log_path
        # Opened once: opening the file per request cost as much as the rest of the simulator's own work.
        self.log_file = open(log_path, "a", encoding="utf-8", buffering=1) if log_path else None  # pylint: disable=consider-using-with
        self.order_ids = itertools.count(int(self.clock.time() * 1000) * 1000)
        self.load(state)

    def load(self, state):
        """(Re)start from a state: accounts, prices, currencies; no faults, clock skew, rate windows or log."""
        if not isinstance(state, dict) or not isinstance(state.get("accounts"), list):
            raise ValueError("the state needs an accounts list")
        now_ms = int(self.clock.time() * 1000)
        accounts = [Account(spec, index, now_ms) for index, spec in enumerate(state["accounts"], 1)]
        keys = {account.api_key: account for account in accounts}
        if len(keys) != len(accounts):
            raise ValueError("two accounts share an api_key")
        prices = positive_book(dict(DEFAULT_PRICES, **state.get("prices", {})), "prices")
        currencies = set(state["currencies"]) if "currencies" in state else set(DEFAULT_CURRENCIES).union(
            prices, *[set(account.balances) | set(account.debts) for account in accounts])
        settings = {
            "settle_delay": seconds("settle_delay", state.get("settle_delay", DEFAULT_SETTLE_DELAY)),
            "history_lag": seconds("history_lag", state.get("history_lag", 0)),
            "ioc_band": fraction("ioc_band", state.get("ioc_band", DEFAULT_IOC_BAND)),
            "taker_fee": fraction("taker_fee", state.get("taker_fee", DEFAULT_TAKER_FEE)),
            "lot_sizes": positive_book(dict(DEFAULT_LOT_SIZES, **state.get("lot_sizes", {})), "lot_sizes"),
            "tick_sizes": positive_book(dict(DEFAULT_TICK_SIZES, **state.get("tick_sizes", {})), "tick_sizes"),
            "min_sizes": positive_book(state.get("min_sizes", {}), "min_sizes"),
            "spread": fraction("spread", state.get("spread", DEFAULT_SPREAD)),
            "interest_rates": positive_book(dict(DEFAULT_INTEREST_RATES, **state.get("interest_rates", {})), "interest_rates",
                                            zero=True),
            "modes": check_modes(state.get("modes")),
            "no_debt_repay": str(state.get("no_debt_repay", "51000")),
        }
        if settings["no_debt_repay"] not in NO_DEBT_REPAY:
            raise ValueError("no_debt_repay must be one of %s: %r" % (", ".join(NO_DEBT_REPAY), state.get("no_debt_repay")))
        with self.lock:
            self.accounts, self.keys, self.prices, self.currencies = accounts, keys, prices, currencies
            self.settle_delay, self.history_lag = settings["settle_delay"], settings["history_lag"]
            self.ioc_band, self.taker_fee = settings["ioc_band"], settings["taker_fee"]
            self.lot_sizes, self.tick_sizes = settings["lot_sizes"], settings["tick_sizes"]
            self.min_sizes, self.spread = settings["min_sizes"], settings["spread"]
            self.interest_rates = settings["interest_rates"]
            # Every price book since the start (set_prices appends): the tickers' open, high and low.
            self.price_history = [prices]
            # instId: [base volume, quote volume, last fill size] of the IOC orders filled since the start.
            self.volumes = {}
            self.modes, self.no_debt_repay = settings["modes"], settings["no_debt_repay"]
            self.skew = 0.0
            self.fault_queue = []
            self.windows = collections.defaultdict(collections.deque)
            # A heap of (due, sequence, account, record, prices when posted): settling costs O(log n), not O(pending).
            self.pending = []
            self.sequence = itertools.count()
            self.entries = []

    # --- clock ---------------------------------------------------------------------------------------------------

    def now(self):
        """The server clock in seconds, with the injected skew."""
        return self.clock.time() + self.skew

    def now_ms(self):
        """The server clock in milliseconds."""
        return int(self.now() * 1000)

    # --- OKX endpoints -------------------------------------------------------------------------------------------

    def handle(self, method, target, headers, body=b"", remote_addr="127.0.0.1"):
        """Answer an OKX request (never an admin one), applying the next matching fault, and log it."""
        request = Request(method, target, headers, body, remote_addr)
        with self.lock:
            entry = self.new_entry(request)
            fault = self.take_fault(request.method, request.path)
            reply = None
            if fault is None or fault["apply"]:
                reply = self.answer(request, entry, fault)
            if fault is not None:
                entry["fault"] = fault["kind"]
                entry["applied"] = fault["apply"]
                reply = fault_reply(fault, reply)
            if reply.transport is None or reply.transport["kind"] != "drop":
                entry["http_status"] = reply.status
                entry["code"], entry["msg"] = reply.okx or (None, None)
            self.record(entry)
            if request.method == "POST" and request.path == REPAY:
                for queued in self.fault_queue:
                    queued["armed"] = True
        return reply

    def new_entry(self, request):
        """A request log entry: never the secret, the passphrase or the signature."""
        entry = {"time": self.now(), "monotonic": self.clock.monotonic(), "method": request.method, "path": request.target,
                 "key": key_id(request.header("OK-ACCESS-KEY")), "uid": None, "account": None,
                 "demo": request.header("x-simulated-trading") == "1", "agent": request.header("user-agent")[:100],
                 "code": None, "msg": None, "http_status": None, "fault": None}
        if request.path == REPAY and request.method == "POST":
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
            entry["debt_ccy"] = body.get("debtCcy") if isinstance(body, dict) else None
        return entry

    def take_fault(self, method, path):
        """Consume and return the first armed fault matching a request, if any."""
        for fault in self.fault_queue:
            if fault["armed"] and fault.get("path") in (None, path) and fault.get("method") in (None, method):
                fault["times"] -= 1
                if fault["times"] == 0:
                    self.fault_queue.remove(fault)
                return fault
        return None

    def record(self, entry):
        """Keep a log entry, and append it to the --log file (line-buffered: each entry is on disk at once)."""
        self.entries.append(entry)
        if self.log_file:
            self.log_file.write(json.dumps(entry) + "\n")

    def close(self):
        """Close the log file."""
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def answer(self, request, entry, fault):
        """OKX's reply to a request, as if no fault spoiled it (``fault`` may still change what the endpoint does)."""
        endpoint = ENDPOINTS.get(request.path)
        if endpoint is None:
            return okx_reply("404", "Not Found", [], 404)
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
            data = getattr(self, handler)(request, account, fault)
        except OkxError as err:
            return okx_reply(err.code, err.msg, [], err.status)
        return okx_reply("0", "", data, 200)

    def authenticate(self, request):
        """The account whose API key signed the request, checked as OKX does."""
        api_key = request.header("OK-ACCESS-KEY")
        passphrase = request.header("OK-ACCESS-PASSPHRASE")
        signature = request.header("OK-ACCESS-SIGN")
        timestamp = request.header("OK-ACCESS-TIMESTAMP")
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
        if (request.header("x-simulated-trading") == "1") != (account.env == "demo"):
            raise OkxError("50101")
        if not same(passphrase, account.passphrase):
            raise OkxError("50105")
        body = request.body if request.method == "POST" else b""
        if not same(signature, sign(account.secret, timestamp, request.method, request.target, body)):
            raise OkxError("50113")
        return account

    def check_rate(self, bucket, limit, window):
        """OKX's sliding-window rate limit: a request over it is refused and not executed."""
        now = self.clock.monotonic()
        times = self.windows[bucket]
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            raise OkxError("50011")
        times.append(now)

    def public_time(self, _request, _account, _fault):
        """GET /api/v5/public/time (no authentication)."""
        return [{"ts": str(self.now_ms())}]

    def account_config(self, _request, account, _fault):
        """GET /api/v5/account/config: every field OKX documents, with OKX's types."""
        return [{"uid": account.uid, "mainUid": account.main_uid, "acctLv": account.acct_lv, "perm": account.perm,
                 "acctStpMode": "cancel_maker", "autoLoan": False, "ctIsoMode": "automatic",
                 "enableSpotBorrow": account.spot_borrow, "spotBorrowAutoRepay": account.auto_repay, "greeksType": "PA",
                 "ip": "", "kycLv": "2", "label": account.name, "level": "Lv1", "levelTmp": "", "liquidationGear": "-1",
                 "mgnIsoMode": "automatic", "opAuth": "0", "posMode": "net_mode", "roleType": "0", "spotOffsetType": "",
                 "spotRoleType": "0", "spotTraderInsts": [], "stgyType": "0", "traderInsts": [], "type": account.type,
                 "settleCcy": "USDT", "settleCcyList": ["USD", "USDC", "USDG"]}]

    def account_balance(self, request, account, _fault):
        """GET /api/v5/account/balance: liab and crossLiab are the debt as a positive number, as OKX documents."""
        wanted = [ccy for ccy in request.args.get("ccy", "").split(",") if ccy]
        details = []
        total = ZERO
        with localcontext() as ctx:
            ctx.prec = PRECISION
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

    def require_mode(self, endpoint, account):
        """The one-click repay (new) family works in the account modes of ``modes`` only."""
        if account.acct_lv not in self.modes[endpoint]:
            raise OkxError("51010")

    def can_repay_with(self, ccy, account):
        """Whether a currency can repay debts: supported, and priced or itself a debt currency."""
        return ccy in self.currencies and (ccy in self.prices or ccy in account.debts)

    def currency_list(self, _request, account, _fault):
        """GET /api/v5/trade/one-click-repay-currency-list-v2."""
        self.require_mode("currency_list", account)
        return [{"debtData": [{"debtCcy": ccy, "debtAmt": fmt(amount)} for ccy, amount in account.debts.items()],
                 "repayData": [{"repayCcy": ccy, "repayAmt": fmt(amount)} for ccy, amount in account.balances.items()
                               if self.can_repay_with(ccy, account)]}]

    def repay(self, request, account, fault):
        """POST /api/v5/trade/one-click-repay-v2: accepted now, settled after settle_delay seconds, shown by GET history
        after history_lag seconds (OKX's history is eventually consistent: the two are independent). A fault's
        ``runs_after`` makes OKX run it that much later."""
        if not account.can("trade"):
            raise OkxError("50120")
        debt_ccy, repay_list = self.repay_params(request)
        self.require_mode("repay", account)
        if not account.spot_borrow:
            raise OkxError("51625")
        if debt_ccy not in account.debts and self.no_debt_repay == "51000":
            raise OkxError("51000", "debtCcy", status=200)
        ts = self.now_ms()
        later = fault.get("runs_after", 0.0) if fault else 0.0
        record = {"debtCcy": debt_ccy, "repayCcyList": repay_list, "fillDebtSz": "0", "status": "running",
                  "ts": str(ts + int(later * 1000) - HISTORY_TS_LAG_MS), "ordIdInfo": []}
        runs = self.clock.monotonic() + later
        account.history.append((runs + self.history_lag, runs, record))
        heapq.heappush(self.pending, (runs + self.settle_delay, next(self.sequence), account, record, self.prices,
                                      self.settle_delay))
        return [{"debtCcy": debt_ccy, "repayCcyList": list(repay_list), "ts": str(ts)}]

    def repay_params(self, request):
        """debtCcy and repayCcyList of a repay request, validated as OKX does."""
        if request.mimetype != "application/json":
            raise OkxError("50006")
        if not request.body.strip():
            raise OkxError("50000")
        try:
            body = json.loads(request.body)
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

    # --- settlement ----------------------------------------------------------------------------------------------

    def settle_due(self):
        """Settle the accepted repays whose settle_delay has passed, oldest first."""
        now = self.clock.monotonic()
        while self.pending and self.pending[0][0] <= now:
            _due, _sequence, account, record, posted_prices, delay = heapq.heappop(self.pending)
            self.settle(account, record, posted_prices, delay)

    def usdt_price(self, ccy, prices):
        """The price of a currency in USDT (prices are in USD), or None."""
        if ccy == HUB:
            return Decimal(1)
        if ccy not in prices or HUB not in prices:
            return None
        return prices[ccy] / prices[HUB]

    def tick(self, inst_id, price):
        """The tick size of a pair: the state's, else five significant digits of its price."""
        if inst_id in self.tick_sizes:
            return self.tick_sizes[inst_id]
        return Decimal(1).scaleb(price.adjusted() - 4)

    def settle(self, account, record, posted_prices, delay):
        """Repay a debt from the repay currencies in priority order, each through USDT by IOC orders (README.md,
        "Settlement"), fully or partly."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            debt_ccy = record["debtCcy"]
            left = account.debts.get(debt_ccy, ZERO)
            filled = ZERO
            orders = []
            for ccy in record["repayCcyList"]:
                if left <= 0:
                    break
                if ccy == debt_ccy:
                    repaid = min(account.balances.get(ccy, ZERO), left)
                    put(account.balances, ccy, account.balances.get(ccy, ZERO) - repaid)
                elif ccy == HUB:
                    repaid = self.buy_debt(account, debt_ccy, left, account.balances.get(HUB, ZERO), posted_prices, orders)
                elif debt_ccy == HUB:
                    wanted = left / (1 - self.taker_fee)
                    got = self.sell(account, ccy, wanted, posted_prices, orders)
                    repaid = min(got, left)
                    put(account.balances, HUB, account.balances.get(HUB, ZERO) - repaid)
                else:
                    repaid = self.sell_then_buy(account, ccy, debt_ccy, left, posted_prices, orders)
                left -= repaid
                filled += repaid
            put(account.debts, debt_ccy, left)
            now_ms = max(self.now_ms(), int(record["ts"]))
            account.u_time = now_ms
            start, span = int(record["ts"]), int(delay * 1000)
            for index, order in enumerate(orders, 1):
                order["cTime"] = str(start + max(index, span * index // len(orders)))
            record.update(fillDebtSz=fmt(filled) if filled > 0 else "", status="filled" if filled > 0 else "failed",
                          ordIdInfo=orders[::-1])

    def sell_then_buy(self, account, ccy, debt_ccy, left, posted_prices, orders):
        """Two orders: sell ``ccy`` for USDT, then buy the debt currency with that USDT. What reached the debt."""
        debt_price = self.usdt_price(debt_ccy, posted_prices)
        if debt_price is None or self.usdt_price(debt_ccy, self.prices) is None:
            self.sell(account, ccy, ZERO, posted_prices, orders, cannot=True)
            return ZERO
        inst_id = debt_ccy + "-" + HUB
        # Enough USDT to buy the debt grossed up by the fee at the buy order's price, after the sell's own fee.
        need = step_up(left / (1 - self.taker_fee), self.lot(inst_id))
        wanted = need * self.buy_px(inst_id, debt_price) / (1 - self.taker_fee)
        got = self.sell(account, ccy, wanted, posted_prices, orders)
        if got <= 0:
            return ZERO
        return self.buy_debt(account, debt_ccy, left, got, posted_prices, orders)

    def lot(self, inst_id):
        """The lot size of a pair."""
        return self.lot_sizes.get(inst_id, DEFAULT_LOT)

    def min_size(self, inst_id):
        """The minimum order size of a pair (instruments' minSz): the state's min_sizes, else its lot size."""
        return self.min_sizes.get(inst_id, self.lot(inst_id))

    def quote(self, ccy, prices=None):
        """(last, bid, ask) of the pair ccy-USDT at ``prices`` (default: now), or None when it has no price: last is
        the USDT price rounded to the tick; with no spread bid = ask = last, else bid and ask sit spread / 2 below and
        above the price, rounded down and up to the tick."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            price = self.usdt_price(ccy, self.prices if prices is None else prices)
            if price is None or ccy == HUB:
                return None
            tick = self.tick(ccy + "-" + HUB, price)
            last = round_to(price, tick)
            if self.spread == 0:
                return last, last, last
            half = self.spread / 2
            return last, step_down(price * (1 - half), tick), step_up(price * (1 + half), tick)

    def fill_price(self, ccy, side, prices):
        """What an IOC order of the pair ccy-USDT fills at on the market ``prices``: with no spread the market price
        itself (unrounded, as always), else the bid for a sell and the ask for a buy. None when it has no price."""
        if self.spread == 0:
            return self.usdt_price(ccy, prices)
        quoted = self.quote(ccy, prices)
        if quoted is None:
            return None
        return quoted[1] if side == "sell" else quoted[2]

    def trade(self, inst_id, size, price):
        """Count a fill in the pair's 24 h volume and last size (the tickers' vol24h, volCcy24h, lastSz)."""
        volume = self.volumes.setdefault(inst_id, [ZERO, ZERO, ZERO])
        volume[0] += size
        volume[1] += size * price
        volume[2] = size

    def buy_px(self, inst_id, price):
        """An IOC buy's price: ioc_band above the market, rounded down to a tick (toward the market)."""
        return step_down(price * (1 + self.ioc_band), self.tick(inst_id, price))

    def sell_px(self, inst_id, price):
        """An IOC sell's price: ioc_band below the market, rounded up to a tick (toward the market)."""
        return step_up(price * (1 - self.ioc_band), self.tick(inst_id, price))

    def order(self, inst_id, side, px, size, fill_px, fill_size):
        """An ordIdInfo entry (cTime is set once the repay's orders are known); filled when fill_size > 0."""
        done = fill_size > 0
        return {"ordId": str(next(self.order_ids)), "instId": inst_id, "ordType": "ioc", "side": side,
                "px": "" if px is None else fmt(px), "sz": fmt(size), "fillPx": fmt(fill_px) if done else "",
                "fillSz": fmt(fill_size) if done else "0", "state": "filled" if done else "canceled", "cTime": ""}

    def sell(self, account, ccy, wanted, posted_prices, orders, cannot=False):
        """Sell ``ccy`` for ``wanted`` USDT (before the fee, at the order's price) by an IOC order: the USDT it
        brought after the fee, now in the balance (0 if the order was canceled)."""
        inst_id = ccy + "-" + HUB
        quoted, market = self.usdt_price(ccy, posted_prices), self.fill_price(ccy, "sell", self.prices)
        balance = account.balances.get(ccy, ZERO)
        if quoted is None or market is None or cannot:
            orders.append(self.order(inst_id, "sell", None if quoted is None else self.sell_px(inst_id, quoted), ZERO, None, ZERO))
            return ZERO
        px = self.sell_px(inst_id, quoted)
        size = min((wanted / px).quantize(SIZE_STEP, ROUND_UP), balance)
        fill = step_down(size, self.lot(inst_id))
        if fill <= 0 or fill < self.min_size(inst_id) or market < px:
            orders.append(self.order(inst_id, "sell", px, size, market, ZERO))
            return ZERO
        orders.append(self.order(inst_id, "sell", px, size, market, fill))
        self.trade(inst_id, fill, market)
        got = fill * market * (1 - self.taker_fee)
        put(account.balances, ccy, balance - fill)
        account.balances[HUB] = account.balances.get(HUB, ZERO) + got
        return got

    def buy_debt(self, account, debt_ccy, left, budget, posted_prices, orders):
        """Buy the debt currency with at most ``budget`` USDT by an IOC order, enough to cover the fee: what reached
        the debt (the rest of what was bought stays in the balance)."""
        inst_id = debt_ccy + "-" + HUB
        quoted, market = self.usdt_price(debt_ccy, posted_prices), self.fill_price(debt_ccy, "buy", self.prices)
        if quoted is None or market is None:
            orders.append(self.order(inst_id, "buy", None if quoted is None else self.buy_px(inst_id, quoted), ZERO, None, ZERO))
            return ZERO
        px = self.buy_px(inst_id, quoted)
        size = min(step_up(left / (1 - self.taker_fee), self.lot(inst_id)), (budget / px).quantize(SIZE_STEP, ROUND_DOWN))
        fill = step_down(size, self.lot(inst_id))
        if fill <= 0 or fill < self.min_size(inst_id) or market > px:
            orders.append(self.order(inst_id, "buy", px, size, market, ZERO))
            return ZERO
        orders.append(self.order(inst_id, "buy", px, size, market, fill))
        self.trade(inst_id, fill, market)
        account.balances[HUB] = account.balances.get(HUB, ZERO) - fill * market
        put(account.balances, HUB, account.balances[HUB])
        got = fill * (1 - self.taker_fee)
        repaid = min(got, left)
        put(account.balances, debt_ccy, account.balances.get(debt_ccy, ZERO) + got - repaid)
        return repaid

    # --- history -------------------------------------------------------------------------------------------------

    def repay_history(self, request, account, fault):
        """GET /api/v5/trade/one-click-repay-history-v2: the last 7 days, newest first, past their history_lag."""
        self.require_mode("history", account)
        after, before = self.ms_param(request, "after"), self.ms_param(request, "before")
        limit = request.args.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise OkxError("51000", "limit")
        kind = fault["kind"] if fault else None
        if kind == "ignore_after":
            after = None
        oldest = self.now_ms() - HISTORY_DAYS * 86400 * 1000
        now = self.clock.monotonic()
        records = [record for shows, _runs, record in account.history
                   if shows <= now and int(record["ts"]) >= oldest and (after is None or int(record["ts"]) <= after)
                   and (before is None or int(record["ts"]) >= before)]
        records.sort(key=lambda record: int(record["ts"]), reverse=True)
        records = records[:int(limit)]
        if kind == "repeat_records":
            records = [record for record in records for _twice in (1, 2)]
        return copy.deepcopy(records)

    @staticmethod
    def ms_param(request, name):
        """An optional millisecond timestamp query parameter."""
        value = request.args.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise OkxError("51000", name)
        return int(value)

    # --- market data, instruments, interest rates, fees ------------------------------------------------------------

    @staticmethod
    def inst_type(request, accepted):
        """The required instType of a request: 50014 when missing, 51000 when not one OKX accepts there."""
        inst_type = request.args.get("instType")
        if not inst_type:
            raise OkxError("50014", "instType")
        if inst_type not in accepted:
            raise OkxError("51000", "instType")
        return inst_type

    def spot_pairs(self):
        """The base currencies of the SPOT pairs the model lists: X-USDT for every priced currency X but USDT."""
        return sorted(ccy for ccy in self.prices if ccy != HUB)

    def pair(self, inst_id):
        """The base currency of a listed pair's instId (BTC-USDT), else 51001 (Instrument ID doesn't exist)."""
        base, dash, quote = inst_id.partition("-")
        if not dash or quote != HUB or base == HUB or base not in self.prices:
            raise OkxError("51001")
        return base

    def ticker(self, ccy):
        """One SPOT ticker of GET /api/v5/market/tickers: last, bid and ask are quote(); open24h, high24h, low24h,
        sodUtc0 and sodUtc8 come from the prices since the start (each rounded as last), volumes from the fills."""
        inst_id = ccy + "-" + HUB
        with localcontext() as ctx:
            ctx.prec = PRECISION
            last, bid, ask = self.quote(ccy)
            seen = [quoted[0] for quoted in (self.quote(ccy, book) for book in self.price_history) if quoted]
            base, quote_volume, last_size = self.volumes.get(inst_id, (ZERO, ZERO, ZERO))
            lot = self.lot(inst_id)
            return {"instType": "SPOT", "instId": inst_id, "last": fmt(last), "lastSz": fmt(last_size),
                    "askPx": fmt(ask), "askSz": fmt(step_down(DEPTH_USDT / ask, lot)),
                    "bidPx": fmt(bid), "bidSz": fmt(step_down(DEPTH_USDT / bid, lot)) if bid > 0 else "0",
                    "open24h": fmt(seen[0]), "high24h": fmt(max(seen)), "low24h": fmt(min(seen)),
                    "volCcy24h": fmt(quote_volume), "vol24h": fmt(base), "sodUtc0": fmt(seen[0]), "sodUtc8": fmt(seen[0]),
                    "ts": str(self.now_ms())}

    def market_tickers(self, request, _account, _fault):
        """GET /api/v5/market/tickers?instType=SPOT (public): one ticker per listed pair; [] for derivatives."""
        if self.inst_type(request, TICKER_TYPES) != "SPOT":
            return []
        return [self.ticker(ccy) for ccy in self.spot_pairs()]

    def market_ticker(self, request, _account, _fault):
        """GET /api/v5/market/ticker?instId=BTC-USDT (public)."""
        inst_id = request.args.get("instId")
        if not inst_id:
            raise OkxError("50014", "instId")
        return [self.ticker(self.pair(inst_id))]

    def index_price(self, ccy, quote, prices):
        """The index of ccy-quote at ``prices``: the USD price for quote USD, else the ratio of the two USD prices
        rounded to the pair's tick (for USDT: the ticker's last). None when a price is missing."""
        if ccy not in prices or (quote != "USD" and quote not in prices):
            return None
        if quote == "USD":
            return prices[ccy]
        with localcontext() as ctx:
            ctx.prec = PRECISION
            ratio = prices[ccy] / prices[quote]
            return round_to(ratio, self.tick(ccy + "-" + quote, ratio))

    def index_ticker(self, ccy, quote):
        """One index ticker of GET /api/v5/market/index-tickers."""
        seen = [price for price in (self.index_price(ccy, quote, book) for book in self.price_history) if price is not None]
        return {"instId": ccy + "-" + quote, "idxPx": fmt(self.index_price(ccy, quote, self.prices)),
                "high24h": fmt(max(seen)), "sodUtc0": fmt(seen[0]), "open24h": fmt(seen[0]), "low24h": fmt(min(seen)),
                "sodUtc8": fmt(seen[0]), "ts": str(self.now_ms())}

    def index_tickers(self, request, _account, _fault):
        """GET /api/v5/market/index-tickers?quoteCcy=USD or ?instId=BTC-USD (public): quoteCcy USD, USDT, BTC or
        USDC; instId wins when both are given."""
        inst_id, quote = request.args.get("instId"), request.args.get("quoteCcy")
        if inst_id:
            ccy, dash, quote = inst_id.partition("-")
            if not dash or quote not in INDEX_QUOTES or ccy == quote or self.index_price(ccy, quote, self.prices) is None:
                raise OkxError("51014")
            return [self.index_ticker(ccy, quote)]
        if not quote:
            raise OkxError("50014", "quoteCcy")
        if quote not in INDEX_QUOTES:
            raise OkxError("51000", "quoteCcy")
        return [self.index_ticker(ccy, quote) for ccy in sorted(self.prices)
                if ccy != quote and self.index_price(ccy, quote, self.prices) is not None]

    def instrument(self, ccy):
        """One SPOT instrument of GET /api/v5/public/instruments: lotSz, tickSz and minSz are settlement's."""
        inst_id = ccy + "-" + HUB
        with localcontext() as ctx:
            ctx.prec = PRECISION
            tick = self.tick(inst_id, self.usdt_price(ccy, self.prices))
        code = INST_ID_CODE_BASE + int(hashlib.sha256(inst_id.encode("utf-8")).hexdigest()[:6], 16)
        return {"alias": "", "auctionEndTime": "", "baseCcy": ccy, "category": "1", "ctMult": "", "ctType": "", "ctVal": "",
                "ctValCcy": "", "contTdSwTime": "", "expTime": "", "futureSettlement": False, "groupId": SPOT_GROUP,
                "instFamily": "", "instId": inst_id, "instType": "SPOT", "lever": "", "listTime": LIST_TIME,
                "lotSz": fmt(self.lot(inst_id)), "maxIcebergSz": MAX_ALGO_SIZE, "maxLmtAmt": MAX_AMOUNT, "maxLmtSz": MAX_SIZE,
                "maxMktAmt": MAX_AMOUNT, "maxMktSz": "", "maxStopSz": "", "maxTriggerSz": MAX_ALGO_SIZE,
                "maxTwapSz": MAX_ALGO_SIZE, "minSz": fmt(self.min_size(inst_id)), "optType": "", "openType": "fix_price",
                "preMktSwTime": "", "quoteCcy": HUB, "tradeQuoteCcyList": [HUB], "settleCcy": "", "state": "live",
                "ruleType": "normal", "stk": "", "tickSz": fmt(tick), "uly": "", "instIdCode": code, "instCategory": "1",
                "upcChg": []}

    def instruments(self, request, _account, _fault):
        """GET /api/v5/public/instruments?instType=SPOT (public; optional instId): one per pair the tickers list."""
        if self.inst_type(request, INSTRUMENT_TYPES) != "SPOT":
            return []
        inst_id = request.args.get("instId")
        if inst_id:
            return [self.instrument(self.pair(inst_id))]
        return [self.instrument(ccy) for ccy in self.spot_pairs()]

    def interest_rate(self, request, _account, _fault):
        """GET /api/v5/account/interest-rate (optional ccy): the hourly borrowing rate of every supported currency, as
        OKX's example lists currencies without a ccy; interest_rates, else DEFAULT_INTEREST_RATE."""
        ccy = request.args.get("ccy")
        if ccy and ccy not in self.currencies:
            raise OkxError("51000", "ccy")
        wanted = [ccy] if ccy else sorted(self.currencies)
        default = Decimal(DEFAULT_INTEREST_RATE)
        return [{"ccy": name, "interestRate": fmt(self.interest_rates.get(name, default))} for name in wanted]

    def trade_fee(self, request, _account, _fault):
        """GET /api/v5/account/trade-fee?instType=SPOT (optional instId, groupId): the fee settlement charges, as OKX
        writes a fee charged: a negative rate."""
        inst_type = self.inst_type(request, INSTRUMENT_TYPES)
        if inst_type not in FEE_TYPES:
            raise OkxError("51000", "instType")
        if request.args.get("instId"):
            self.pair(request.args["instId"])
        if request.args.get("groupId") not in (None, SPOT_GROUP):
            raise OkxError("51000", "groupId")
        taker, maker = fmt(-self.taker_fee), fmt(-Decimal(MAKER_FEE))
        return [{"category": "1", "delivery": "", "exercise": "",
                 "feeGroup": [{"elpMaker": maker, "groupId": SPOT_GROUP, "maker": maker, "taker": taker}],
                 "fiat": [], "instType": inst_type, "level": "Lv1", "maker": maker, "makerU": "", "makerUSDC": "",
                 "ruleType": "normal", "taker": taker, "takerU": "", "takerUSDC": "", "ts": str(self.now_ms())}]

    # --- admin ---------------------------------------------------------------------------------------------------

    def admin(self, method, name, payload=None):
        """The test-control routes under /__sim__/ (no authentication): (HTTP status, JSON-able reply)."""
        routes = {("GET", "log"): lambda _p: self.log(), ("GET", "state"): lambda _p: self.view(),
                  ("GET", "faults"): lambda _p: self.faults(), ("POST", "faults"): self.set_faults,
                  ("POST", "clock"): lambda p: self.set_clock_skew(p["skew"]),
                  ("POST", "config"): self.configure_from, ("POST", "reset"): self.reset_from,
                  ("POST", "prices"): self.set_prices, ("POST", "borrow"): self.borrow_from}
        route = routes.get((method.upper(), name))
        if route is None:
            return 404, {"error": "no admin endpoint %s %s%s" % (method, ADMIN, name)}
        try:
            with self.lock:
                return 200, route(payload)
        except (ValueError, KeyError, TypeError) as err:
            return 400, {"error": str(err)}

    def log(self):
        """Every request so far (GET /__sim__/log)."""
        with self.lock:
            return list(self.entries)

    def view(self):
        """GET /__sim__/state: accounts (balances, debts, every record OKX has run, shown yet or not), prices, clock
        skew, settings; due repays are settled first."""
        with self.lock:
            self.settle_due()
            now = self.clock.monotonic()
            return {"accounts": [account.view(now) for account in self.accounts],
                    "prices": {c: fmt(p) for c, p in self.prices.items()}, "currencies": sorted(self.currencies),
                    "settle_delay": self.settle_delay, "history_lag": self.history_lag, "clock_skew": self.skew,
                    "ioc_band": fmt(self.ioc_band), "taker_fee": fmt(self.taker_fee), "no_debt_repay": self.no_debt_repay,
                    "spread": fmt(self.spread), "min_sizes": {i: fmt(size) for i, size in self.min_sizes.items()},
                    "interest_rates": {c: fmt(rate) for c, rate in self.interest_rates.items()},
                    "modes": {name: sorted(levels) for name, levels in self.modes.items()}, "pending": len(self.pending)}

    def faults(self):
        """The faults not consumed yet (GET /__sim__/faults)."""
        with self.lock:
            return copy.deepcopy(self.fault_queue)

    def set_faults(self, faults):
        """Replace the fault queue (POST /__sim__/faults); a bad list is refused whole."""
        checked = check_faults(faults)
        with self.lock:
            self.fault_queue = checked
        return {"faults": len(checked)}

    def set_clock_skew(self, skew):
        """Offset the server clock, ahead (> 0) or behind (< 0) (POST /__sim__/clock {"skew": seconds})."""
        if isinstance(skew, bool) or not isinstance(skew, (int, float)) or not math.isfinite(skew):
            raise ValueError("skew must be a finite number of seconds: %r" % (skew,))
        with self.lock:
            self.skew = float(skew)
            return {"skew": self.skew, "ts": str(self.now_ms())}

    def configure(self, **settings):
        """settle_delay and/or history_lag for the repays posted from now on (POST /__sim__/config)."""
        if not set(settings) <= {"settle_delay", "history_lag"}:
            raise ValueError("config takes settle_delay and/or history_lag: %r" % (settings,))
        checked = {name: seconds(name, value) for name, value in settings.items()}
        with self.lock:
            self.settle_delay = checked.get("settle_delay", self.settle_delay)
            self.history_lag = checked.get("history_lag", self.history_lag)
            return {"settle_delay": self.settle_delay, "history_lag": self.history_lag}

    def configure_from(self, payload):
        """POST /__sim__/config with a JSON object."""
        if not isinstance(payload, dict):
            raise ValueError("config takes a JSON object with settle_delay and/or history_lag: %r" % (payload,))
        return self.configure(**payload)

    def set_prices(self, prices):
        """Move market prices (USD) from now on (POST /__sim__/prices {ccy: price}): repays settling later fill at
        them, and a leg whose price moved beyond its IOC band is canceled."""
        moved = positive_book(prices, "prices")
        with self.lock:
            self.prices = dict(self.prices, **moved)  # a new dict: the repays posted before keep the prices they were quoted
            self.price_history.append(self.prices)
            return {"prices": {c: fmt(p) for c, p in self.prices.items()}}

    def borrow(self, name, debts):
        """The account ``name`` borrows more: ``debts`` ({ccy: amount}, positive) are added to its debts, as if it
        had spent what it borrowed (its balances stay as they are), due repays settled first (POST /__sim__/borrow)."""
        added = positive_book(debts, "debts")
        with self.lock:
            account = next((account for account in self.accounts if account.name == name), None)
            if account is None:
                raise ValueError("no account named %r" % (name,))
            unknown = sorted(set(added) - self.currencies)
            if unknown:
                raise ValueError("not a currency of this OKX: %s" % ", ".join(unknown))
            self.settle_due()
            for ccy, amount in added.items():
                put(account.debts, ccy, account.debts.get(ccy, Decimal(0)) + amount)
            account.u_time = self.now_ms()
            return {"debts": {ccy: fmt(value) for ccy, value in account.debts.items()}}

    def borrow_from(self, payload):
        """POST /__sim__/borrow with {"account": name, "debts": {ccy: amount}}."""
        if not isinstance(payload, dict) or set(payload) != {"account", "debts"}:
            raise ValueError("borrow takes {\"account\": NAME, \"debts\": {CCY: AMOUNT}}: %r" % (payload,))
        return self.borrow(payload["account"], payload["debts"])

    def reset(self, state):
        """Start over from a new state: accounts, no faults, skew 0, empty log and rate windows (POST /__sim__/reset)."""
        self.load(state)
        return {"reset": True}

    def reset_from(self, payload):
        """POST /__sim__/reset with a state."""
        return self.reset(payload)
