# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport: signing, the bytes sent, URL checks, deadlines, retries, Retry-After, rate limits, OKX's clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import (
    ACCOUNT_CONFIG,
    MAX_OKX_TEXT,
    MAX_REPLY_BYTES,
    MAX_RETRY_AFTER,
    PUBLIC_TIME,
    USER_AGENT,
    Endpoint,
    OKXClient,
    base_url,
    encode_body,
    iso_timestamp,
    parse_retry_after,
    sign,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import CURRENCY_LIST, HISTORY, REPAY
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import digest
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import KEY, PASSPHRASE, SECRET, UID, URL, reply

# The vectors of shared/okx/signature-vectors.json (python-okx and ccxt agree on them), shared with the simulator.
VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "okx-signature-vectors.json")
BODY = {"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]}


def load_vectors():
    with open(VECTORS) as handle:
        return json.load(handle)


@pytest.fixture
def account(okx):
    """OKX's answer to GET /api/v5/account/config: the uid rate limits count by."""
    okx.add(responses.GET, URL + "/api/v5/account/config", **reply([{"uid": UID}]))
    return okx


# --- signing and the bytes sent ----------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: "%s %s" % (v["method"], v["request_path"]))
def test_sign_matches_okx_vectors(vector):
    assert sign(vector["secret"], vector["timestamp"], vector["method"], vector["request_path"], vector["body"]) \
        == vector["signature"]


def test_a_spaced_body_signs_differently_from_the_compact_one():
    spaced = load_vectors()[3]
    compact = encode_body(json.loads(spaced["body"]))
    assert compact == '{"debtCcy":"USDT","repayCcyList":["USDT","ETH","BTC"]}'
    assert sign(spaced["secret"], spaced["timestamp"], "POST", spaced["request_path"], compact) != spaced["signature"]


@pytest.mark.parametrize("epoch_ms, text", [(1607418537715, "2020-12-08T09:08:57.715Z"),
                                            (1607418537000, "2020-12-08T09:08:57.000Z")])
def test_iso_timestamp_has_milliseconds_and_z(epoch_ms, text):
    assert iso_timestamp(epoch_ms) == text


def test_a_post_sends_exactly_the_signed_bytes_and_names_the_collection(account, make_client, clock):
    account.add(responses.POST, URL + REPAY.path, **reply([{"ts": "1"}]))
    make_client().request(REPAY, body=BODY)
    request = account.calls[-1].request
    assert request.body == b'{"debtCcy":"USDC","repayCcyList":["USDC","BTC"]}'
    headers = request.headers
    assert (headers["OK-ACCESS-KEY"], headers["OK-ACCESS-PASSPHRASE"]) == (KEY, PASSPHRASE)
    assert headers["OK-ACCESS-TIMESTAMP"] == iso_timestamp(int(clock.now * 1000))
    assert headers["Content-Type"] == "application/json" and "x-simulated-trading" not in headers
    assert headers["User-Agent"] == USER_AGENT == "cryptoops.okx/0.1.0"
    assert headers["OK-ACCESS-SIGN"] == sign(SECRET, headers["OK-ACCESS-TIMESTAMP"], "POST", REPAY.path,
                                             request.body.decode("utf-8"))


def test_a_client_may_say_which_part_of_the_collection_it_is(account, make_client):
    account.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": "1"}]))
    make_client(user_agent=USER_AGENT + " okx_debts").request(_okx_client.PUBLIC_TIME)
    assert account.calls[-1].request.headers["User-Agent"] == "cryptoops.okx/0.1.0 okx_debts"


def test_the_user_agent_names_the_released_version():
    galaxy = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")
    with open(galaxy) as handle:
        assert "version: %s\n" % _okx_client.COLLECTION_VERSION in handle.read()


def test_a_get_signs_its_query_string_and_demo_sends_the_header(account, make_client):
    account.add(responses.GET, URL + HISTORY.path, **reply([]))
    make_client(demo=True).request(HISTORY, params={"limit": "10", "after": None})
    request = account.calls[-1].request
    assert request.path_url == HISTORY.path + "?limit=10" and request.body is None
    assert request.headers["x-simulated-trading"] == "1"
    assert request.headers["OK-ACCESS-SIGN"] == sign(SECRET, request.headers["OK-ACCESS-TIMESTAMP"], "GET",
                                                     request.path_url)


def test_a_public_call_is_not_signed(okx, make_client):
    okx.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": "1700000000000"}]))
    make_client().clock_reading()
    assert not any(name.startswith("OK-ACCESS") for name in okx.calls[0].request.headers)


# --- api_url: one parser, the one requests uses ----------------------------------------------------------------------

@pytest.mark.parametrize("url, site", [
    ("https://www.okx.com", "https://www.okx.com"),
    ("HTTPS://WWW.OKX.COM/", "https://www.okx.com"),
    ("https://eea.okx.com:443", "https://eea.okx.com:443"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://localhost:8080/", "http://localhost:8080"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_api_url_accepted(url, site):
    assert base_url(url) == site


@pytest.mark.parametrize("url, message", [
    ("http://evil.example\\@127.0.0.1:8080", "without a path"),
    ("http://evil.example:80", "https://"),
    ("https://user:secret-pass@www.okx.com", "user name or password"),
    ("https://www.okx.com/api/v5", "without a path: use https://www.okx.com, not https://www.okx.com/api/v5"),
    ("https://www.okx.com?x=1", "query"),
    ("https://www.okx.com#top", "fragment"),
    ("www.okx.com", "not a valid URL"),
    ("https://", "not a valid URL"),
    ("ftp://www.okx.com", "https://"),
], ids=["backslash-userinfo", "http-remote", "userinfo", "path", "query", "fragment", "no-scheme", "no-host", "ftp"])
def test_api_url_refused_without_repeating_credentials(url, message):
    with pytest.raises(OKXError) as caught:
        base_url(url)
    assert message in caught.value.msg
    assert "secret-pass" not in caught.value.msg and "user:secret" not in caught.value.msg


# --- replies, and what may have run ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stub, kind, code, status, unknown", [
    (reply(code="50113", msg="Invalid signature.", status=401), "okx", "50113", 401, False),
    (reply(code="51010", msg="account mode", status=200), "okx", "51010", 200, False),
    (dict(body="<html>502 Bad Gateway</html>", status=502), "http", None, 502, True),
    (dict(body="<html>gateway</html>", status=200), "http", None, 200, True),
    (dict(body='{"code":"0","data":[{"ts"', status=200), "http", None, 200, True),
    (dict(body="Not Found", status=404), "http", None, 404, False),
    (dict(json={"code": "0", "msg": ""}, status=200), "malformed", None, None, True),
    (reply(code="50026", msg="System error", status=500), "okx", "50026", 500, True),
    (reply(code="50004", msg="endpoint timeout", status=400), "okx", "50004", 400, True),
    (dict(body="", status=301, headers={"Location": "https://evil.example/"}), "redirect", None, 301, False),
], ids=["auth", "business-200", "html-5xx", "html-200", "truncated-json", "html-404", "no-data", "system-error",
        "endpoint-timeout", "redirect"])
def test_every_reply_is_checked(account, make_client, stub, kind, code, status, unknown):
    account.add(responses.POST, URL + REPAY.path, **stub)
    with pytest.raises(OKXError) as caught:
        make_client(retries=0).request(REPAY, body=BODY)
    err = caught.value
    assert (err.kind, err.code, err.http_status, err.outcome_unknown) == (kind, code, status, unknown)
    assert err.endpoint is REPAY
    assert len([call for call in account.calls if call.request.method == "POST"]) == 1


def test_an_error_carries_no_secret(account, make_client):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply(code="50105", msg="passphrase incorrect", status=401))
    with pytest.raises(OKXError) as caught:
        make_client().request(CURRENCY_LIST)
    signature = account.calls[-1].request.headers["OK-ACCESS-SIGN"]
    text = json.dumps(vars(caught.value), default=str)
    for secret in (SECRET, PASSPHRASE, signature, KEY):
        assert secret not in text


def test_a_dns_failure_could_not_resolve_and_was_never_sent(make_client, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(OKXError) as caught:
        make_client(api_url="https://www.okx.co", retries=0).clock_reading()
    assert (caught.value.kind, caught.value.never_sent, caught.value.outcome_unknown) == ("dns", True, False)
    assert caught.value.msg.startswith("could not resolve www.okx.co")


def test_connection_refused_was_never_sent(make_client):
    with pytest.raises(OKXError) as caught:
        make_client(api_url="http://127.0.0.1:9", retries=0, timeout=2).clock_reading()
    assert (caught.value.kind, caught.value.never_sent) == ("connect", True)
    assert "could not connect" in caught.value.msg


def test_a_read_timeout_leaves_the_outcome_unknown_and_a_post_is_not_sent_again(account, make_client):
    account.add(responses.POST, URL + REPAY.path, body=requests.exceptions.ReadTimeout("timed out"))
    with pytest.raises(OKXError) as caught:
        make_client().request(REPAY, body=BODY)
    assert (caught.value.kind, caught.value.outcome_unknown, caught.value.never_sent) == ("lost", True, False)
    assert caught.value.sent is not None
    assert len([call for call in account.calls if call.request.method == "POST"]) == 1


class RawServer:
    """A real HTTP server on loopback that answers each request with ``reply(conn)``, then closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            try:
                self.reply(conn)
            except OSError:
                pass
            conn.close()

    def reply(self, conn):
        raise NotImplementedError


class DripServer(RawServer):
    """Its reply trickles in a byte at a time: each read is quick, the whole is not."""

    def __init__(self, gap=0.2):
        self.gap = gap
        RawServer.__init__(self)

    def reply(self, conn):
        body = b'{"code":"0","msg":"","data":[{"ts":"1700000000000"}]}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(self.gap)


def test_a_reply_trickling_in_is_cut_at_the_deadline(make_client):
    """timeout bounds the whole exchange, not each read: the task and its rate-limit slot are freed."""
    client = make_client(api_url=DripServer().url, retries=0, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(OKXError) as caught:
        client.clock_reading()
    assert time.monotonic() - started < 3
    assert (caught.value.kind, caught.value.outcome_unknown) == ("lost", True)
    assert "within timeout=1.0 s" in caught.value.msg


class FloodServer(RawServer):
    """Its reply never ends: 64 KiB after 64 KiB, as fast as the client reads."""

    def reply(self, conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        while True:
            conn.sendall(b" " * 65536)


def test_an_endless_reply_is_cut_at_the_cap_long_before_the_deadline(make_client):
    client = make_client(api_url=FloodServer().url, retries=0, timeout=30.0)
    started = time.monotonic()
    with pytest.raises(OKXError) as caught:
        client.clock_reading()
    assert time.monotonic() - started < 15
    assert (caught.value.kind, caught.value.outcome_unknown, caught.value.http_status) == ("http", True, 200)
    assert "exceeded %d bytes" % MAX_REPLY_BYTES in caught.value.msg


def test_a_reply_past_the_cap_may_have_run_and_a_post_is_not_sent_again(account, make_client):
    account.add(responses.POST, URL + REPAY.path, body=b"{" + b" " * MAX_REPLY_BYTES, status=200)
    with pytest.raises(OKXError) as caught:
        make_client().request(REPAY, body=BODY)
    assert (caught.value.kind, caught.value.outcome_unknown, caught.value.never_sent) == ("http", True, False)
    assert caught.value.endpoint is REPAY and caught.value.sent is not None
    assert "exceeded 2097152 bytes" in caught.value.msg
    assert len([call for call in account.calls if call.request.method == "POST"]) == 1


def test_a_reply_of_exactly_the_cap_is_read(account, make_client):
    frame = '{"code":"0","msg":"%s","data":[{"ts":"1"}]}'
    body = frame % ("x" * (MAX_REPLY_BYTES - len(frame % "")))
    assert len(body) == MAX_REPLY_BYTES
    account.add(responses.POST, URL + REPAY.path, body=body, status=200)
    assert make_client().request(REPAY, body=BODY) == [{"ts": "1"}]


def test_redirects_are_not_followed(account, make_client):
    account.add(responses.GET, URL + CURRENCY_LIST.path, status=302, headers={"Location": "https://evil.example/x"})
    with pytest.raises(OKXError, match="redirect, not followed"):
        make_client(retries=0).request(CURRENCY_LIST)
    assert not any("evil" in call.request.url for call in account.calls)


# --- OKX's text: the credentials masked, and cut ---------------------------------------------------------------------

def test_okx_text_never_repeats_the_credentials_in_retry_warnings_or_the_failure(account, make_client):
    echo = "bad request: key %s, secret %s, passphrase %s" % (KEY, SECRET, PASSPHRASE)
    account.add(responses.POST, URL + REPAY.path, **reply(code="50013", msg=echo, status=503))
    account.add(responses.POST, URL + REPAY.path, **reply(code="51000", msg=echo, status=400))
    warnings = []
    with pytest.raises(OKXError) as caught:
        make_client(warn=warnings.append).request(REPAY, body=BODY)
    err = caught.value
    assert len(warnings) == 1 and "50013" in warnings[0] and "********" in warnings[0]
    assert err.code == "51000" and err.okx_msg == "bad request: key ********, secret ********, passphrase ********"
    for text in warnings + [err.msg, json.dumps(vars(err), default=str)]:
        for secret in (KEY, SECRET, PASSPHRASE):
            assert secret not in text


def test_okx_text_is_cut_and_a_credential_at_the_cut_is_masked_whole(account, make_client):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply(code="51000", msg="y" * 10000, status=400))
    account.add(responses.GET, URL + HISTORY.path, **reply(code="51000", msg="y" * 195 + KEY, status=400))
    with pytest.raises(OKXError) as caught:
        make_client().request(CURRENCY_LIST)
    assert len(caught.value.okx_msg) == MAX_OKX_TEXT == 200 and caught.value.okx_msg.endswith("...")
    assert caught.value.msg == "OKX error 51000: " + caught.value.okx_msg
    with pytest.raises(OKXError) as caught:
        make_client().request(HISTORY)
    assert len(caught.value.okx_msg) <= MAX_OKX_TEXT and "unit" not in caught.value.okx_msg


def test_a_malformed_value_does_not_show_a_credential_even_in_part(okx, make_client):
    okx.add(responses.GET, URL + ACCOUNT_CONFIG.path, **reply([{"uid": "x" * 70 + KEY}]))
    with pytest.raises(OKXError) as caught:
        make_client(retries=0).user_id()
    assert caught.value.kind == "malformed" and "********" in caught.value.msg
    assert "unit-k" not in caught.value.msg


def test_mask_hides_each_credential_whole_as_written_and_as_json_writes_it(make_client):
    client = make_client(api_key="abc", api_secret='abc"def', api_passphrase="")
    assert client.mask('x abc"def y abc z "abc\\"def"') == 'x ******** y ******** z "********"'
    assert client.mask("nothing to hide") == "nothing to hide"


# --- retries -------------------------------------------------------------------------------------------------------

GET, POST = Endpoint("GET", "/x"), Endpoint("POST", "/x")


@pytest.mark.parametrize("endpoint, error, expected", [
    (GET, OKXError("x", http_status=503, outcome_unknown=True), True),
    (GET, OKXError("x", code="50011", http_status=429), True),
    (GET, OKXError("x", kind="lost", outcome_unknown=True), True),
    (GET, OKXError("x", kind="malformed"), True),
    (GET, OKXError("x", code="50113", http_status=401), False),
    (GET, OKXError("x", code="51000", http_status=400), False),
    (POST, OKXError("x", code="50011", http_status=429), True),
    (POST, OKXError("x", code="50013", http_status=503), True),
    (POST, OKXError("x", code="50001", http_status=503), True),
    (POST, OKXError("x", http_status=429), True),
    (POST, OKXError("x", kind="connect", never_sent=True), True),
    (POST, OKXError("x", code="50026", http_status=500, outcome_unknown=True), False),
    (POST, OKXError("x", code="50004", http_status=400, outcome_unknown=True), False),
    (POST, OKXError("x", kind="http", http_status=200, outcome_unknown=True), False),
    (POST, OKXError("x", kind="malformed", outcome_unknown=True), False),
    (POST, OKXError("x", kind="lost", outcome_unknown=True), False),
    (POST, OKXError("x", code="51000", http_status=400), False),
])
def test_retry_decisions(endpoint, error, expected):
    assert OKXClient._may_retry(endpoint, error) is expected


def test_backoff_is_exponential_with_jitter_and_respects_the_limit_and_retry_after():
    err = OKXError("x", http_status=503)
    for attempt in range(5):
        assert 0.25 * 2 ** attempt <= OKXClient._backoff(attempt, CURRENCY_LIST, err) <= 0.5 * 2 ** attempt
    assert OKXClient._backoff(20, CURRENCY_LIST, err) <= MAX_RETRY_AFTER
    assert OKXClient._backoff(0, REPAY, OKXError("x", code="50011", http_status=429)) >= 2.0
    assert OKXClient._backoff(0, CURRENCY_LIST, OKXError("x", http_status=503, retry_after=7)) >= 7
    assert OKXClient._backoff(0, CURRENCY_LIST, OKXError("x", http_status=429, retry_after=86400)) is None


@pytest.mark.parametrize("header, seconds", [("1.5", 1.5), ("0", 0.0), ("86400", 86400.0), ("inf", None),
                                             ("nan", None), ("-1", None), ("abc", None), (None, None),
                                             ("Wed, 21 Oct 2026 07:28:00 GMT", None)])
def test_retry_after_must_be_a_finite_number(header, seconds):
    assert parse_retry_after(header) == seconds


def test_a_retry_after_of_a_day_is_not_slept(account, make_client, clock):
    account.add(responses.GET, URL + CURRENCY_LIST.path, headers={"Retry-After": "86400"},
                **reply(code="50011", msg="Too Many Requests", status=429))
    with pytest.raises(OKXError, match="OKX asked to retry after 86400.0 s, longer than the 30 s"):
        make_client().request(CURRENCY_LIST)
    assert max(clock.sleeps or [0]) < MAX_RETRY_AFTER


def test_gets_are_retried_until_they_succeed_and_each_retry_warns(account, make_client):
    account.add(responses.GET, URL + CURRENCY_LIST.path, body="oops", status=500)
    account.add(responses.GET, URL + CURRENCY_LIST.path, headers={"Retry-After": "inf"},
                **reply(code="50013", msg="busy", status=503))
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply([{"debtData": []}]))
    warnings = []
    assert make_client(warn=warnings.append).request(CURRENCY_LIST) == [{"debtData": []}]
    assert len(warnings) == 2


def test_retries_are_bounded(account, make_client):
    account.add(responses.GET, URL + CURRENCY_LIST.path, body="oops", status=500)
    with pytest.raises(OKXError):
        make_client(retries=2).request(CURRENCY_LIST)
    assert len([call for call in account.calls if CURRENCY_LIST.path in call.request.url]) == 3


def test_a_post_okx_did_not_run_is_sent_again(account, make_client):
    account.add(responses.POST, URL + REPAY.path, **reply(code="50011", msg="Too Many Requests", status=429))
    account.add(responses.POST, URL + REPAY.path, **reply([{"ts": "1"}]))
    assert make_client().request(REPAY, body=BODY) == [{"ts": "1"}]


# --- OKX's clock -----------------------------------------------------------------------------------------------------

def test_an_expired_timestamp_reads_okx_clock_and_signs_again_once(account, make_client, clock):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply(code="50102", msg="Timestamp expired", status=401))
    account.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": str(int((clock.now + 90) * 1000))}]))
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply([]))
    make_client().request(CURRENCY_LIST)
    first, second = [call.request for call in account.calls if CURRENCY_LIST.path in call.request.url]
    assert second.headers["OK-ACCESS-TIMESTAMP"] == iso_timestamp(int((clock.now + 90) * 1000))
    assert first.headers["OK-ACCESS-SIGN"] != second.headers["OK-ACCESS-SIGN"]


def test_an_expired_timestamp_is_read_again_only_once(account, make_client, clock):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply(code="50102", msg="Timestamp expired", status=401))
    account.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": str(int(clock.now * 1000))}]))
    with pytest.raises(OKXError) as caught:
        make_client().request(CURRENCY_LIST)
    assert caught.value.code == "50102"


def test_a_clock_reading_is_shared_by_the_users_processes_and_maps_monotonic_time(okx, make_client, clock):
    okx.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": str(int((clock.now - 300) * 1000))}]))
    first = make_client()
    assert first.okx_ms(clock.monotonic())[0] == int((clock.now - 300) * 1000)
    clock.now += 10
    second = make_client()
    okx_ms, uncertainty = second.okx_ms(clock.monotonic())
    assert okx_ms == int((clock.now - 300) * 1000) and uncertainty < 20
    assert len(okx.calls) == 1, "the second client reused the first one's reading"


# --- rate limits: per User ID, across processes -------------------------------------------------------------------------

def test_the_limiter_waits_only_for_what_is_left(account, make_client, clock):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply([]))
    client = make_client()
    client.request(CURRENCY_LIST)
    clock.now += 0.5  # Ansible's own overhead between two tasks
    client.request(CURRENCY_LIST)
    assert clock.sleeps == [pytest.approx(1.5)]


def test_two_keys_of_one_account_share_its_spacing(account, make_client, clock):
    """OKX counts per User ID: a second key of the same account waits too, instead of meeting 50011."""
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply([]))
    make_client().request(CURRENCY_LIST)
    make_client(api_key="second-key-of-the-account").request(CURRENCY_LIST)
    assert clock.sleeps == [pytest.approx(2.0)]


def test_state_files_never_name_the_key(account, make_client, state_dir):
    account.add(responses.GET, URL + CURRENCY_LIST.path, **reply([]))
    make_client().request(CURRENCY_LIST)
    for name in os.listdir(state_dir.path):
        assert KEY not in name
        with open(state_dir.file(name)) as handle:
            assert KEY not in handle.read()


# --- one account, one identity: not the spelling of api_url ----------------------------------------------------------

def rate_files(state_dir):
    return sorted(name for name in os.listdir(state_dir.path) if name.startswith("rate-"))


def test_two_spellings_of_one_host_are_one_account_with_one_rate_limit(okx, make_client, clock, state_dir):
    """127.0.0.1 and localhost reach the same OKX: one account_id, the same slot files, one spacing."""
    numeric, named = "http://127.0.0.1:8443", "http://localhost:8443"
    for site in (numeric, named):
        okx.add(responses.GET, site + ACCOUNT_CONFIG.path, **reply([{"uid": UID}]))
        okx.add(responses.POST, site + REPAY.path, **reply([{"ts": "1"}]))
        okx.add(responses.GET, site + CURRENCY_LIST.path, **reply([]))
    first, second = make_client(api_url=numeric), make_client(api_url=named)
    first.request(REPAY, body=BODY)
    first.request(CURRENCY_LIST)
    files = rate_files(state_dir)
    second.request(REPAY, body=BODY)
    second.request(CURRENCY_LIST)
    assert first.account_id() == second.account_id() == digest("live", "uid", UID)
    for endpoint in (REPAY, CURRENCY_LIST, HISTORY, ACCOUNT_CONFIG, PUBLIC_TIME):
        assert first._slot_name(endpoint) == second._slot_name(endpoint)
    assert rate_files(state_dir) == files, "the second spelling made no slot of its own"
    # The second client's uid lookup waited on the first one's (0.4 s per key), its repay on the rest of 2 s.
    assert clock.sleeps == [pytest.approx(0.4), pytest.approx(1.6)]


@pytest.mark.parametrize("url", ["https://www.okx.com:443", "https://www.okx.com.", "HTTPS://WWW.OKX.COM/",
                                 "http://127.0.0.1:8080", "http://[::1]:8080"])
def test_the_account_and_its_slots_do_not_depend_on_how_api_url_is_spelled(okx, make_client, url):
    okx.add(responses.GET, re.compile(r"https?://[^/]+/api/v5/account/config$"), **reply([{"uid": UID}]))
    spelled, plain = make_client(api_url=url), make_client()
    assert spelled.account_id() == plain.account_id()
    assert spelled.key_id == plain.key_id
    for endpoint in (REPAY, CURRENCY_LIST, HISTORY, ACCOUNT_CONFIG, PUBLIC_TIME):
        assert spelled._slot_name(endpoint) == plain._slot_name(endpoint)


def test_live_and_demo_are_two_accounts(account, make_client):
    live, demo = make_client(), make_client(demo=True)
    assert live.account_id() != demo.account_id() and live.key_id != demo.key_id
    for endpoint in (REPAY, CURRENCY_LIST, ACCOUNT_CONFIG, PUBLIC_TIME):
        assert live._slot_name(endpoint) != demo._slot_name(endpoint)
    # The uid cached for live is not taken for demo: each asked OKX.
    assert len([call for call in account.calls if ACCOUNT_CONFIG.path in call.request.url]) == 2


LIMITED_CALL = """
import sys, time
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir
from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client
with StateDir(sys.argv[1]).lock("rate-test.lock") as fd:
    client = _okx_client.OKXClient("k", "s", "p", state=StateDir(sys.argv[1]))
    client._wait_for_slot(fd, 2.0)
    print(time.monotonic())
    _okx_client._write_instant(fd, time.monotonic())
"""


def test_the_limiter_spaces_calls_across_processes(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", LIMITED_CALL, str(tmp_path)], env=env, stdout=subprocess.PIPE,
                              universal_newlines=True) for dummy in range(3)]
    started = sorted(float(proc.communicate(timeout=30)[0]) for proc in procs)
    assert all(proc.returncode == 0 for proc in procs)
    gaps = [later - earlier for earlier, later in zip(started, started[1:])]
    assert min(gaps) >= 2.0 - 0.01, gaps
