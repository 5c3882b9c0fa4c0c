# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The one OKX v5 REST client of the collection: signing, transport, deadlines, retries, rate limits, OKX's clock.

It knows OKX in general, not any service: each service's module util declares its endpoints (``Endpoint``: the
path, OKX's rate limit and what its error codes mean to a user) and validates its replies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import collections
import contextlib
import datetime
import hashlib
import hmac
import ipaddress
import json
import math
import os
import random
import socket
import ssl
import threading
import time
import traceback

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep the import test quiet
    from urllib import urlencode

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir, boot_id, digest
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from urllib3.util import parse_url
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "cryptoops.okx/%s" % COLLECTION_VERSION
DEFAULT_API_URL = "https://www.okx.com"

# OKX asks for a wait with Retry-After; a task never sleeps longer than this on its word.
MAX_RETRY_AFTER = 30.0
# A clock reading is reused by every process of the user for this long; monotonic clocks drift from OKX's by at
# most this much (adjtime's slew limit), which widens the reading's uncertainty as it ages.
CLOCK_READING_TTL = 300.0
CLOCK_DRIFT = 0.0005
# Every OKX reply this collection reads is a few kilobytes; a body past this is not OKX's JSON (a proxy's page, a
# runaway stream) and is not read further, so a reply cannot exhaust the memory of the module process.
MAX_REPLY_BYTES = 2 * 1024 * 1024
REPLY_CHUNK_BYTES = 16 * 1024
# OKX's text (its msg) is shown to the user and logged: enough to say what OKX meant, never a whole page.
MAX_OKX_TEXT = 200
# What replaces a credential that OKX's text repeats.
MASK = "********"

# OKX codes that mean the request was not executed: safe to send again, even a POST.
NOT_EXECUTED_CODES = frozenset(["50001", "50011", "50013"])
# OKX codes that leave the outcome open ("50004: it does not mean the request succeeded or failed").
OUTCOME_UNKNOWN_CODES = frozenset(["50004", "50026"])
RATE_LIMITED_CODE = "50011"
# "APIKey does not match current environment": what to change depends on which environment the request was sent to
# (demo trading is the header x-simulated-trading: 1).
ENVIRONMENT_MISMATCH_CODE = "50101"
ENVIRONMENT_MISMATCH_ADVICE = {
    True: "this is a live API key used with demo: true (the request went to demo trading): set demo: false (or "
          "OKX_DEMO=false) for a live key, or use a key created under demo trading",
    False: "this is a demo-trading API key used with demo: false (the request went to live trading): set demo: true "
           "(or OKX_DEMO=true) for a demo-trading key, or use a live key",
}
TIMESTAMP_EXPIRED_CODE = "50102"


class Endpoint:
    """An OKX REST endpoint as a service declares it.

    ``min_interval``: the shortest spacing of two calls by one user, from OKX's documented limit (N requests per
    window: window / N seconds; counted per User ID, or per IP address for ``public`` endpoints).
    ``hints``: what an OKX error code of this endpoint means to the user, naming the option to fix.
    """

    def __init__(self, method, path, min_interval=0.0, hints=None, public=False):
        self.method = method
        self.path = path
        self.min_interval = min_interval
        self.hints = hints or {}
        self.public = public

    def __str__(self):
        return "%s %s" % (self.method, self.path)


# The two endpoints the transport itself needs: OKX's clock, and the account's User ID that rate limits count by.
PUBLIC_TIME = Endpoint("GET", "/api/v5/public/time", 0.2, public=True)  # 10 requests / 2 s per IP
ACCOUNT_CONFIG = Endpoint("GET", "/api/v5/account/config", 0.4)  # 5 requests / 2 s per User ID


