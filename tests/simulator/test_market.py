# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model's market data, instruments, interest rates and trade fee (README.md, "Market data"), in-process on a fake
clock: each reply, its rate limit, and its agreement with the settlement (tickers vs fills, with and without a
spread, prices moved between the ticker and the settlement; instruments' lotSz, tickSz and minSz vs the orders)."""

import copy
import json
import time
from decimal import Decimal

import pytest
import requests

from tests.simulator.harness import start_simulator
from tests.simulator.okx_model import (
    INDEX_TICKERS,
    INSTRUMENTS,
    INTEREST_RATE,
    OKX,
    REPAY,
    TICKER,
    TICKERS,
    TRADE_FEE,
    ManualClock,
    fmt,
    sign,
)
from tests.simulator.states import account, state
PUBLIC_CALLS = (TICKERS + "?instType=SPOT", TICKER + "?instId=BTC-USDT", INDEX_TICKERS + "?quoteCcy=USD",
                INSTRUMENTS + "?instType=SPOT")
PRIVATE_CALLS = (INTEREST_RATE, TRADE_FEE + "?instType=SPOT")

MAIN = account("market", balances={"USDT": "5000", "BTC": "1", "USDC": "20"}, debts={"USDC": "100", "ETH": "1"})
OTHER = account("other", balances={"USDT": "100"}, debts={"USDT": "10"})
PRICES = {"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"}
SETTLE = 1.0


def make(*accounts, **extra):
    """A model of MAIN and OTHER (or ``accounts``) at PRICES (or ``prices``) on a fake clock; repays settle in 1 s."""
    extra.setdefault("prices", PRICES)
    extra.setdefault("settle_delay", SETTLE)
    clock = ManualClock()
    return OKX(state(*(accounts or (MAIN, OTHER)), **extra), clock=clock), clock


def stamp(moment):
    """An OK-ACCESS-TIMESTAMP for a moment of the fake clock."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(moment))) + ".%03dZ" % (int(moment * 1000) % 1000)


def request(model, method, target, acct=None, body="", remote="10.0.0.1", extra_headers=None):
    """(HTTP status, code, data) of a request, signed by ``acct`` when given."""
    sent = {"Content-Type": "application/json"}
    if acct is not None:
        when = stamp(model.clock.time())
        sent.update({"OK-ACCESS-KEY": acct["api_key"], "OK-ACCESS-PASSPHRASE": acct["passphrase"],
                     "OK-ACCESS-TIMESTAMP": when, "OK-ACCESS-SIGN": sign(acct["secret"], when, method, target, body)})
        if acct.get("env") == "demo":
            sent["x-simulated-trading"] = "1"
    sent.update(extra_headers or {})
    reply = model.handle(method, target, sent, body.encode("utf-8"), remote_addr=remote)
    payload = json.loads(reply.body)
    return reply.status, payload["code"], payload["data"]


def get(model, target, acct=None, code="0", status=200, **kwargs):
    """The data of a GET, after checking its HTTP status and code."""
    got_status, got_code, data = request(model, "GET", target, acct, **kwargs)
    assert (got_status, got_code) == (status, code), data
    return data


def repay(model, debt, repay_list, acct=MAIN):
    body = json.dumps({"debtCcy": debt, "repayCcyList": repay_list}, separators=(",", ":"))
    assert request(model, "POST", REPAY, acct, body=body)[:2] == (200, "0")


def settled(model, clock, name="market"):
    """The account once its repays settled (the fake clock moved past the settle delay)."""
    clock.sleep(SETTLE + 0.1)
    view = model.view()
    assert view["pending"] == 0
    return next(acc for acc in view["accounts"] if acc["name"] == name)


def tickers(model):
    return {ticker["instId"]: ticker for ticker in get(model, TICKERS + "?instType=SPOT")}


def orders(record):
    """{instId: order} of a history record."""
    return {order["instId"]: order for order in record["ordIdInfo"]}


# --- tickers ----------------------------------------------------------------------------------------------------------

TICKER_FIELDS = ("instType", "instId", "last", "lastSz", "askPx", "askSz", "bidPx", "bidSz", "open24h", "high24h", "low24h",
                 "volCcy24h", "vol24h", "sodUtc0", "sodUtc8", "ts")


def test_one_spot_ticker_per_priced_currency_but_usdt_with_every_field_as_a_string():
    model, clock = make()
    listed = get(model, TICKERS + "?instType=SPOT")
    assert [ticker["instId"] for ticker in listed] == [ccy + "-USDT" for ccy in sorted(model.prices) if ccy != "USDT"]
    for ticker in listed:
        assert tuple(ticker) == TICKER_FIELDS and all(isinstance(value, str) for value in ticker.values())
        assert ticker["instType"] == "SPOT" and ticker["ts"] == str(int(clock.time() * 1000))
    btc = tickers(model)["BTC-USDT"]
    assert (btc["last"], btc["bidPx"], btc["askPx"], btc["open24h"], btc["high24h"], btc["low24h"], btc["sodUtc0"],
            btc["sodUtc8"], btc["lastSz"], btc["vol24h"], btc["volCcy24h"]) == (
        "60000", "60000", "60000", "60000", "60000", "60000", "60000", "60000", "0", "0", "0")
    # Depth: 1,000,000 USDT's worth at the best price, rounded down to the lot.
    assert (btc["bidSz"], btc["askSz"]) == ("16.66666666", "16.66666666")


def test_the_ticker_of_one_pair_is_its_tickers_item():
    model, _clock = make()
    assert get(model, TICKER + "?instId=ETH-USDT") == [tickers(model)["ETH-USDT"]]


def test_last_is_the_usdt_price_rounded_to_the_tick():
    model, _clock = make(prices=dict(PRICES, USDT="0.9998", DOGE="0.123456"))
    listed = tickers(model)
    # BTC-USDT: 60000 / 0.9998 = 60012.0024..., tick 0.1 (tick_sizes); DOGE-USDT: five significant digits.
    assert listed["BTC-USDT"]["last"] == "60012"
    assert listed["DOGE-USDT"]["last"] == "0.12348"  # 0.123456 / 0.9998 = 0.1234806...
    assert model.quote("DOGE") == (Decimal("0.12348"),) * 3
    assert listed["USDC-USDT"]["last"] == "1.0002"


@pytest.mark.parametrize("spread, bid, ask", [("0", "60000", "60000"), ("0.001", "59970", "60030"), ("0.0000001", "59999.9", "60000.1")])
def test_bid_and_ask_sit_around_last_by_the_spread(spread, bid, ask):
    model, _clock = make(spread=spread)
    btc = tickers(model)["BTC-USDT"]
    assert (btc["last"], btc["bidPx"], btc["askPx"]) == ("60000", bid, ask)
    assert model.view()["spread"] == spread


@pytest.mark.parametrize("target, code, status", [
    (TICKERS, "50014", 400), (TICKERS + "?instType=spot", "51000", 400), (TICKER, "50014", 400),
    (TICKER + "?instId=FOO-USDT", "51001", 200), (TICKER + "?instId=USDT-USDT", "51001", 200),
    (TICKER + "?instId=BTC-USDC", "51001", 200), (INSTRUMENTS, "50014", 400), (INSTRUMENTS + "?instType=SPOT&instId=BTC", "51001", 200),
    (INDEX_TICKERS, "50014", 400), (INDEX_TICKERS + "?quoteCcy=EUR", "51000", 400),
    (INDEX_TICKERS + "?instId=FOO-USD", "51014", 200), (INDEX_TICKERS + "?instId=BTC-EUR", "51014", 200),
])
def test_market_parameter_errors(target, code, status):
    model, _clock = make()
    get(model, target, code=code, status=status)


@pytest.mark.parametrize("inst_type", ["SWAP", "FUTURES", "OPTION"])
def test_the_model_lists_no_derivatives(inst_type):
    model, _clock = make()
    assert get(model, TICKERS + "?instType=" + inst_type) == []
    assert get(model, INSTRUMENTS + "?instType=" + inst_type) == []


@pytest.mark.parametrize("target", PUBLIC_CALLS)
def test_market_data_needs_no_credentials_and_ignores_signed_headers(target):
    model, _clock = make(MAIN, account("demo", env="demo"))
    unsigned = get(model, target)
    # A demo key without the demo header would be 50101 on a private endpoint; a bad signature 50113.
    demo = dict(account("demo", env="demo"), env="live")
    assert get(model, target, demo) == unsigned
    assert get(model, target, extra_headers={"OK-ACCESS-KEY": "nobody", "OK-ACCESS-SIGN": "x"}) == unsigned
    assert [entry["uid"] for entry in model.log()] == [None, None, None]


# --- rate limits ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", PUBLIC_CALLS)
def test_market_data_allows_20_requests_per_2_seconds_per_ip(target):
    model, clock = make()
    for _index in range(20):
        get(model, target, remote="10.0.0.1")
        clock.sleep(0.01)
    get(model, target, remote="10.0.0.1", code="50011", status=429)
    get(model, target, remote="10.0.0.2")  # another IP has its own window
    get(model, target, MAIN, remote="10.0.0.1", code="50011", status=429)  # signing does not make it a user's
    clock.sleep(1.81)  # the first request leaves the window 2 s after it
    get(model, target, remote="10.0.0.1")
    get(model, target, remote="10.0.0.1", code="50011", status=429)
    # Each endpoint has its own window (as the existing endpoints: per endpoint).
    other = PUBLIC_CALLS[(PUBLIC_CALLS.index(target) + 1) % len(PUBLIC_CALLS)]
    get(model, other, remote="10.0.0.1")


@pytest.mark.parametrize("target", PRIVATE_CALLS)
def test_interest_rate_and_trade_fee_allow_5_requests_per_2_seconds_per_uid(target):
    model, clock = make()
    for index in range(5):
        get(model, target, MAIN, remote="10.0.0.%d" % index)  # the IP does not matter
    get(model, target, MAIN, code="50011", status=429)
    get(model, target, OTHER)
    clock.sleep(2.0)
    get(model, target, MAIN)
    assert [entry["code"] for entry in model.log()] == ["0"] * 5 + ["50011", "0", "0"]


@pytest.mark.parametrize("target", PRIVATE_CALLS)
def test_interest_rate_and_trade_fee_are_private(target):
    model, _clock = make()
    get(model, target, code="50103", status=401)
    get(model, target, dict(MAIN, secret="wrong"), code="50113", status=401)


@pytest.mark.parametrize("acct_lv", ["1", "2", "3", "4"])
def test_every_new_endpoint_works_in_every_account_mode(acct_lv):
    user = account("mode", acct_lv=acct_lv, balances={"USDT": "10"})
    model, _clock = make(user)
    for target in PUBLIC_CALLS + PRIVATE_CALLS:
        assert get(model, target, user)


# --- faults -------------------------------------------------------------------------------------------------------------

def test_faults_apply_to_the_new_endpoints():
    model, _clock = make()
    model.set_faults([{"path": TICKERS, "method": "GET", "kind": "busy"},
                      {"path": TRADE_FEE, "kind": "malformed", "data": {}},
                      {"path": INSTRUMENTS, "kind": "rate_limited", "times": 2}])
    get(model, TICKERS + "?instType=SPOT", code="50013", status=503)
    get(model, TICKERS + "?instType=SPOT")
    assert get(model, TRADE_FEE + "?instType=SPOT", MAIN) == {}
    get(model, INSTRUMENTS + "?instType=SPOT", code="50011", status=429)
    get(model, INSTRUMENTS + "?instType=SPOT", code="50011", status=429)
    for _index in range(20):  # the faulted requests were not executed: they did not count
        get(model, INSTRUMENTS + "?instType=SPOT")
    assert model.faults() == []
    assert [entry["fault"] for entry in model.log()][:5] == ["busy", None, "malformed", "rate_limited", "rate_limited"]


# --- consistency with the settlement -------------------------------------------------------------------------------------

def test_without_spread_a_repay_fills_at_the_tickers_last_of_the_settle_time_market():
    model, clock = make()
    before = tickers(model)
    repay(model, "USDC", ["USDC", "BTC"])
    # The market moves between the ticker and the settlement, within the IOC band (the sell's px is 59700).
    assert model.admin("POST", "prices", {"BTC": "59800"})[0] == 200
    moved = tickers(model)
    (record,) = settled(model, clock)["history"]
    sell, buy = orders(record)["BTC-USDT"], orders(record)["USDC-USDT"]
    assert before["BTC-USDT"]["last"] == "60000" and moved["BTC-USDT"]["last"] == "59800"
    assert sell["fillPx"] == moved["BTC-USDT"]["bidPx"] == moved["BTC-USDT"]["last"] == "59800"
    assert buy["fillPx"] == moved["USDC-USDT"]["askPx"] == "1"
    # The ticker shows the move (24 h range since the start) and the fills.
    after = tickers(model)
    assert (after["BTC-USDT"]["open24h"], after["BTC-USDT"]["high24h"], after["BTC-USDT"]["low24h"]) == ("60000", "60000", "59800")
    assert (after["BTC-USDT"]["lastSz"], after["BTC-USDT"]["vol24h"]) == (sell["fillSz"], sell["fillSz"])
    assert Decimal(after["BTC-USDT"]["volCcy24h"]) == Decimal(sell["fillSz"]) * 59800
    assert after["USDC-USDT"]["vol24h"] == buy["fillSz"]


def test_with_a_spread_sells_fill_at_the_bid_and_buys_at_the_ask():
    model, clock = make(spread="0.002")
    quoted = tickers(model)
    assert (quoted["BTC-USDT"]["bidPx"], quoted["BTC-USDT"]["askPx"]) == ("59940", "60060")
    assert (quoted["USDC-USDT"]["bidPx"], quoted["USDC-USDT"]["askPx"]) == ("0.999", "1.001")
    repay(model, "USDC", ["USDC", "BTC"])
    main = settled(model, clock)
    (record,) = main["history"]
    sell, buy = orders(record)["BTC-USDT"], orders(record)["USDC-USDT"]
    # The orders' px are still the band through the model's price; the fills are the bid and the ask.
    assert (sell["px"], sell["fillPx"], buy["px"], buy["fillPx"]) == ("59700", "59940", "1.005", "1.001")
    assert record["status"] == "filled" and record["fillDebtSz"] == "100"  # 20 USDC of its own, 80 bought
    # The books follow the fill prices exactly: the sell brought fillSz x bid less the fee, the buy cost fillSz x ask.
    got = Decimal(sell["fillSz"]) * Decimal("59940") * Decimal("0.999")
    cost = Decimal(buy["fillSz"]) * Decimal("1.001")
    assert Decimal(main["balances"]["USDT"]) == Decimal("5000") + got - cost
    assert Decimal(main["balances"]["BTC"]) == 1 - Decimal(sell["fillSz"])


def test_with_a_spread_the_fills_are_the_bid_and_ask_of_the_settle_time_market():
    model, clock = make(spread="0.002")
    repay(model, "ETH", ["BTC"])
    model.set_prices({"BTC": "59900", "ETH": "3005"})
    moved = tickers(model)
    (record,) = settled(model, clock)["history"]
    sell, buy = orders(record)["BTC-USDT"], orders(record)["ETH-USDT"]
    assert sell["fillPx"] == moved["BTC-USDT"]["bidPx"] == "59840.1"
    assert buy["fillPx"] == moved["ETH-USDT"]["askPx"] == "3008.01"  # 3005 x 1.001 = 3008.005, up to the tick 0.01
    assert sell["state"] == buy["state"] == "filled"


@pytest.mark.parametrize("spread, btc, sell_state, buy_state, status", [
    ("0.009", None, "filled", "filled", "filled"),       # bid 59730 >= the sell's px 59700, ask 1.0045 <= the buy's px 1.005
    ("0.012", None, "canceled", None, "failed"),         # bid 59640 < 59700: the sell is canceled, no buy is placed
    ("0.012", "61000", "filled", "canceled", "failed"),  # BTC rose: bid 60634 >= 59700; ask 1.006 > 1.005: the buy is canceled
])
def test_the_ioc_band_check_compares_the_bid_and_the_ask(spread, btc, sell_state, buy_state, status):
    model, clock = make(spread=spread, tick_sizes={"BTC-USDT": "0.1", "USDC-USDT": "0.00001"})
    repay(model, "USDC", ["BTC"])
    if btc:
        model.set_prices({"BTC": btc})
    main = settled(model, clock)
    (record,) = main["history"]
    legs = orders(record)
    assert legs["BTC-USDT"]["state"] == sell_state
    assert (legs["USDC-USDT"]["state"] if "USDC-USDT" in legs else None) == buy_state
    assert record["status"] == status
    if buy_state == "canceled":
        assert legs["USDC-USDT"]["fillPx"] == "" and legs["BTC-USDT"]["fillPx"] == "60634"
        assert Decimal(main["balances"]["USDT"]) > 5000  # the USDT of the sell stays
    if status == "failed":
        assert main["debts"]["USDC"] == "100" and record["fillDebtSz"] == ""
    if sell_state == "canceled":
        assert main["balances"]["BTC"] == "1"


# --- instruments ----------------------------------------------------------------------------------------------------------

def test_one_instrument_per_ticker_with_settlements_lot_tick_and_min_sizes():
    model, _clock = make(prices=dict(PRICES, DOGE="0.123456"), lot_sizes={"DOGE-USDT": "1"})
    listed = get(model, INSTRUMENTS + "?instType=SPOT")
    assert [item["instId"] for item in listed] == list(tickers(model))
    by_id = {item["instId"]: item for item in listed}
    for inst_id, item in by_id.items():
        base = inst_id.split("-")[0]
        assert (item["baseCcy"], item["quoteCcy"], item["instType"], item["state"], item["ruleType"]) == (
            base, "USDT", "SPOT", "live", "normal")
        assert Decimal(item["lotSz"]) == model.lot(inst_id)
        assert Decimal(item["tickSz"]) == model.tick(inst_id, model.usdt_price(base, model.prices))
        assert item["minSz"] == item["lotSz"]  # no min_sizes: the lot size, nothing changes
        assert isinstance(item["instIdCode"], int) and item["futureSettlement"] is False and item["upcChg"] == []
    assert (by_id["BTC-USDT"]["lotSz"], by_id["BTC-USDT"]["tickSz"]) == ("0.00000001", "0.1")
    assert (by_id["DOGE-USDT"]["lotSz"], by_id["DOGE-USDT"]["tickSz"]) == ("1", "0.00001")  # five significant digits
    assert (by_id["SOL-USDT"]["lotSz"], by_id["SOL-USDT"]["tickSz"]) == ("0.0001", "0.01")
    assert len({item["instIdCode"] for item in listed}) == len(listed)
    assert get(model, INSTRUMENTS + "?instType=SPOT&instId=ETH-USDT") == [by_id["ETH-USDT"]]


def test_the_orders_sizes_and_prices_are_on_the_instruments_lots_and_ticks():
    sol = account("sol", balances={"SOL": "3", "BTC": "1"}, debts={"ETH": "1"})
    model, clock = make(sol, prices=dict(PRICES, SOL="151.37"))
    by_id = {item["instId"]: item for item in get(model, INSTRUMENTS + "?instType=SPOT")}
    repay(model, "ETH", ["SOL", "BTC"], acct=sol)
    (record,) = settled(model, clock, "sol")["history"]
    assert record["ordIdInfo"]
    for order in record["ordIdInfo"]:
        item = by_id[order["instId"]]
        assert Decimal(order["fillSz"]) % Decimal(item["lotSz"]) == 0
        assert Decimal(order["px"]) % Decimal(item["tickSz"]) == 0


@pytest.mark.parametrize("min_btc, state_, status", [("0.01", "canceled", "failed"), ("0.001", "filled", "filled")])
def test_an_order_below_min_sz_is_canceled(min_btc, state_, status):
    model, clock = make(min_sizes={"BTC-USDT": min_btc})
    by_id = {item["instId"]: item for item in get(model, INSTRUMENTS + "?instType=SPOT")}
    assert (by_id["BTC-USDT"]["minSz"], by_id["BTC-USDT"]["lotSz"], by_id["ETH-USDT"]["minSz"]) == (min_btc, "0.00000001", "0.000001")
    repay(model, "USDC", ["BTC"])  # 100 USDC: a sell of about 0.0017 BTC
    main = settled(model, clock)
    (record,) = main["history"]
    sell = orders(record)["BTC-USDT"]
    assert (sell["state"], record["status"]) == (state_, status)
    assert Decimal("0.001") < Decimal(sell["sz"]) < Decimal("0.01")
    if state_ == "canceled":
        assert (sell["fillSz"], sell["fillPx"], record["fillDebtSz"]) == ("0", "", "")
        assert main["balances"]["BTC"] == "1" and main["debts"]["USDC"] == "100" and len(record["ordIdInfo"]) == 1
    assert model.view()["min_sizes"] == {"BTC-USDT": min_btc}


def test_a_buy_below_min_sz_is_canceled_and_the_usdt_of_the_sell_stays():
    model, clock = make(min_sizes={"USDC-USDT": "100"})
    repay(model, "USDC", ["USDC", "BTC"])
    main = settled(model, clock)
    (record,) = main["history"]
    buy, sell = record["ordIdInfo"]
    assert (buy["instId"], buy["state"], buy["sz"], sell["state"]) == ("USDC-USDT", "canceled", "80.080081", "filled")
    assert main["debts"]["USDC"] == "80" and Decimal(main["balances"]["USDT"]) > 5080


# --- index tickers ------------------------------------------------------------------------------------------------------

def test_index_tickers_in_usd_are_the_models_usd_prices():
    model, clock = make(prices=dict(PRICES, USDT="0.9998"))
    listed = get(model, INDEX_TICKERS + "?quoteCcy=USD")
    assert {item["instId"]: item["idxPx"] for item in listed} == {ccy + "-USD": fmt(price) for ccy, price in model.prices.items()}
    assert len(listed) == len(model.prices)  # USDT-USD too
    (btc,) = get(model, INDEX_TICKERS + "?instId=BTC-USD")
    assert btc == {"instId": "BTC-USD", "idxPx": "60000", "high24h": "60000", "sodUtc0": "60000", "open24h": "60000",
                   "low24h": "60000", "sodUtc8": "60000", "ts": str(int(clock.time() * 1000))}
    assert get(model, INDEX_TICKERS + "?instId=USDT-USD")[0]["idxPx"] == "0.9998"


def test_index_tickers_in_usdt_are_the_tickers_last_and_follow_price_moves():
    model, _clock = make(prices=dict(PRICES, USDT="0.9998"))
    usdt = {item["instId"]: item["idxPx"] for item in get(model, INDEX_TICKERS + "?quoteCcy=USDT")}
    assert usdt == {inst_id: ticker["last"] for inst_id, ticker in tickers(model).items()}
    model.set_prices({"BTC": "61000"})
    model.set_prices({"BTC": "59000"})
    (btc,) = get(model, INDEX_TICKERS + "?instId=BTC-USD")
    assert (btc["idxPx"], btc["open24h"], btc["high24h"], btc["low24h"]) == ("59000", "60000", "61000", "59000")
    assert get(model, INDEX_TICKERS + "?instId=ETH-BTC")[0]["idxPx"] == "0.050847"  # 3000 / 59000, five digits


# --- interest rates and trade fee ------------------------------------------------------------------------------------------

def test_interest_rates_of_every_supported_currency_with_the_defaults():
    model, _clock = make()
    rates = get(model, INTEREST_RATE, MAIN)
    assert [item["ccy"] for item in rates] == sorted(model.currencies)
    by_ccy = {item["ccy"]: item["interestRate"] for item in rates}
    assert (by_ccy["USDT"], by_ccy["USDC"], by_ccy["BTC"], by_ccy["ETH"], by_ccy["SOL"]) == (
        "0.00000417", "0.00000417", "0.00000114", "0.00000208", "0.00000571")
    assert get(model, INTEREST_RATE + "?ccy=BTC", MAIN) == [{"ccy": "BTC", "interestRate": "0.00000114"}]
    get(model, INTEREST_RATE + "?ccy=NOPE", MAIN, code="51000", status=400)


def test_interest_rates_come_from_the_state():
    model, _clock = make(interest_rates={"BTC": "0.0000083", "SOL": "0", "ETH": 0.00001})
    by_ccy = {item["ccy"]: item["interestRate"] for item in get(model, INTEREST_RATE, MAIN)}
    assert (by_ccy["BTC"], by_ccy["SOL"], by_ccy["ETH"], by_ccy["USDT"]) == ("0.0000083", "0", "0.00001", "0.00000417")
    assert model.view()["interest_rates"]["BTC"] == "0.0000083"


@pytest.mark.parametrize("taker_fee, taker", [(None, "-0.001"), ("0.0015", "-0.0015"), ("0", "0")])
def test_trade_fee_is_the_settlements_taker_fee_as_a_negative_rate(taker_fee, taker):
    model, clock = make(**({} if taker_fee is None else {"taker_fee": taker_fee}))
    (fee,) = get(model, TRADE_FEE + "?instType=SPOT&instId=BTC-USDT", MAIN)
    assert fee == {"category": "1", "delivery": "", "exercise": "",
                   "feeGroup": [{"elpMaker": "-0.0008", "groupId": "1", "maker": "-0.0008", "taker": taker}],
                   "fiat": [], "instType": "SPOT", "level": "Lv1", "maker": "-0.0008", "makerU": "", "makerUSDC": "",
                   "ruleType": "normal", "taker": taker, "takerU": "", "takerUSDC": "", "ts": str(int(clock.time() * 1000))}
    assert get(model, TRADE_FEE + "?instType=MARGIN", OTHER)[0]["instType"] == "MARGIN"


def test_the_trade_fee_is_what_a_repay_pays():
    model, clock = make(taker_fee="0.002")
    (fee,) = get(model, TRADE_FEE + "?instType=SPOT", MAIN)
    repay(model, "USDC", ["USDT"])
    (record,) = settled(model, clock)["history"]
    (buy,) = record["ordIdInfo"]
    assert Decimal(record["fillDebtSz"]) == min(Decimal(100), Decimal(buy["fillSz"]) * (1 + Decimal(fee["taker"])))


@pytest.mark.parametrize("target, code, status", [
    (TRADE_FEE, "50014", 400), (TRADE_FEE + "?instType=SWAP", "51000", 400), (TRADE_FEE + "?instType=spot", "51000", 400),
    (TRADE_FEE + "?instType=SPOT&instId=FOO-USDT", "51001", 200), (TRADE_FEE + "?instType=SPOT&groupId=2", "51000", 400),
])
def test_trade_fee_parameter_errors(target, code, status):
    model, _clock = make()
    get(model, target, MAIN, code=code, status=status)


# --- state ------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [{"spread": "1"}, {"spread": "-0.1"}, {"spread": "x"}, {"min_sizes": {"BTC-USDT": "0"}},
                                   {"min_sizes": ["BTC-USDT"]}, {"interest_rates": {"BTC": "-0.1"}},
                                   {"interest_rates": {"BTC": "nan"}}])
def test_bad_new_settings_are_refused(extra):
    with pytest.raises(ValueError):
        OKX(state(MAIN, **extra), clock=ManualClock())


def test_defaults_change_nothing():
    """No spread, no min_sizes: the same repay settles to the same books as the model's settlement always did."""
    results = []
    for extra in ({}, {"spread": "0", "min_sizes": {}}):
        model, clock = make(**copy.deepcopy(extra))
        repay(model, "USDC", ["USDC", "BTC"])
        main = settled(model, clock)
        results.append((main["balances"], main["debts"], [{k: v for k, v in order.items() if k not in ("ordId", "cTime")}
                                                          for order in main["history"][0]["ordIdInfo"]]))
    assert results[0] == results[1]
    assert results[0][0] == {"USDT": "5000.8047532", "BTC": "0.99865057", "USDC": "0.000000919"}


def test_over_http_the_ticker_then_a_price_move_then_the_fills(tmp_path):
    """The same through the server: tickers without credentials, POST /__sim__/prices between the ticker and the
    settlement, the fills at the settle-time bid and ask."""
    with start_simulator(state(MAIN, prices=PRICES, settle_delay=0.3, spread="0.002"), str(tmp_path)) as sim:
        reply = requests.get(sim.url + TICKERS + "?instType=SPOT", timeout=5)
        assert reply.status_code == 200 and reply.json()["code"] == "0"
        assert {t["instId"]: t["bidPx"] for t in reply.json()["data"]}["BTC-USDT"] == "59940"
        body = json.dumps({"debtCcy": "USDC", "repayCcyList": ["BTC"]}, separators=(",", ":"))
        when = stamp(time.time())
        sent = {"OK-ACCESS-KEY": MAIN["api_key"], "OK-ACCESS-PASSPHRASE": MAIN["passphrase"], "OK-ACCESS-TIMESTAMP": when,
                "OK-ACCESS-SIGN": sign(MAIN["secret"], when, "POST", REPAY, body), "Content-Type": "application/json"}
        assert requests.post(sim.url + REPAY, data=body.encode("utf-8"), headers=sent, timeout=5).json()["code"] == "0"
        sim.set_prices({"BTC": "59900"})
        moved = {t["instId"]: t for t in requests.get(sim.url + TICKERS + "?instType=SPOT", timeout=5).json()["data"]}
        deadline = time.monotonic() + 10
        while sim.state()["pending"] and time.monotonic() < deadline:
            time.sleep(0.05)
        (record,) = sim.state()["accounts"][0]["history"]
        legs = orders(record)
        assert legs["BTC-USDT"]["fillPx"] == moved["BTC-USDT"]["bidPx"] == "59840.1"
        assert legs["USDC-USDT"]["fillPx"] == moved["USDC-USDT"]["askPx"] == "1.001"
