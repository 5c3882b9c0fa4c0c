# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import subprocess
import sys

import pytest
import requests
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import (
    OKXClient,
    OKXError,
    RateLimiter,
    encode_body,
    iso_timestamp,
    private_state_dir,
    sign,
)
from ansible_collections.cryptoops.okx.tests.unit.conftest import KEY, PASSPHRASE, SECRET, URL, reply

# The vectors of shared/okx/signature-vectors.json (python-okx and ccxt agree on them), shared with the simulator.
VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "okx-signature-vectors.json")
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = "/api/v5/trade/one-click-repay-v2"
TIME = "/api/v5/public/time"


def load_vectors():
    with open(VECTORS) as handle:
        return json.load(handle)


@pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: "%s %s" % (v["method"], v["request_path"]))
def test_sign_matches_okx_vectors(vector):
    assert sign(vector["secret"], vector["timestamp"], vector["method"], vector["request_path"], vector["body"]) \
        == vector["signature"]


def test_a_spaced_body_signs_differently_from_the_compact_one():
    spaced = load_vectors()[3]
    compact = encode_body(json.loads(spaced["body"]))
    assert compact == '{"debtCcy":"USDT","repayCcyList":["USDT","ETH","BTC"]}'
    assert sign(spaced["secret"], spaced["timestamp"], "POST", spaced["request_path"], compact) != spaced["signature"]


def test_method_is_upper_cased_for_signing():
    vector = load_vectors()[1]
    assert sign(vector["secret"], vector["timestamp"], "get", vector["request_path"]) == vector["signature"]


@pytest.mark.parametrize("epoch, text", [
    (1607418537.715, "2020-12-08T09:08:57.715Z"),
    (1607418537.0, "2020-12-08T09:08:57.000Z"),
    (1607418537.0004, "2020-12-08T09:08:57.000Z"),
    (1607418537.9996, "2020-12-08T09:08:58.000Z"),
])
def test_iso_timestamp_has_milliseconds_and_z(epoch, text):
    assert iso_timestamp(epoch) == text


def test_encode_body():
    assert encode_body(None) == ""
    assert encode_body({"a": ["b", "c"]}) == '{"a":["b","c"]}'


