# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator keeps OKX's contract: each of its replies has every field of OKX's documented example reply of the
endpoint (tests/okx-examples) with the same JSON type, and no other field unless EXTRA_FIELDS says why.

One simulator, one account whose repay goes through a conversion (a USDC debt larger than its USDC, repaid from
["USDC", "BTC"]); each endpoint called once (the history until the repay is final), signed as OKX documents. The
endpoints only the simulator serves (market data, instruments, interest rates, fees: tests/okx-examples/simulator-only,
with the ones the collection calls, tickers, index tickers and fee rates) are called once the repay is final, so the
tickers carry its fills."""

import base64
import hashlib
import hmac
import json
import os
import time

import pytest
import requests

from tests.okx_examples import FIELDS, extra, load, missing, shape
from tests.simulator.harness import start_simulator
from tests.simulator.states import account, state

HERE = os.path.dirname(os.path.abspath(__file__))
MAIN = account("contract", balances={"USDC": "20", "BTC": "1"}, debts={"USDC": "100"})
STATE = state(MAIN, prices={"BTC": "60000", "USDT": "1", "USDC": "1"}, settle_delay=0.1)
BODY = {"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]}
FIXTURES = ("public-time", "account-config", "currency-list-v2", "one-click-repay-v2", "history-v2")
# The fixtures of the market data and account reads, with the query each is called with: those the collection calls
# (top level), and those only the simulator serves (simulator-only/).
MARKET = {
    "tickers": "?instType=SPOT",
    "simulator-only/ticker": "?instId=BTC-USDT",
    "index-tickers": "?quoteCcy=USD",
    "instruments": "?instType=SPOT",
    "interest-rate": "",
    "trade-fee": "?instType=SPOT&instId=BTC-USDT",
}
SIMULATOR_ONLY = dict((name, query) for name, query in MARKET.items() if name.startswith("simulator-only/"))
ALL_FIXTURES = FIXTURES + tuple(MARKET)
PUBLIC_PREFIXES = ("/api/v5/public/", "/api/v5/market/")

# Fields the simulator may send that OKX's example of the endpoint does not have, each with the reason it may
# (paths as extra() writes them). None today: a field OKX does not document is a field a client could come to rely
# on and OKX never sends.
EXTRA_FIELDS = {}


def sign(secret, timestamp, method, request_path, body=""):
    """OKX's signature: base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))."""
    message = (timestamp + method.upper() + request_path + body).encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode("ascii")


def iso(moment):
    millis = int(moment * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000)) + ".%03dZ" % (millis % 1000)


def call(sim, endpoint, body=None, params="", attempts=10):
    """A reply of ``endpoint`` ("GET /api/v5/..."), signed by MAIN unless public; retried while rate limited."""
    method, path = endpoint.split(" ", 1)
    path += params
    text = "" if body is None else json.dumps(body, separators=(",", ":"))
    for _attempt in range(attempts):
        headers = {"Content-Type": "application/json"}
        if not path.startswith(PUBLIC_PREFIXES):
            stamp = iso(time.time())
            headers.update({"OK-ACCESS-KEY": MAIN["api_key"], "OK-ACCESS-PASSPHRASE": MAIN["passphrase"],
                            "OK-ACCESS-TIMESTAMP": stamp,
                            "OK-ACCESS-SIGN": sign(MAIN["secret"], stamp, method, path, text)})
        reply = requests.request(method, sim.url + path, data=text.encode("utf-8") if text else None,
                                 headers=headers, timeout=10)
        if reply.status_code != 429:
            assert reply.status_code == 200, reply.text
            payload = reply.json()
            assert payload["code"] == "0", payload
            return payload
        time.sleep(0.5)
    raise AssertionError("%s still rate limited after %d attempts" % (endpoint, attempts))


@pytest.fixture(name="replies", scope="module")
def replies_fixture(tmp_path_factory):
    """{fixture name: the simulator's reply to its endpoint}, the history once the repay is final."""
    endpoints = dict((name, load(name)["endpoint"]) for name in FIXTURES)
    with start_simulator(STATE, str(tmp_path_factory.mktemp("okx-contract"))) as sim:
        replies = dict((name, call(sim, endpoints[name])) for name in FIXTURES[:3])
        replies["one-click-repay-v2"] = call(sim, endpoints["one-click-repay-v2"], body=BODY)
        deadline = time.monotonic() + 30
        while True:
            history = call(sim, endpoints["history-v2"])
            if history["data"] and all(record.get("status") != "running" for record in history["data"]):
                break
            assert time.monotonic() < deadline, "the repay is not final after 30 s: %s" % history
            time.sleep(0.5)
        replies["history-v2"] = history
        for name, params in MARKET.items():
            replies[name] = call(sim, load(name)["endpoint"], params=params)
    return replies


def test_the_repay_went_through_a_conversion(replies):
    """Else the orders' fields (ordIdInfo) would be checked against nothing."""
    (record,) = replies["history-v2"]["data"]
    assert record["status"] == "filled" and record.get("ordIdInfo"), record


def test_the_tickers_carry_the_repays_fills(replies):
    """Else a ticker's volumes would be zeros whatever the settlement did."""
    tickers = {ticker["instId"]: ticker for ticker in replies["tickers"]["data"]}
    assert tickers["BTC-USDT"]["lastSz"] != "0" and tickers["USDC-USDT"]["vol24h"] != "0", tickers


def test_the_simulator_only_fixtures_say_where_they_come_from():
    folder = os.path.join(HERE, "..", "okx-examples", "simulator-only")
    assert sorted("simulator-only/" + name[:-len(".json")] for name in os.listdir(folder) if name.endswith(".json")) == sorted(
        SIMULATOR_ONLY)
    for name in MARKET:
        fixture = load(name)
        assert sorted(fixture) == sorted(FIELDS)
        assert fixture["source"].startswith("https://www.okx.com/docs-v5/en/#") and fixture["notes"]
        assert fixture["copied_from"].startswith("https://github.com/") and fixture["verbatim"] is True
        assert fixture["endpoint"].startswith("GET /api/v5/") and fixture["reply"]["code"] == "0"


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_documented_field_with_its_type(replies, name):
    problems = missing(shape(replies[name]), shape(load(name)["reply"]))
    assert problems == [], "the simulator's %s lacks what OKX documents:\n%s" % (
        load(name)["endpoint"], "\n".join(problems))


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_no_field_okx_does_not_document(replies, name):
    unexpected = [path for path in extra(shape(replies[name]), shape(load(name)["reply"])) if path not in EXTRA_FIELDS]
    assert unexpected == [], "the simulator's %s has fields OKX does not document: %s" % (
        load(name)["endpoint"], ", ".join(unexpected))


def test_sign_is_okx_signature():
    with open(os.path.join(HERE, "..", "okx-signature-vectors.json"), encoding="utf-8") as handle:
        for vector in json.load(handle):
            assert sign(vector["secret"], vector["timestamp"], vector["method"], vector["request_path"],
                        vector["body"]) == vector["signature"]