def cut(text, limit=MAX_OKX_TEXT):
    """``text`` in at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def malformed(endpoint, where, value, expected, mask=None):
    """The error for a reply the code did not expect: it names the endpoint and the field, never a traceback.

    ``mask``: the client's ``mask``, so a value that repeats a credential does not show it (masked before it is cut,
    so no part of a credential is left).
    """
    shown = json.dumps(value) if value is not None else "missing"
    if mask is not None:
        shown = mask(shown)
    shown = cut(shown, 80)
    return OKXError("OKX's reply to %s is malformed: %s is %s, expected %s" % (endpoint, where, shown, expected),
                    kind="malformed", endpoint=endpoint)


def sign(secret, timestamp, method, request_path, body=""):
    """OKX's signature: base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    prehash = timestamp + method.upper() + request_path + body
    digest_bytes = hmac.new(secret.encode("utf-8"), prehash.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest_bytes).decode("ascii")


def iso_timestamp(epoch_ms):
    """ISO 8601 UTC with milliseconds and Z, as OK-ACCESS-TIMESTAMP wants it."""
    moment = datetime.datetime.fromtimestamp(epoch_ms // 1000, tz=datetime.timezone.utc)
    return "%s.%03dZ" % (moment.strftime("%Y-%m-%dT%H:%M:%S"), epoch_ms % 1000)


def encode_body(body):
    """Serialize a request body once: these exact bytes are both signed and sent."""
    if body is None:
        return ""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True)


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url(api_url):
    """``scheme://host[:port]`` of api_url as requests itself parses it, so the host checked is the host contacted.

    https only; http for a loopback host (a local simulator). No user:password@, path, query or fragment.
    Messages never repeat more of api_url than scheme://host[:port][/path].
    """
    if not isinstance(api_url, str) or not api_url.strip():
        raise OKXError("api_url must be a URL such as https://www.okx.com", kind="config")
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(api_url.strip(), None)
        url = parse_url(prepared.url)
    except (requests.exceptions.RequestException, ValueError):
        raise OKXError("api_url is not a valid URL: use the form https://HOST[:PORT], such as https://www.okx.com",
                       kind="config")
    site = "%s://%s%s" % (url.scheme, url.host, ":%d" % url.port if url.port else "")
    if url.auth:
        raise OKXError("api_url must not contain a user name or password (user:password@): %s is refused"
                       % site, kind="config")
    if url.path not in (None, "", "/"):
        raise OKXError("api_url must be the site's base URL without a path: use %s, not %s%s (the modules add "
                       "/api/v5/...)" % (site, site, url.path), kind="config")
    if url.query is not None or url.fragment is not None:
        raise OKXError("api_url must not have a query or fragment: use %s" % site, kind="config")
    if url.scheme == "https" or (url.scheme == "http" and is_loopback(url.host)):
        return site
    raise OKXError("api_url must be an https:// URL (http:// is accepted only for a loopback host such as "
                   "127.0.0.1, for local testing), got %s" % site, kind="config")


def parse_retry_after(value):
    """Seconds from a Retry-After header, or None unless it is a finite, non-negative number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _read_body(response):
    """The body of a streamed reply, or None as soon as it passes MAX_REPLY_BYTES (the rest is never read)."""
    chunks, size = [], 0
    for chunk in response.iter_content(REPLY_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _failure_kind(exc):
    """dns, connect or tls (the request never left), or lost (it may have reached OKX): from the exception chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, socket.gaierror) or type(exc).__name__ == "NameResolutionError":
            return "dns"
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
            return "connect"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return "tls"  # refused before any request byte; other TLS errors may come mid-reply: lost
        if type(exc).__name__ == "NewConnectionError" or isinstance(exc, ConnectionRefusedError):
            return "connect"
        nested = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = getattr(nested, "reason", None) or nested or exc.__cause__ or exc.__context__
    return "lost"


class Clock:
    """Wall time, monotonic time and sleep, replaceable in tests."""

    def time(self):
        return time.time()

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)


ClockReading = collections.namedtuple("ClockReading", "okx_ms mono uncertainty_ms")


