# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The one OKX v5 REST client of the collection: signing, transport, retries, rate limiting, clock sync, errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import hashlib
import hmac
import json
import os
import random
import tempfile
import time
import traceback

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep the import test quiet
    from urllib import urlencode

try:
    import fcntl
except ImportError:  # pragma: no cover - modules run on POSIX controllers
    fcntl = None

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

DEFAULT_API_URL = "https://www.okx.com"
TIME_PATH = "/api/v5/public/time"

# Shortest spacing between two calls to an endpoint with one API key, from OKX's documented limits
# (N requests per window => window / N seconds apart; the one-click repay family allows 1 request / 2 s).
MIN_INTERVAL = {
    "/api/v5/trade/one-click-repay-v2": 2.0,
    "/api/v5/trade/one-click-repay-currency-list-v2": 2.0,
    "/api/v5/trade/one-click-repay-history-v2": 2.0,
    "/api/v5/account/config": 0.4,
    "/api/v5/account/balance": 0.2,
}

# OKX codes that mean the request was not executed: safe to send again, even a POST.
NOT_EXECUTED_CODES = frozenset(["50001", "50011", "50013"])
# OKX codes that leave the outcome open ("50004: it does not mean the request succeeded or failed").
OUTCOME_UNKNOWN_CODES = frozenset(["50004", "50026"])
RATE_LIMITED_CODE = "50011"
TIMESTAMP_EXPIRED_CODE = "50102"

# What the user should do about an OKX error code.
HINTS = {
    "50101": "the API key does not match the environment: set demo=true for a demo-trading key, demo=false for a live key",
    "50102": "the request timestamp is outside OKX's 30 s window: fix the controller clock or set sync_time=true",
    "50103": "OK-ACCESS-KEY is empty: set api_key (or OKX_API_KEY)",
    "50104": "OK-ACCESS-PASSPHRASE is empty: set api_passphrase (or OKX_API_PASSPHRASE)",
    "50105": "the passphrase is wrong: check api_passphrase (or OKX_API_PASSPHRASE) against the one chosen for this API key",
    "50106": "OK-ACCESS-SIGN is empty: set api_secret (or OKX_API_SECRET)",
    "50110": "the controller's IP address is not in the API key's IP whitelist: add it in the OKX API key settings",
    "50111": "the API key is not valid: check api_key (or OKX_API_KEY), and demo for a demo-trading key",
    "50113": "the signature is invalid: check api_secret (or OKX_API_SECRET) for this API key",
    "50114": "the authorization is invalid: check api_key, api_secret and api_passphrase",
    "50120": "the API key lacks the permission this call needs: grant it the Trade permission in OKX",
    "50030": "the API key has no permission to use this API: grant it the Trade permission in OKX",
    "50014": "OKX says a required parameter is empty: check debt_ccy and repay_ccy_list",
    "51000": "OKX rejected a parameter: check debt_ccy and repay_ccy_list",
    "51012": "OKX does not know this currency: check debt_ccy and repay_ccy_list",
    "51625": "one-click repay needs auto-borrow: enable it for the account in OKX",
    "51010": "the account mode does not allow this: one-click repay works only for accounts in Spot mode (acctLv 1)",
}


class OKXError(Exception):
    """Any failed exchange with OKX. Carries what the user needs, never a header, key or signature.

    ``outcome_unknown`` is set when a request may have been executed although no reply says so
    (lost or ambiguous reply): such a POST must be reconciled, never blindly sent again.
    ``never_sent`` is set when the request provably did not reach OKX.
    """

    def __init__(self, msg, code=None, okx_msg=None, http_status=None, endpoint=None,
                 outcome_unknown=False, never_sent=False, retry_after=None):
        super(OKXError, self).__init__(msg)
        self.msg = msg
        self.code = code
        self.okx_msg = okx_msg
        self.http_status = http_status
        self.endpoint = endpoint
        self.outcome_unknown = outcome_unknown
        self.never_sent = never_sent
        self.retry_after = retry_after

    @property
    def user_message(self):
        text = self.msg
        if self.endpoint and self.endpoint not in text:
            text = "%s (%s)" % (text, self.endpoint)
        hint = HINTS.get(self.code or "")
        return "%s: %s" % (text, hint) if hint else text

    def as_result(self):
        """The fields a failed task reports."""
        return dict(msg=self.user_message, okx_code=self.code, okx_msg=self.okx_msg,
                    http_status=self.http_status, endpoint=self.endpoint)