def test_signed_request_sends_exactly_the_signed_bytes(okx, make_client, clock):
    okx.add(responses.POST, URL + REPAY, **reply([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "ts": "1"}]))
    make_client().post(REPAY, {"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]})
    request = okx.calls[0].request
    assert request.body == b'{"debtCcy":"USDC","repayCcyList":["USDC","BTC"]}'
    headers = request.headers
    assert headers["OK-ACCESS-KEY"] == KEY
    assert headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
    assert headers["OK-ACCESS-TIMESTAMP"] == iso_timestamp(clock.now)
    assert headers["Content-Type"] == "application/json"
    assert "x-simulated-trading" not in headers
    assert headers["OK-ACCESS-SIGN"] == sign(SECRET, headers["OK-ACCESS-TIMESTAMP"], "POST", REPAY,
                                             request.body.decode("utf-8"))


def test_get_signs_the_query_string_and_demo_sends_the_header(okx, make_client):
    okx.add(responses.GET, URL + "/api/v5/trade/one-click-repay-history-v2", **reply([]))
    make_client(demo=True).get("/api/v5/trade/one-click-repay-history-v2", params={"limit": 10, "after": None})
    request = okx.calls[0].request
    assert request.path_url == "/api/v5/trade/one-click-repay-history-v2?limit=10"
    assert request.body is None
    assert request.headers["x-simulated-trading"] == "1"
    assert request.headers["OK-ACCESS-SIGN"] == sign(SECRET, request.headers["OK-ACCESS-TIMESTAMP"], "GET",
                                                     request.path_url)


def test_public_call_is_not_signed(okx, make_client):
    okx.add(responses.GET, URL + TIME, **reply([{"ts": "1700000000000"}]))
    make_client().get(TIME, auth=False)
    assert not any(name.startswith("OK-ACCESS") for name in okx.calls[0].request.headers)


@pytest.mark.parametrize("stub, code, status, unknown", [
    (reply(code="50113", msg="Invalid signature.", status=401), "50113", 401, False),
    (reply(code="51010", msg="account mode", status=200), "51010", 200, False),
    (dict(body="<html>502 Bad Gateway</html>", status=502), None, 502, True),
    (dict(body="not json", status=400), None, 400, False),
    (dict(json={"unexpected": True}, status=200), None, 200, False),
    (reply(code="50026", msg="System error", status=500), "50026", 500, True),
    (reply(code="50004", msg="endpoint timeout", status=400), "50004", 400, True),
], ids=["auth", "business-200", "non-json-5xx", "non-json-4xx", "no-code", "system-error", "endpoint-timeout"])
def test_every_reply_is_checked(okx, make_client, stub, code, status, unknown):
    okx.add(responses.POST, URL + REPAY, **stub)
    with pytest.raises(OKXError) as caught:
        make_client(retries=0).post(REPAY, {"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    err = caught.value
    assert (err.code, err.http_status, err.outcome_unknown) == (code, status, unknown)
    assert err.endpoint == "POST " + REPAY


def test_error_reports_what_to_fix_and_no_secret(okx, make_client):
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply(code="50105", msg="passphrase incorrect", status=401))
    with pytest.raises(OKXError) as caught:
        make_client().get(CURRENCY_LIST)
    result = caught.value.as_result()
    assert result["okx_code"] == "50105" and result["okx_msg"] == "passphrase incorrect"
    assert result["http_status"] == 401 and result["endpoint"] == "GET " + CURRENCY_LIST
    assert "api_passphrase" in result["msg"]
    signature = okx.calls[0].request.headers["OK-ACCESS-SIGN"]
    for secret in (SECRET, PASSPHRASE, signature):
        assert secret not in json.dumps(result)


def test_connection_refused_was_never_sent(make_client):
    client = make_client(api_url="http://127.0.0.1:9", retries=0, timeout=2)
    with pytest.raises(OKXError) as caught:
        client.get(CURRENCY_LIST)
    assert caught.value.never_sent and not caught.value.outcome_unknown
    assert "could not connect" in caught.value.msg


def test_read_timeout_leaves_the_outcome_unknown(okx, make_client):
    okx.add(responses.POST, URL + REPAY, body=requests.exceptions.ReadTimeout("timed out"))
    with pytest.raises(OKXError) as caught:
        make_client().post(REPAY, {"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    assert caught.value.outcome_unknown and not caught.value.never_sent
    assert len(okx.calls) == 1, "a POST with a lost reply must not be sent again by the client"


@pytest.mark.parametrize("method, error, expected", [
    ("GET", OKXError("x", http_status=503, outcome_unknown=True), True),
    ("GET", OKXError("x", code="50011", http_status=429), True),
    ("GET", OKXError("x", outcome_unknown=True), True),
    ("GET", OKXError("x", code="50113", http_status=401), False),
    ("GET", OKXError("x", code="51000", http_status=400), False),
    ("POST", OKXError("x", code="50011", http_status=429), True),
    ("POST", OKXError("x", code="50013", http_status=503), True),
    ("POST", OKXError("x", code="50001", http_status=503), True),
    ("POST", OKXError("x", http_status=429), True),
    ("POST", OKXError("x", never_sent=True), True),
    ("POST", OKXError("x", code="50026", http_status=500, outcome_unknown=True), False),
    ("POST", OKXError("x", code="50004", http_status=400, outcome_unknown=True), False),
    ("POST", OKXError("x", http_status=502, outcome_unknown=True), False),
    ("POST", OKXError("x", outcome_unknown=True), False),
    ("POST", OKXError("x", code="51000", http_status=400), False),
])
def test_retry_decisions(method, error, expected):
    assert OKXClient._may_retry(method, error) is expected


def test_backoff_is_exponential_with_jitter():
    err = OKXError("x", http_status=503)
    for attempt in range(5):
        delay = OKXClient._backoff(attempt, CURRENCY_LIST, err)
        assert 0.25 * 2 ** attempt <= delay <= 0.5 * 2 ** attempt
    assert OKXClient._backoff(20, CURRENCY_LIST, err) <= 30.0


def test_backoff_respects_retry_after_and_the_rate_limit():
    assert OKXClient._backoff(0, REPAY, OKXError("x", code="50011", http_status=429)) >= 2.0
    assert OKXClient._backoff(0, CURRENCY_LIST, OKXError("x", http_status=503, retry_after=7)) >= 7


def test_gets_are_retried_until_they_succeed(okx, make_client, clock):
    okx.add(responses.GET, URL + CURRENCY_LIST, body="oops", status=500)
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply(code="50013", msg="busy", status=503))
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply([{"debtData": []}]))
    warnings = []
    assert make_client(warn=warnings.append).get(CURRENCY_LIST) == [{"debtData": []}]
    assert len(okx.calls) == 3 and len(warnings) == 2


def test_retries_are_bounded(okx, make_client):
    okx.add(responses.GET, URL + CURRENCY_LIST, body="oops", status=500)
    with pytest.raises(OKXError):
        make_client(retries=2).get(CURRENCY_LIST)
    assert len(okx.calls) == 3


def test_post_is_retried_when_okx_did_not_run_it(okx, make_client):
    okx.add(responses.POST, URL + REPAY, **reply(code="50011", msg="Too Many Requests", status=429))
    okx.add(responses.POST, URL + REPAY, **reply([{"ts": "1"}]))
    assert make_client().post(REPAY, {"debtCcy": "USDC", "repayCcyList": ["USDC"]}) == [{"ts": "1"}]
    assert len(okx.calls) == 2


def test_post_is_not_retried_after_a_system_error(okx, make_client):
    okx.add(responses.POST, URL + REPAY, **reply(code="50026", msg="System error", status=500))
    with pytest.raises(OKXError) as caught:
        make_client().post(REPAY, {"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    assert caught.value.outcome_unknown and len(okx.calls) == 1


def test_expired_timestamp_resyncs_the_clock_and_signs_again_once(okx, make_client, clock):
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply(code="50102", msg="Timestamp request expired", status=401))
    okx.add(responses.GET, URL + TIME, **reply([{"ts": str(int((clock.now + 90) * 1000))}]))
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply([]))
    client = make_client()
    client.get(CURRENCY_LIST)
    assert round(client.time_offset) == 90
    first, second = okx.calls[0].request, okx.calls[2].request
    assert second.headers["OK-ACCESS-TIMESTAMP"] == iso_timestamp(clock.now + client.time_offset)
    assert first.headers["OK-ACCESS-SIGN"] != second.headers["OK-ACCESS-SIGN"]


def test_expired_timestamp_is_resynced_only_once(okx, make_client, clock):
    okx.add(responses.GET, URL + CURRENCY_LIST, **reply(code="50102", msg="Timestamp request expired", status=401))
    okx.add(responses.GET, URL + TIME, **reply([{"ts": str(int(clock.now * 1000))}]))
    with pytest.raises(OKXError) as caught:
        make_client().get(CURRENCY_LIST)
    assert caught.value.code == "50102"
    assert [call.request.path_url for call in okx.calls] == [CURRENCY_LIST, TIME, CURRENCY_LIST]


def test_limiter_waits_only_for_what_is_left(clock, tmp_path):
    limiter = RateLimiter(KEY, state_dir=str(tmp_path), clock=clock.time, sleep=clock.sleep)
    with limiter.slot(REPAY):
        pass
    clock.now += 0.5  # Ansible's own overhead between two tasks
    with limiter.slot(REPAY):
        pass
    assert clock.sleeps == [pytest.approx(1.5)]
    with limiter.slot(CURRENCY_LIST):
        pass
    with RateLimiter("another-key", state_dir=str(tmp_path), clock=clock.time, sleep=clock.sleep).slot(REPAY):
        pass
    with limiter.slot(TIME):
        pass
    assert len(clock.sleeps) == 1, "other endpoints, other keys and unlimited endpoints do not wait"


def test_limiter_files_are_named_by_hash_in_a_private_dir(clock, private_tmp):
    with RateLimiter(KEY, clock=clock.time, sleep=clock.sleep).slot(REPAY):
        pass
    state_dir = private_state_dir()
    assert os.path.dirname(state_dir) == str(private_tmp)
    assert stat.S_IMODE(os.stat(state_dir).st_mode) == 0o700
    names = os.listdir(state_dir)
    assert len(names) == 1 and KEY not in names[0]
    with open(os.path.join(state_dir, names[0])) as handle:
        assert KEY not in handle.read()


def test_limiter_refuses_a_shared_state_dir(private_tmp):
    os.chmod(private_state_dir(), 0o777)
    with pytest.raises(OKXError, match="mode 0700"):
        private_state_dir()


LIMITED_CALL = """
import sys, time
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import RateLimiter
with RateLimiter(sys.argv[1], state_dir=sys.argv[2]).slot("/api/v5/trade/one-click-repay-v2"):
    print(time.time())
"""


def test_limiter_spaces_calls_across_processes(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", LIMITED_CALL, KEY, str(tmp_path)], env=env,
                              stdout=subprocess.PIPE, universal_newlines=True) for dummy in range(3)]
    started = sorted(float(proc.communicate(timeout=30)[0]) for proc in procs)
    assert all(proc.returncode == 0 for proc in procs)
    gaps = [later - earlier for earlier, later in zip(started, started[1:])]
    assert min(gaps) >= 2.0 - 0.01, gaps