class OKXClient:
    """Signed calls to the OKX v5 REST API.

    ``request`` returns the ``data`` list of a reply whose ``code`` is "0" and raises OKXError otherwise. Each
    attempt has a deadline of ``timeout`` seconds (connect and the whole reply); what is safe to retry is retried
    (see ``_may_retry``); 50102 re-reads OKX's clock once; rate-limited endpoints are spaced per User ID across
    processes. No network I/O happens before the first request.
    """

    def __init__(self, api_key, api_secret, api_passphrase, api_url=DEFAULT_API_URL, demo=False, validate_certs=True,
                 timeout=10.0, retries=3, sync_time=False, warn=None, state=None, clock=None, user_agent=USER_AGENT):
        if requests is None:
            raise OKXError("the Python library requests is required", kind="config")
        self._api_key = api_key
        self._api_secret = api_secret
        self._api_passphrase = api_passphrase
        # Each credential as written and as JSON escapes it, longest first: a credential that contains another is
        # masked whole, not left partly shown.
        forms = set()
        for secret in (api_key, api_secret, api_passphrase):
            if isinstance(secret, str) and secret:
                forms.update([secret, json.dumps(secret)[1:-1]])
        self._secret_forms = sorted(forms, key=len, reverse=True)
        self.base_url = base_url(api_url)
        self._demo = demo
        # Live and demo trading are separate accounts and separate limits at OKX, whatever URL reaches them.
        self.network = "demo" if demo else "live"
        self._validate_certs = validate_certs
        # Says which part of the collection sent a request (the modules, the event source) to whoever reads logs.
        self._user_agent = user_agent
        self.timeout = timeout
        self._retries = retries
        self._sync_time = sync_time
        self._warn = warn or (lambda message: None)
        self.state = state or StateDir()
        self.clock = clock or Clock()
        self._session = None
        self._reading = None
        self._uid = None
        # The key's name in the state directory: never the key, and not the URL (the same key reached through
        # two spellings of one host is one key at OKX, with one rate limit).
        self.key_id = digest(self.network, "key", api_key)

    def mask(self, text):
        """``text`` with every occurrence of the client's API key, secret and passphrase replaced by ********."""
        for form in self._secret_forms:
            text = text.replace(form, MASK)
        return text

    def _okx_text(self, text):
        """Text from OKX's reply as a message may show it: credentials masked first, then cut to MAX_OKX_TEXT."""
        return cut(self.mask(text))

    # --- OKX's clock ------------------------------------------------------------------------------------------

    def clock_reading(self, fresh=False):
        """OKX's time tied to an instant of our monotonic clock, shared by the user's processes for a while."""
        name = "clock-%s.json" % digest(self.base_url)
        now = self.clock.monotonic()
        if not fresh and self._reading is None:
            saved = self.state.read_json(name) or {}
            try:
                reading = ClockReading(int(saved["okx_ms"]), float(saved["mono"]), float(saved["uncertainty_ms"]))
            except (KeyError, TypeError, ValueError):
                reading = None  # none yet, or not one this version wrote: take a new one
            if reading and saved.get("boot") == boot_id() and 0 <= now - reading.mono < CLOCK_READING_TTL:
                self._reading = reading
        if fresh or self._reading is None or now - self._reading.mono >= CLOCK_READING_TTL:
            started = self.clock.monotonic()
            data = self.request(PUBLIC_TIME)
            finished = self.clock.monotonic()
            entry = data[0] if data and isinstance(data[0], dict) else {}
            ts = entry.get("ts")
            if not (isinstance(ts, str) and ts.isdigit()):
                raise malformed(PUBLIC_TIME, "data[0].ts", ts, "OKX's time in milliseconds", mask=self.mask)
            self._reading = ClockReading(int(ts), (started + finished) / 2, (finished - started) * 500 + 1)
            self.state.write_json(name, dict(self._reading._asdict(), boot=boot_id()))
        return self._reading

    def okx_ms(self, mono):
        """OKX's time at a monotonic instant of this boot, and how far off it may be (both in ms)."""
        reading = self.clock_reading()
        age = abs(mono - reading.mono)
        return int(reading.okx_ms + (mono - reading.mono) * 1000), reading.uncertainty_ms + age * CLOCK_DRIFT * 1000

    def _timestamp_ms(self):
        """What to sign with: OKX's time when a reading is at hand, else ours (50102 then takes a reading)."""
        if self._sync_time and self._reading is None:
            self.clock_reading()
        if self._reading is not None:
            return self.okx_ms(self.clock.monotonic())[0]
        return int(self.clock.time() * 1000)

    # --- the account's User ID: OKX counts rate limits per User ID, not per API key ------------------------------

    def _uid_file(self):
        # Per URL: another api_url may be another OKX (a simulator) where the key names another account.
        return "uid-%s.json" % digest(self.base_url, self.network, self._api_key)

    def user_id(self):
        """The uid of the key's account: read once from GET /api/v5/account/config, then kept in the state dir."""
        if self._uid is None:
            cached = self._cached_uid()
            if isinstance(cached, str) and cached.isdigit():
                self._uid = cached
            else:
                self.account_config()
        return self._uid

    def _cached_uid(self):
        return (self.state.read_json(self._uid_file()) or {}).get("uid")

    def account_config(self):
        """GET /api/v5/account/config, read now (its settings change): the reply's object, whose uid is checked
        and kept as user_id()."""
        data = self.request(ACCOUNT_CONFIG)
        config = data[0] if len(data) == 1 and isinstance(data[0], dict) else {}
        uid = config.get("uid")
        if not (isinstance(uid, str) and uid.isdigit()):
            raise malformed(ACCOUNT_CONFIG, "data[0].uid", uid, "the account's User ID (digits)", mask=self.mask)
        if uid != self._uid:
            self._uid = uid
            if uid != self._cached_uid():  # written once, not by every task that reads the config
                self.state.write_json(self._uid_file(), {"uid": uid})
        return config

    def account_id(self):
        """A short, stable name of the account at OKX (live or demo, and its uid), however api_url is spelled: what
        locks and rate-limit slots of the account are keyed by, so two keys or two URLs of it share them."""
        return digest(self.network, "uid", self.user_id())

    def _slot_name(self, endpoint):
        # Keyed by who OKX counts the limit of, never by base_url: two spellings of one host share one slot.
        if endpoint.public:
            who = ("ip",)
        elif endpoint is ACCOUNT_CONFIG:
            who = ("key", self.key_id)  # the uid is what this call finds out
        else:
            who = ("uid", self.user_id())
        return "rate-%s.lock" % digest(*((self.network,) + who + (endpoint.path,)))

    # --- requests -----------------------------------------------------------------------------------------------

    def request(self, endpoint, params=None, body=None, on_send=None):
        """Call ``endpoint``; the ``data`` list of OKX's reply. ``on_send(mono)`` runs just before each send."""
        query = urlencode([(k, v) for k, v in sorted((params or {}).items()) if v is not None])
        request_path = endpoint.path + ("?" + query if query else "")
        return self._request(endpoint, request_path, encode_body(body), on_send)

    def _request(self, endpoint, request_path, body_text, on_send):
        resynced = False
        attempt = 0
        while True:
            try:
                return self._send(endpoint, request_path, body_text, on_send)
            except OKXError as err:
                if err.code == TIMESTAMP_EXPIRED_CODE and not endpoint.public and not resynced:
                    resynced = True
                    self._warn("OKX answered 50102 (timestamp expired): read OKX's clock, signing again")
                    self.clock_reading(fresh=True)
                    continue
                if attempt >= self._retries or not self._may_retry(endpoint, err):
                    raise
                delay = self._backoff(attempt, endpoint, err)
                if delay is None:
                    err.msg += "; OKX asked to retry after %s s, longer than the %d s a task waits" % (
                        err.retry_after, MAX_RETRY_AFTER)
                    raise
                attempt += 1
                self._warn("%s failed (%s); retry %d of %d in %.1f s" % (endpoint, err.msg, attempt, self._retries, delay))
                self.clock.sleep(delay)

    @staticmethod
    def _may_retry(endpoint, err):
        """Anything OKX did not run may be sent again; a GET also when its outcome is unknown."""
        if err.never_sent or err.code in NOT_EXECUTED_CODES or err.http_status == 429:
            return True
        return endpoint.method == "GET" and (err.outcome_unknown or err.kind == "malformed")

    @staticmethod
    def _backoff(attempt, endpoint, err):
        """Exponential backoff with jitter, never sooner than OKX's limit or Retry-After; None: asked too long."""
        if err.retry_after is not None and err.retry_after > MAX_RETRY_AFTER:
            return None
        delay = min(MAX_RETRY_AFTER, 0.5 * (2 ** attempt)) * random.uniform(0.5, 1.0)
        if err.code == RATE_LIMITED_CODE or err.http_status == 429:
            delay = max(delay, endpoint.min_interval or 1.0)
        return max(delay, err.retry_after or 0.0)

    def _headers(self, endpoint, request_path, body_text):
        headers = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": self._user_agent}
        if self._demo:
            headers["x-simulated-trading"] = "1"
        if not endpoint.public:
            timestamp = iso_timestamp(self._timestamp_ms())
            headers.update({
                "OK-ACCESS-KEY": self._api_key,
                "OK-ACCESS-SIGN": sign(self._api_secret, timestamp, endpoint.method, request_path, body_text),
                "OK-ACCESS-TIMESTAMP": timestamp,
                "OK-ACCESS-PASSPHRASE": self._api_passphrase,
            })
        return headers

    def _send(self, endpoint, request_path, body_text, on_send):
        slot = self._slot_name(endpoint) if endpoint.min_interval else None
        with (self.state.lock(slot) if slot else contextlib.nullcontext()) as fd:
            if fd is not None:
                self._wait_for_slot(fd, endpoint.min_interval)
            # Signed after any wait for the slot, so the timestamp is fresh.
            headers = self._headers(endpoint, request_path, body_text)
            sent = self.clock.monotonic()
            if on_send:
                on_send(sent)
            try:
                status, reply_headers, content = self._exchange(endpoint.method, self.base_url + request_path,
                                                                headers, body_text)
            except OKXError as err:
                err.endpoint, err.sent = endpoint, (sent, self.clock.monotonic())
                raise
            finally:
                if fd is not None:
                    # OKX received the request no later than now: the next call waits from here.
                    _write_instant(fd, self.clock.monotonic())
        return self._parse(endpoint, status, reply_headers, content, (sent, self.clock.monotonic()))

    def _wait_for_slot(self, fd, interval):
        last = _read_instant(fd)
        wait = min(last + interval - self.clock.monotonic(), interval)
        if wait > 0:
            self.clock.sleep(wait)

    def _exchange(self, method, url, headers, body_text):
        """One HTTP exchange within ``timeout`` seconds in all (connect, send, the whole reply): status, headers, body.

        requests' own timeout bounds each socket read, not the whole reply, so the call runs in a thread that is
        abandoned (with its session) at the deadline: a reply trickling in cannot hold the task or the rate-limit slot.
        A body is read to MAX_REPLY_BYTES at most: a longer one fails, its outcome unknown.
        """
        session = self._session = self._session or self._new_session()
        outcome = {}

        def call():
            try:
                # Streamed, so that the body is read here, within the deadline, and no further than MAX_REPLY_BYTES.
                response = session.request(method, url, headers=headers, data=body_text.encode("utf-8") or None,
                                           timeout=self.timeout, allow_redirects=False, stream=True)
                try:
                    outcome["reply"] = (response.status_code, response.headers, _read_body(response))
                finally:
                    response.close()  # a body cut short closes its connection rather than drain it
            except requests.exceptions.RequestException as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=call, name="okx-request")
        worker.daemon = True
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            self._session = None  # the abandoned thread keeps it; the next request gets a new one
            raise OKXError("got no complete reply from OKX at %s within timeout=%s s" % (self.base_url, self.timeout),
                           kind="lost", outcome_unknown=True)
        if "error" in outcome:
            kind = _failure_kind(outcome["error"])
            never_sent = kind != "lost"
            text = {"dns": "could not resolve %s" % parse_url(self.base_url).host,
                    "connect": "could not connect to OKX at %s" % self.base_url,
                    "tls": "the TLS certificate of %s could not be verified" % self.base_url,
                    "lost": "got no reply from OKX at %s" % self.base_url}[kind]
            raise OKXError("%s: %s" % (text, type(outcome["error"]).__name__), kind=kind, never_sent=never_sent,
                           outcome_unknown=not never_sent)
        status, reply_headers, content = outcome["reply"]
        if content is None:
            # OKX may have run the request before this reply: its outcome is open.
            raise OKXError("the reply of OKX at %s exceeded %d bytes (HTTP %d): not read further"
                           % (self.base_url, MAX_REPLY_BYTES, status), kind="http", http_status=status,
                           outcome_unknown=True)
        return outcome["reply"]

    def _new_session(self):
        # A Session keeps the connection alive and honours HTTP(S)_PROXY / NO_PROXY from the environment.
        session = requests.Session()
        session.verify = self._validate_certs
        return session

    def _parse(self, endpoint, status, headers, content, sent):
        """The ``data`` of an OKX success reply; OKXError for anything else, saying whether it may have run."""
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if 300 <= status < 400:
            raise OKXError("OKX answered HTTP %d (a redirect, not followed: it would resend the credentials): check "
                           "api_url" % status, kind="redirect", http_status=status, endpoint=endpoint, never_sent=False,
                           sent=sent)
        try:
            payload = json.loads(content.decode("utf-8"))
        except ValueError:  # also UnicodeDecodeError
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("code"), (str, int)):
            # Not OKX's JSON: a proxy's page, a truncated body. It may come after OKX ran the request.
            raise OKXError("OKX answered HTTP %d without an OKX JSON reply" % status, kind="http", http_status=status,
                           endpoint=endpoint, outcome_unknown=status != 404, retry_after=retry_after, sent=sent)
        # Both are OKX's text and go into messages: masked and cut (a real code is a few digits, unchanged).
        code = self._okx_text(str(payload["code"]))
        okx_msg = self._okx_text(payload.get("msg")) if isinstance(payload.get("msg"), str) else ""
        if code == "0" and 200 <= status < 300:
            data = payload.get("data")
            if not isinstance(data, list):
                err = malformed(endpoint, "data", data, "a list", mask=self.mask)
                err.outcome_unknown, err.sent = True, sent
                raise err
            return data
        advice = ENVIRONMENT_MISMATCH_ADVICE[bool(self._demo)] if code == ENVIRONMENT_MISMATCH_CODE else None
        raise OKXError("OKX error %s: %s" % (code, okx_msg or "no message"), code=code, okx_msg=okx_msg,
                       http_status=status, endpoint=endpoint, retry_after=retry_after, sent=sent, advice=advice,
                       outcome_unknown=code in OUTCOME_UNKNOWN_CODES or (status >= 500 and code not in NOT_EXECUTED_CODES))


def _read_instant(fd):
    """The monotonic instant stored in a rate-limit slot file (0 when empty or unreadable)."""
    try:
        return float(os.pread(fd, 32, 0).decode("ascii") or 0)
    except ValueError:
        return 0.0


def _write_instant(fd, mono):
    os.pwrite(fd, ("%20.6f" % mono).encode("ascii"), 0)  # fixed width: no truncation needed