def sign(secret, timestamp, method, request_path, body=""):
    """OKX's signature: base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    prehash = timestamp + method.upper() + request_path + body
    digest = hmac.new(secret.encode("utf-8"), prehash.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def iso_timestamp(epoch_seconds):
    """ISO 8601 UTC with milliseconds and Z, as OK-ACCESS-TIMESTAMP wants it."""
    millis = int(round(epoch_seconds * 1000))
    moment = datetime.datetime.fromtimestamp(millis // 1000, tz=datetime.timezone.utc)
    return "%s.%03dZ" % (moment.strftime("%Y-%m-%dT%H:%M:%S"), millis % 1000)


def encode_body(body):
    """Serialize a request body once: these exact bytes are both signed and sent."""
    if body is None:
        return ""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True)


def private_state_dir():
    """A directory only this user can use, for the cross-process rate limiter's state."""
    path = os.path.join(tempfile.gettempdir(), "cryptoops-okx-%d" % os.getuid())
    try:
        os.mkdir(path, 0o700)
    except OSError:
        pass
    info = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OKXError("refusing to use %s for rate-limit state: it must be a directory owned by this user "
                       "with mode 0700" % path)
    return path


class RateLimiter:
    """Spaces the calls to each rate-limited endpoint made with one API key, across processes.

    A file lock per (API key, endpoint) serializes parallel forks and loop iterations; the file holds
    the time the last reply arrived (OKX received that request no later), and the next call waits only
    for what is left of the interval. File names derive from a hash of the key, never the key itself.
    """

    def __init__(self, api_key, state_dir=None, clock=time.time, sleep=time.sleep):
        self._key_hash = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
        self._state_dir = state_dir
        self._clock = clock
        self._sleep = sleep

    def _lock_file(self, path):
        if not self._state_dir:
            self._state_dir = private_state_dir()  # checked once per client, not per request
        name = hashlib.sha256((self._key_hash + path).encode("utf-8")).hexdigest()[:32]
        return os.path.join(self._state_dir, name + ".lock")

    @contextlib.contextmanager
    def slot(self, path):
        """Wait until ``path`` may be called again, hold the slot during the call, then record its end."""
        interval = MIN_INTERVAL.get(path)
        if not interval or fcntl is None:
            yield
            return
        fd = os.open(self._lock_file(path), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                last = float(os.read(fd, 64).decode("ascii") or 0)
            except ValueError:
                last = 0.0
            wait = last + interval - self._clock()
            if wait > 0:
                self._sleep(min(wait, interval))
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, ("%.6f" % self._clock()).encode("ascii"))
        finally:
            os.close(fd)


def _never_sent(exc):
    """True when requests failed before any byte of the request could reach the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return type(reason).__name__ == "NewConnectionError"
    return False


class OKXClient:
    """Signed calls to the OKX v5 REST API.

    ``request`` returns the ``data`` list of a reply whose ``code`` is "0" and raises OKXError otherwise.
    It retries what is safe to retry (see ``_may_retry``), re-syncs the clock once on 50102, and keeps
    every rate-limited endpoint within OKX's limits through a RateLimiter.
    """

    def __init__(self, api_key, api_secret, api_passphrase, api_url=DEFAULT_API_URL, demo=False,
                 validate_certs=True, timeout=10, retries=3, warn=None, limiter=None,
                 clock=time.time, sleep=time.sleep):
        if requests is None:
            raise OKXError("the Python library requests is required")
        self._api_key = api_key
        self._api_secret = api_secret
        self._api_passphrase = api_passphrase
        self._base_url = api_url.rstrip("/")
        self._demo = demo
        self._timeout = timeout
        self._retries = retries
        self._warn = warn or (lambda message: None)
        self._clock = clock
        self._sleep = sleep
        self._limiter = limiter or RateLimiter(api_key, clock=clock, sleep=sleep)
        self.time_offset = 0.0  # server clock minus local clock, seconds
        # A Session keeps the connection alive and honours HTTP(S)_PROXY / NO_PROXY from the environment.
        self._session = requests.Session()
        self._session.verify = validate_certs

    def now_ms(self):
        """OKX's clock as best known, in milliseconds since the epoch."""
        return int((self._clock() + self.time_offset) * 1000)

    def sync_time(self):
        """Measure the offset of OKX's clock from ours with GET /api/v5/public/time."""
        started = self._clock()
        data = self.request("GET", TIME_PATH, auth=False)
        finished = self._clock()
        self.time_offset = int(data[0]["ts"]) / 1000.0 - (started + finished) / 2.0
        return self.time_offset

    def get(self, path, params=None, auth=True):
        return self.request("GET", path, params=params, auth=auth)

    def post(self, path, body):
        return self.request("POST", path, body=body)

    def request(self, method, path, params=None, body=None, auth=True):
        method = method.upper()
        query = urlencode([(k, v) for k, v in sorted((params or {}).items()) if v is not None])
        request_path = path + ("?" + query if query else "")
        body_text = encode_body(body)
        resynced = False
        attempt = 0
        while True:
            try:
                return self._send(method, path, request_path, body_text, auth)
            except OKXError as err:
                if err.code == TIMESTAMP_EXPIRED_CODE and auth and not resynced:
                    resynced = True
                    self._warn("OKX answered 50102 (timestamp expired): measured the clock offset, signing again")
                    self.sync_time()
                    continue
                if attempt >= self._retries or not self._may_retry(method, err):
                    raise
                delay = self._backoff(attempt, path, err)
                attempt += 1
                self._warn("%s %s failed (%s); retry %d of %d in %.1f s"
                           % (method, path, err.msg, attempt, self._retries, delay))
                self._sleep(delay)

    @staticmethod
    def _may_retry(method, err):
        """Anything OKX did not run may be sent again; a GET also when its outcome is unknown."""
        if err.never_sent or err.code in NOT_EXECUTED_CODES or err.http_status == 429:
            return True
        return method == "GET" and err.outcome_unknown

    @staticmethod
    def _backoff(attempt, path, err):
        """Exponential backoff with jitter; never sooner than OKX asks or its rate limit allows."""
        delay = min(30.0, 0.5 * (2 ** attempt)) * random.uniform(0.5, 1.0)
        if err.code == RATE_LIMITED_CODE or err.http_status == 429:
            delay = max(delay, MIN_INTERVAL.get(path, 1.0))
        if err.retry_after:
            delay = max(delay, err.retry_after)
        return delay

    def _headers(self, method, request_path, body_text, auth):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._demo:
            headers["x-simulated-trading"] = "1"
        if auth:
            timestamp = iso_timestamp(self._clock() + self.time_offset)
            headers.update({
                "OK-ACCESS-KEY": self._api_key,
                "OK-ACCESS-SIGN": sign(self._api_secret, timestamp, method, request_path, body_text),
                "OK-ACCESS-TIMESTAMP": timestamp,
                "OK-ACCESS-PASSPHRASE": self._api_passphrase,
            })
        return headers

    def _send(self, method, path, request_path, body_text, auth):
        endpoint = "%s %s" % (method, path)
        with self._limiter.slot(path):
            # Signed after any wait for the limiter, so the timestamp is fresh.
            headers = self._headers(method, request_path, body_text, auth)
            try:
                response = self._session.request(
                    method, self._base_url + request_path, headers=headers,
                    data=body_text.encode("utf-8") if body_text else None, timeout=self._timeout)
            except requests.exceptions.RequestException as exc:
                never_sent = _never_sent(exc)
                what = "could not connect to" if never_sent else "got no reply from"
                raise OKXError("%s OKX at %s: %s" % (what, self._base_url, type(exc).__name__),
                               endpoint=endpoint, never_sent=never_sent, outcome_unknown=not never_sent)
        return self._parse(response, endpoint)

    @staticmethod
    def _parse(response, endpoint):
        status = response.status_code
        retry_after = None
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            pass
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "code" not in payload:
            raise OKXError("OKX answered HTTP %d without an OKX JSON reply" % status, http_status=status,
                           endpoint=endpoint, outcome_unknown=status >= 500, retry_after=retry_after)
        code = str(payload.get("code"))
        okx_msg = str(payload.get("msg") or "")
        if code == "0" and 200 <= status < 300:
            data = payload.get("data")
            return data if isinstance(data, list) else []
        detail = okx_msg or "no message"
        raise OKXError("OKX error %s: %s" % (code, detail), code=code, okx_msg=okx_msg, http_status=status,
                       endpoint=endpoint, retry_after=retry_after,
                       outcome_unknown=code in OUTCOME_UNKNOWN_CODES or (status >= 500 and code not in NOT_EXECUTED_CODES))
