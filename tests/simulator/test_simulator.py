# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the OKX simulator itself: a real process on a free port, spoken to over HTTP, signed as OKX documents."""

import calendar
import copy
import email.utils
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from decimal import Decimal

import pytest
import requests

from tests.simulator.harness import start_simulator
from tests.simulator.okx_simulator import sign
from tests.simulator import states
from tests.simulator.states import account, fleet, state

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# OKX signature vectors, shared with the unit tests of the client.
with open(os.path.join(HERE, "..", "okx-signature-vectors.json"), encoding="utf-8") as _handle:
    VECTORS = json.load(_handle)

REPAY = "/api/v5/trade/one-click-repay-v2"
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"
CONFIG = "/api/v5/account/config"
BALANCE = "/api/v5/account/balance"

# main's credentials are spelled out: the tests sign with them by hand; the others' are derived from their names.
ACCOUNTS = {spec["name"]: spec for spec in [
    account("main", uid="44800000000000001", api_key="sim-live-key-1", secret="SIM-SECRET-1", passphrase="Sim-Pass-1",
            balances={"USDT": "5000", "BTC": "1", "USDC": "20"}, debts={"USDC": "100", "ETH": "10"}),
    account("demo", env="demo", balances={"USDT": "1000", "BTC": "0.01"}, debts={"USDT": "50"}),
    account("margin", acct_lv="3", balances={"USDT": "1000"}, debts={"USDT": "10"}),
    account("futures", acct_lv="2", balances={"USDT": "1000"}, debts={"USDT": "10"}),
    account("reader", perm="read_only", balances={"USDT": "1000"}, debts={"USDT": "10"}),
    account("noborrow", enableSpotBorrow=False, balances={"USDT": "1000"}, debts={"USDT": "10"}),
]}
BASE_STATE = state(*ACCOUNTS.values(), prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"}, settle_delay=0.2)


@pytest.fixture(name="server", scope="module")
def server_fixture(tmp_path_factory):
    simulator = start_simulator(BASE_STATE, str(tmp_path_factory.mktemp("okx-sim")))
    yield simulator
    simulator.stop()


@pytest.fixture(name="sim")
def sim_fixture(server):
    """The shared simulator, reset to BASE_STATE (no faults, skew, log or rate windows)."""
    server.reset(copy.deepcopy(BASE_STATE))
    return server


def iso(moment):
    """An OK-ACCESS-TIMESTAMP for a moment."""
    millis = int(moment * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(millis // 1000)) + ".%03dZ" % (millis % 1000)


def epoch(stamp):
    """Seconds since the epoch of an OK-ACCESS-TIMESTAMP."""
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + int(stamp[20:23]) / 1000.0


def call(sim, method, path, body=None, account="main", text=None, headers=None, clock=None, secret=None, timeout=5):
    """A request signed as OKX documents by an account (a name of ACCOUNTS, or an account dict); ``headers`` entries
    override (None removes) the computed ones."""
    acct = ACCOUNTS[account] if isinstance(account, str) else account
    if text is None:
        text = "" if body is None else json.dumps(body, separators=(",", ":"))
    stamp = iso(time.time() if clock is None else clock)
    sent = {"OK-ACCESS-KEY": acct["api_key"], "OK-ACCESS-SIGN": sign(secret or acct["secret"], stamp, method, path, text),
            "OK-ACCESS-TIMESTAMP": stamp, "OK-ACCESS-PASSPHRASE": acct["passphrase"], "Content-Type": "application/json"}
    if acct.get("env") == "demo":
        sent["x-simulated-trading"] = "1"
    for name, value in (headers or {}).items():
        if value is None:
            sent.pop(name, None)
        else:
            sent[name] = value
    return requests.request(method, sim.url + path, data=text.encode("utf-8") if text else None, headers=sent, timeout=timeout)


def okx(reply, code="0", status=200):
    """The data of an OKX reply, after checking its HTTP status and code."""
    assert reply.status_code == status, reply.text
    payload = reply.json()
    assert payload["code"] == code, payload
    assert set(payload) == {"code", "msg", "data"}
    return payload["data"]


def settled_account(sim, name="main"):
    """An account as GET /__sim__/state shows it, once the due repays are settled."""
    deadline = time.monotonic() + 5
    while True:
        state = sim.state()
        if state["pending"] == 0 or time.monotonic() > deadline:
            return next(acc for acc in state["accounts"] if acc["name"] == name)
        time.sleep(0.05)


def post_repay(sim, debt_ccy="USDC", repay=("USDC", "BTC"), **kwargs):
    return call(sim, "POST", REPAY, {"debtCcy": debt_ccy, "repayCcyList": list(repay)}, **kwargs)


# --- signatures and authentication ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", VECTORS, ids=["post", "get", "get-query", "post-spaced-body"])
def test_signature_vectors(vector):
    assert sign(vector["secret"], vector["timestamp"], vector["method"], vector["request_path"], vector["body"]) == vector["signature"]


@pytest.mark.parametrize("vector", VECTORS, ids=["post", "get", "get-query", "post-spaced-body"])
def test_simulator_accepts_the_published_signatures_byte_for_byte(sim, vector):
    state = copy.deepcopy(BASE_STATE)
    state["accounts"][0].update(secret=vector["secret"], debts={"USDC": "100", "USDT": "10"})
    sim.reset(state)
    sim.set_clock_skew(epoch(vector["timestamp"]) - time.time())
    headers = {"OK-ACCESS-KEY": "sim-live-key-1", "OK-ACCESS-SIGN": vector["signature"], "OK-ACCESS-TIMESTAMP": vector["timestamp"],
               "OK-ACCESS-PASSPHRASE": "Sim-Pass-1", "Content-Type": "application/json"}
    reply = requests.request(vector["method"], sim.url + vector["request_path"], data=vector["body"].encode("utf-8") or None,
                             headers=headers, timeout=5)
    okx(reply)


def test_public_time_needs_no_auth(sim):
    reply = requests.get(sim.url + "/api/v5/public/time", timeout=5)
    (data,) = okx(reply)
    assert abs(int(data["ts"]) / 1000.0 - time.time()) < 2


@pytest.mark.parametrize("header, code", [("OK-ACCESS-KEY", "50103"), ("OK-ACCESS-PASSPHRASE", "50104"),
                                          ("OK-ACCESS-SIGN", "50106"), ("OK-ACCESS-TIMESTAMP", "50107")])
def test_missing_header(sim, header, code):
    okx(call(sim, "GET", CONFIG, headers={header: None}), code, 401)


@pytest.mark.parametrize("stamp", ["2020-12-08 09:08:57", "1597026383", "2020-12-08T09:08:57Z", "2020-13-45T09:08:57.715Z"])
def test_unparseable_timestamp(sim, stamp):
    okx(call(sim, "GET", CONFIG, headers={"OK-ACCESS-TIMESTAMP": stamp}), "50112", 401)


def test_timestamp_window_is_30_seconds(sim):
    okx(call(sim, "GET", CONFIG, clock=time.time() - 31), "50102", 401)
    okx(call(sim, "GET", CONFIG, clock=time.time() + 31), "50102", 401)
    okx(call(sim, "GET", CONFIG, clock=time.time() - 25))


@pytest.mark.parametrize("kwargs, code", [
    ({"headers": {"OK-ACCESS-KEY": "no-such-key"}}, "50111"),
    ({"headers": {"OK-ACCESS-PASSPHRASE": "wrong"}}, "50105"),
    ({"secret": "wrong-secret"}, "50113"),
], ids=["unknown-key", "wrong-passphrase", "wrong-secret"])
def test_credentials(sim, kwargs, code):
    okx(call(sim, "GET", CONFIG, **kwargs), code, 401)


def test_signature_covers_the_exact_body_bytes(sim):
    compact = json.dumps({"debtCcy": "USDC", "repayCcyList": ["USDC"]}, separators=(",", ":"))
    stamp = iso(time.time())
    headers = {"OK-ACCESS-KEY": "sim-live-key-1", "OK-ACCESS-SIGN": sign("SIM-SECRET-1", stamp, "POST", REPAY, compact),
               "OK-ACCESS-TIMESTAMP": stamp, "OK-ACCESS-PASSPHRASE": "Sim-Pass-1", "Content-Type": "application/json"}
    spaced = json.dumps({"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    okx(requests.post(sim.url + REPAY, data=spaced, headers=headers, timeout=5), "50113", 401)
    assert settled_account(sim)["history"] == []


def test_signature_covers_the_query_string(sim):
    path = BALANCE + "?ccy=BTC"
    stamp = iso(time.time())
    headers = {"OK-ACCESS-KEY": "sim-live-key-1", "OK-ACCESS-SIGN": sign("SIM-SECRET-1", stamp, "GET", BALANCE, ""),
               "OK-ACCESS-TIMESTAMP": stamp, "OK-ACCESS-PASSPHRASE": "Sim-Pass-1"}
    okx(requests.get(sim.url + path, headers=headers, timeout=5), "50113", 401)
    okx(call(sim, "GET", path))


@pytest.mark.parametrize("name, demo_header", [("main", "1"), ("demo", None)], ids=["live-key-on-demo", "demo-key-on-live"])
def test_environment_mismatch(sim, name, demo_header):
    okx(call(sim, "GET", CONFIG, account=name, headers={"x-simulated-trading": demo_header}), "50101", 401)


def test_demo_key_with_demo_header(sim):
    okx(post_repay(sim, "USDT", ["USDT"], account="demo"))
    assert settled_account(sim, "demo")["debts"] == {}


def test_read_only_key_reads_but_cannot_repay(sim):
    okx(call(sim, "GET", CONFIG, account="reader"))
    okx(post_repay(sim, "USDT", ["USDT"], account="reader"), "50120", 200)
    assert settled_account(sim, "reader")["history"] == []


# --- account mode, rate limits --------------------------------------------------------------------------------------

def test_account_modes_per_endpoint_as_okx_documents_them(sim):
    """OKX's 2026-07 pages: the list and the POST in modes 1, 3, 4; the history in Spot mode (1) only; never mode 2."""
    (config,) = okx(call(sim, "GET", CONFIG, account="margin"))
    assert config["acctLv"] == "3"
    okx(call(sim, "GET", CURRENCY_LIST, account="margin"))
    okx(post_repay(sim, "USDT", ["USDT"], account="margin"))
    okx(call(sim, "GET", HISTORY, account="margin"), "51010", 200)
    assert settled_account(sim, "margin")["debts"] == {}
    okx(call(sim, "GET", CURRENCY_LIST, account="futures"), "51010", 200)
    okx(post_repay(sim, "USDT", ["USDT"], account="futures"), "51010", 200)
    okx(call(sim, "GET", HISTORY, account="futures"), "51010", 200)
    assert settled_account(sim, "futures")["debts"] == {"USDT": "10"}
    assert sim.state()["modes"] == {"currency_list": ["1", "3", "4"], "repay": ["1", "3", "4"], "history": ["1"]}


@pytest.mark.parametrize("endpoint", ["currency_list", "repay", "history"])
def test_modes_come_from_the_state(sim, endpoint):
    sim.reset(dict(copy.deepcopy(BASE_STATE), modes={endpoint: ["1", 2]}))
    requests_of = {"currency_list": lambda: call(sim, "GET", CURRENCY_LIST, account="futures"),
                   "repay": lambda: post_repay(sim, "USDT", ["USDT"], account="futures"),
                   "history": lambda: call(sim, "GET", HISTORY, account="futures")}
    for name, send in requests_of.items():
        okx(send(), "0" if name == endpoint else "51010", 200)


def test_auto_borrow_disabled(sim):
    okx(post_repay(sim, "USDT", ["USDT"], account="noborrow"), "51625", 200)


def test_rate_limit_per_user_and_endpoint(sim):
    first = time.monotonic()
    okx(post_repay(sim, "USDC", ["USDC"]))
    okx(post_repay(sim, "ETH", ["USDT"]), "50011", 429)
    okx(post_repay(sim, "USDT", ["USDT"], account="demo"))
    okx(call(sim, "GET", CONFIG))
    assert [record["debtCcy"] for record in settled_account(sim)["history"]] == ["USDC"]
    time.sleep(max(0.0, first + 2.05 - time.monotonic()))
    okx(post_repay(sim, "ETH", ["USDT"]))
    assert [record["debtCcy"] for record in settled_account(sim)["history"]] == ["USDC", "ETH"]
    assert [entry["code"] for entry in sim.log() if entry["method"] == "POST"] == ["0", "50011", "0", "0"]


def test_config_and_balance(sim):
    (config,) = okx(call(sim, "GET", CONFIG))
    assert (config["uid"], config["mainUid"], config["acctLv"], config["perm"], config["posMode"]) == (
        "44800000000000001", "44800000000000001", "1", "read_only,trade", "net_mode")
    (balance,) = okx(call(sim, "GET", BALANCE + "?ccy=USDC,ETH"))
    details = {detail["ccy"]: detail for detail in balance["details"]}
    assert set(details) == {"USDC", "ETH"}
    assert (details["USDC"]["cashBal"], details["USDC"]["liab"], details["USDC"]["crossLiab"], details["USDC"]["eq"]) == (
        "20", "100", "100", "-80")
    assert details["ETH"]["availBal"] == "0" and details["ETH"]["liab"] == "10"
    assert balance["totalEq"] == str(5000 + 60000 + 20 - 100 - 30000)


# --- repay semantics --------------------------------------------------------------------------------------------------

def test_repay_runs_then_fills_through_usdt_and_the_currency_list_agrees(sim):
    """OKX's history example: a USDC debt repaid from BTC is a BTC-USDT sell, then a USDC-USDT buy, newest first."""
    sim.reset(dict(copy.deepcopy(BASE_STATE), settle_delay=0.6))
    (accepted,) = okx(post_repay(sim, "USDC", ["USDC", "BTC"]))
    assert accepted["debtCcy"] == "USDC" and accepted["repayCcyList"] == ["USDC", "BTC"]
    (running,) = okx(call(sim, "GET", HISTORY))
    assert (running["status"], running["fillDebtSz"], running["ordIdInfo"]) == ("running", "0", [])
    assert running["ts"] != accepted["ts"] and 0 < int(accepted["ts"]) - int(running["ts"]) < 10
    main = settled_account(sim)
    (record,) = main["history"]
    assert (record["status"], record["fillDebtSz"]) == ("filled", "100")
    fields = ("instId", "ordType", "side", "px", "sz", "fillPx", "fillSz", "state")
    assert [{k: order[k] for k in fields} for order in record["ordIdInfo"]] == [
        {"instId": "USDC-USDT", "ordType": "ioc", "side": "buy", "px": "1.005", "sz": "80.080081", "fillPx": "1",
         "fillSz": "80.080081", "state": "filled"},
        {"instId": "BTC-USDT", "ordType": "ioc", "side": "sell", "px": "59700", "sz": "0.0013494311967747", "fillPx": "60000",
         "fillSz": "0.00134943", "state": "filled"}]
    buy, sell = record["ordIdInfo"]
    assert int(record["ts"]) < int(sell["cTime"]) < int(buy["cTime"]) <= int(record["ts"]) + 600
    assert int(sell["ordId"]) < int(buy["ordId"])
    assert main["debts"] == {"ETH": "10"}
    # 20 USDC repaid directly; BTC sold for 80.8848342 USDT after the fee, 80.080081 of it bought USDC, 0.1 % of that
    # went in the fee: 80.000000919 USDC, 80 of them repaid.
    assert main["balances"] == {"USDT": "5000.8047532", "BTC": "0.99865057", "USDC": "0.000000919"}
    (listing,) = okx(call(sim, "GET", CURRENCY_LIST))
    assert listing["debtData"] == [{"debtCcy": "ETH", "debtAmt": "10"}]
    assert listing["repayData"] == [{"repayCcy": "USDT", "repayAmt": "5000.8047532"}, {"repayCcy": "BTC", "repayAmt": "0.99865057"},
                                    {"repayCcy": "USDC", "repayAmt": "0.000000919"}]


@pytest.mark.parametrize("debt, repay, who, legs", [
    ("USDC", ["USDT"], "main", [("USDC-USDT", "buy")]),
    ("ETH", ["BTC"], "main", [("ETH-USDT", "buy"), ("BTC-USDT", "sell")]),
    ("USDC", ["USDC"], "main", []),
    ("USDT", ["BTC"], "demo", [("BTC-USDT", "sell")]),
], ids=["from-usdt-one-buy", "two-legs-through-usdt", "debt-currency-itself-no-order", "usdt-debt-one-sell"])
def test_conversions_route_through_usdt(sim, debt, repay, who, legs):
    okx(post_repay(sim, debt, repay, account=who))
    (record,) = settled_account(sim, who)["history"]
    assert [(order["instId"], order["side"]) for order in record["ordIdInfo"]] == legs
    assert record["status"] == "filled" and all(order["state"] == "filled" for order in record["ordIdInfo"])
    stamps = [int(order["cTime"]) for order in record["ordIdInfo"]]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == len(stamps)


def test_the_fee_is_grossed_up_on_the_buy_of_the_debt_currency(sim):
    okx(post_repay(sim, "USDC", ["USDT"]))
    main = settled_account(sim)
    (record,) = main["history"]
    (order,) = record["ordIdInfo"]
    # 100 / (1 - 0.001) rounded up to the USDC-USDT lot (0.000001); 0.1 % of it goes in the fee, the debt gets 100.
    assert (order["sz"], order["fillSz"], order["px"], order["fillPx"], record["fillDebtSz"]) == (
        "100.100101", "100.100101", "1.005", "1", "100")
    assert main["debts"] == {"ETH": "10"}
    assert main["balances"] == {"USDT": "4899.899899", "BTC": "1", "USDC": "20.000000899"}


def test_a_balance_that_covers_part_of_the_debt_fills_part(sim):
    okx(post_repay(sim, "ETH", ["USDT"]))
    main = settled_account(sim)
    (record,) = main["history"]
    (order,) = record["ordIdInfo"]
    # 5000 USDT buy 5000 / 3015 (the IOC price) ETH, rounded down to the lot: 1.658374 ETH at 3000, 0.1 % in fees.
    assert (order["px"], order["sz"], order["fillSz"], order["fillPx"], order["state"]) == (
        "3015", "1.6583747927031509", "1.658374", "3000", "filled")
    assert (record["status"], record["fillDebtSz"]) == ("filled", "1.656715626")
    assert main["debts"] == {"USDC": "100", "ETH": "8.343284374"}
    assert main["balances"] == {"USDT": "24.878", "BTC": "1", "USDC": "20"}


def test_sizes_round_down_to_the_lot_and_a_leg_under_it_is_canceled(sim):
    sim.reset(state(account("dust", balances={"BTC": "0.000000005", "ETH": "1"}, debts={"USDC": "100"}),
                    lot_sizes={"ETH-USDT": "0.01"}, settle_delay=0.1))
    okx(post_repay(sim, "USDC", ["BTC", "ETH"], account=account("dust")))
    main = settled_account(sim, "dust")
    (record,) = main["history"]
    buy, eth, btc = record["ordIdInfo"]
    assert (btc["instId"], btc["sz"], btc["fillSz"], btc["fillPx"], btc["state"]) == ("BTC-USDT", "0.000000005", "0", "", "canceled")
    assert (eth["instId"], eth["fillSz"], eth["state"]) == ("ETH-USDT", "0.03", "filled")
    assert Decimal(eth["sz"]) > Decimal(eth["fillSz"])
    # 0.03 ETH sold at 3000 brought 89.91 USDT: they buy 89.91 / 1.005 USDC, rounded down to the lot, 0.1 % in fees.
    assert (buy["instId"], buy["fillSz"], record["status"], record["fillDebtSz"]) == ("USDC-USDT", "89.462686", "filled", "89.373223314")
    assert main["debts"] == {"USDC": "10.626776686"} and main["balances"]["BTC"] == "0.000000005"


@pytest.mark.parametrize("btc, state_, fill_px, status", [
    ("59800", "filled", "59800", "filled"), ("59000", "canceled", "", "failed"),
], ids=["within-the-band", "beyond-the-band"])
def test_a_price_move_beyond_the_ioc_band_cancels_the_leg(sim, btc, state_, fill_px, status):
    sim.reset(dict(copy.deepcopy(BASE_STATE), settle_delay=1.0))
    okx(post_repay(sim, "ETH", ["BTC"]))
    assert sim.set_prices({"BTC": btc})["prices"]["BTC"] == btc
    main = settled_account(sim)
    (record,) = main["history"]
    sell = record["ordIdInfo"][-1]
    assert (sell["instId"], sell["px"], sell["state"], sell["fillPx"], record["status"]) == ("BTC-USDT", "59700", state_, fill_px, status)
    if status == "failed":
        assert (record["fillDebtSz"], sell["fillSz"], len(record["ordIdInfo"])) == ("", "0", 1)
        assert main["balances"]["BTC"] == "1" and main["debts"]["ETH"] == "10"


def test_repay_with_nothing_available_fails_with_an_empty_fill(sim):
    okx(post_repay(sim, "ETH", ["SOL"]))
    main = settled_account(sim)
    (record,) = main["history"]
    (order,) = record["ordIdInfo"]
    assert (record["status"], record["fillDebtSz"]) == ("failed", "")
    assert (order["instId"], order["side"], order["sz"], order["fillSz"], order["fillPx"], order["state"]) == (
        "SOL-USDT", "sell", "0", "0", "", "canceled")
    assert main["debts"] == {"USDC": "100", "ETH": "10"}


def test_no_debt_in_that_currency(sim):
    reply = post_repay(sim, "BTC", ["USDT"])
    okx(reply, "51000", 200)
    assert reply.json()["msg"] == "Parameter debtCcy error"
    assert settled_account(sim)["history"] == []
    assert sim.state()["no_debt_repay"] == "51000"


def test_no_debt_repay_failed_records_a_failed_repay(sim):
    sim.reset(dict(copy.deepcopy(BASE_STATE), no_debt_repay="failed"))
    (accepted,) = okx(post_repay(sim, "BTC", ["USDT"]))
    assert accepted["debtCcy"] == "BTC"
    (record,) = settled_account(sim)["history"]
    assert (record["status"], record["fillDebtSz"], record["ordIdInfo"]) == ("failed", "", [])


def test_account_config_has_every_field_okx_documents_with_its_types(sim):
    sim.reset(state(account("auto", spotBorrowAutoRepay=True, enableSpotBorrow=False)))
    (config,) = okx(call(sim, "GET", CONFIG, account=account("auto")))
    documented = {"uid", "mainUid", "acctLv", "perm", "acctStpMode", "autoLoan", "ctIsoMode", "enableSpotBorrow",
                  "spotBorrowAutoRepay", "greeksType", "ip", "kycLv", "label", "level", "levelTmp", "liquidationGear",
                  "mgnIsoMode", "opAuth", "posMode", "roleType", "spotOffsetType", "spotRoleType", "spotTraderInsts",
                  "stgyType", "traderInsts", "type", "settleCcy", "settleCcyList"}
    assert set(config) == documented
    booleans, lists = {"autoLoan", "enableSpotBorrow", "spotBorrowAutoRepay"}, {"settleCcyList", "spotTraderInsts", "traderInsts"}
    assert all(isinstance(config[name], bool) for name in booleans)
    assert all(isinstance(config[name], list) for name in lists)
    assert all(isinstance(config[name], str) for name in documented - booleans - lists)
    assert (config["spotBorrowAutoRepay"], config["enableSpotBorrow"], config["type"], config["mainUid"]) == (
        True, False, "0", config["uid"])


def test_uids_have_17_digits_and_the_three_ranges_never_meet():
    from tests.simulator import okx_model  # pylint: disable=import-outside-toplevel
    derived = [int(account("name%d" % index)["uid"]) for index in range(200)]
    fleet_uids = [int(spec["uid"]) for spec in fleet(1000, 0)["accounts"]]
    model = okx_model.OKX(state(*[{k: v for k, v in account("n%d" % i).items() if k != "uid"} for i in range(3)]))
    defaults = [int(acc["uid"]) for acc in model.view()["accounts"]]
    assert defaults == [okx_model.DEFAULT_UID_BASE + index for index in (1, 2, 3)]
    for uid in derived + fleet_uids + defaults:
        assert len(str(uid)) == 17
    assert max(derived) < states.DERIVED_UID_BASE + states.DERIVED_UID_SPAN <= okx_model.DEFAULT_UID_BASE
    assert okx_model.DEFAULT_UID_BASE + 10 ** 8 < states.FLEET_UID_BASE == min(fleet_uids)
    assert all(len(spec["uid"]) == 17 for spec in states.demo()["accounts"] + states.molecule()["accounts"])


@pytest.mark.parametrize("text, content_type, code, status, msg", [
    ('{"repayCcyList":["USDC"]}', None, "50014", 400, "Parameter debtCcy can not be empty."),
    ('{"debtCcy":"","repayCcyList":["USDC"]}', None, "50014", 400, "Parameter debtCcy can not be empty."),
    ('{"debtCcy":5,"repayCcyList":["USDC"]}', None, "51000", 400, "Parameter debtCcy error"),
    ('{"debtCcy":"NOPECOIN","repayCcyList":["USDC"]}', None, "51000", 400, "Parameter debtCcy error"),
    ('{"debtCcy":"usdc","repayCcyList":["USDC"]}', None, "51000", 400, "Parameter debtCcy error"),
    ('{"debtCcy":"USDC"}', None, "50014", 400, "Parameter repayCcyList can not be empty."),
    ('{"debtCcy":"USDC","repayCcyList":[]}', None, "50014", 400, "Parameter repayCcyList can not be empty."),
    ('{"debtCcy":"USDC","repayCcyList":"USDC"}', None, "51000", 400, "Parameter repayCcyList error"),
    ('{"debtCcy":"USDC","repayCcyList":["USDC","USDC"]}', None, "51000", 400, "Parameter repayCcyList error"),
    ('{"debtCcy":"USDC","repayCcyList":["NOPECOIN"]}', None, "51000", 400, "Parameter repayCcyList error"),
    ("debtCcy=USDC&repayCcyList=USDC", None, "50002", 400, "JSON syntax error"),
    ('["USDC"]', None, "50002", 400, "JSON syntax error"),
    ("", None, "50000", 400, "Body for POST request cannot be empty."),
    ('{"debtCcy":"USDC","repayCcyList":["USDC"]}', "text/plain", "50006", 400, 'Invalid Content-Type. Please use "application/JSON".'),
], ids=["no-debtCcy", "empty-debtCcy", "number-debtCcy", "unknown-debtCcy", "lower-case-debtCcy", "no-list", "empty-list",
        "string-list", "duplicate", "unknown-repay-ccy", "form-body", "array-body", "empty-body", "content-type"])
def test_repay_parameters(sim, text, content_type, code, status, msg):
    reply = call(sim, "POST", REPAY, text=text, headers={"Content-Type": content_type} if content_type else None)
    okx(reply, code, status)
    assert reply.json()["msg"] == msg
    assert settled_account(sim)["history"] == []


@pytest.mark.parametrize("query, expected", [
    ("", ["d", "c", "b"]),
    ("?limit=2", ["d", "c"]),
    ("?after={c}", ["c", "b"]),
    ("?before={c}", ["d", "c"]),
    ("?after={c}&before={c}", ["c"]),
])
def test_history_window_and_paging(sim, query, expected):
    now = int(time.time() * 1000)
    stamps = {"a": now - 8 * 86400 * 1000, "b": now - 3000, "c": now - 2000, "d": now - 1000}
    state = copy.deepcopy(BASE_STATE)
    state["accounts"][0]["history"] = [{"debtCcy": name, "repayCcyList": ["USDT"], "fillDebtSz": "1", "status": "filled",
                                        "ts": str(stamp), "ordIdInfo": []} for name, stamp in stamps.items()]
    sim.reset(state)
    data = okx(call(sim, "GET", HISTORY + query.format(**stamps)))
    assert [record["debtCcy"] for record in data] == expected


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?limit=ten", "?after=yesterday"])
def test_history_bad_parameters(sim, query):
    okx(call(sim, "GET", HISTORY + query), "51000", 400)


# --- asynchronous settlement, history lag ----------------------------------------------------------------------------------

def test_history_lag_hides_a_repay_even_after_it_settled(sim):
    sim.reset(dict(copy.deepcopy(BASE_STATE), settle_delay=0.05, history_lag=1.0))
    posted = time.monotonic()
    okx(post_repay(sim, "USDC", ["USDC"]))
    okx(post_repay(sim, "USDT", ["USDT"], account="demo"))
    shown = time.monotonic() + 1.0
    assert [(r["debtCcy"], r["status"]) for r in settled_account(sim)["history"]] == [("USDC", "filled")]
    assert okx(call(sim, "GET", HISTORY)) == []
    assert time.monotonic() - posted < 1.0, "the machine was too slow to see the repay before its history_lag"
    time.sleep(max(0.0, shown - time.monotonic()))
    (record,) = okx(call(sim, "GET", HISTORY, account="demo"))
    assert (record["debtCcy"], record["status"]) == ("USDT", "filled")
    assert sim.state()["history_lag"] == 1.0


def test_history_lag_does_not_hide_the_state_files_own_records(sim):
    state = copy.deepcopy(BASE_STATE)
    state["history_lag"] = 3600
    state["accounts"][0]["history"] = [{"debtCcy": "ETH", "repayCcyList": ["USDT"], "fillDebtSz": "1", "status": "filled",
                                        "ts": str(int(time.time() * 1000) - 5000), "ordIdInfo": []}]
    sim.reset(state)
    assert [record["debtCcy"] for record in okx(call(sim, "GET", HISTORY))] == ["ETH"]


def test_config_changes_settle_delay_and_history_lag_for_later_repays(sim):
    assert sim.configure(settle_delay=60, history_lag=0) == {"settle_delay": 60.0, "history_lag": 0.0}
    okx(post_repay(sim, "USDC", ["USDC"]))
    (record,) = okx(call(sim, "GET", HISTORY))
    assert record["status"] == "running"
    state = sim.state()
    assert (state["settle_delay"], state["history_lag"], state["pending"]) == (60.0, 0.0, 1)
    assert sim.configure(history_lag=2.5) == {"settle_delay": 60.0, "history_lag": 2.5}


@pytest.mark.parametrize("settings", [{"settle_delay": -1}, {"history_lag": float("inf")}, {"history_lag": float("nan")},
                                      {"history_lag": "1"}, {"settle_delay": True}, {"lag": 1}],
                         ids=["negative", "infinite", "nan", "string", "bool", "unknown-name"])
def test_config_refuses_bad_values(sim, settings):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        sim.configure(**settings)
    state = sim.state()
    assert (state["settle_delay"], state["history_lag"]) == (0.2, 0.0)


def test_borrow_adds_debts_that_the_currency_list_shows_and_a_repay_clears(sim):
    assert sim.borrow("main", {"USDC": "50", "BTC": 0.5}) == {"debts": {"USDC": "150", "ETH": "10", "BTC": "0.5"}}
    (overview,) = okx(call(sim, "GET", CURRENCY_LIST))
    owed = {item["debtCcy"]: item["debtAmt"] for item in overview["debtData"]}
    assert owed == {"USDC": "150", "ETH": "10", "BTC": "0.5"}
    okx(post_repay(sim, "BTC", ["BTC"]))
    assert "BTC" not in settled_account(sim)["debts"]


@pytest.mark.parametrize("payload", [{"account": "nobody", "debts": {"USDC": "1"}},
                                     {"account": "main", "debts": {"USDC": "0"}},
                                     {"account": "main", "debts": {"USDC": "-1"}},
                                     {"account": "main", "debts": {"NOTACOIN": "1"}},
                                     {"account": "main", "debts": ["USDC"]},
                                     {"account": "main"}],
                         ids=["no-such-account", "zero", "negative", "unknown-currency", "not-a-book", "no-debts"])
def test_borrow_refuses_what_is_not_a_borrowing_and_changes_nothing(sim, payload):
    assert requests.post(sim.url + "/__sim__/borrow", json=payload, timeout=5).status_code == 400
    assert settled_account(sim)["debts"] == {"USDC": "100", "ETH": "10"}


def test_the_log_names_the_user_agent_of_each_request(sim):
    call(sim, "GET", CONFIG, headers={"User-Agent": "cryptoops.okx/0.1.0 (test)"})
    assert sim.log()[-1]["agent"] == "cryptoops.okx/0.1.0 (test)"


def test_state_file_refuses_a_negative_history_lag(tmp_path):
    with pytest.raises(RuntimeError, match="history_lag"):
        start_simulator(dict(BASE_STATE, history_lag=-1), str(tmp_path / "bad"))


# --- faults ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fault, status, code, executed", [
    ({"kind": "busy"}, 503, "50013", False),
    ({"kind": "busy", "status": 429}, 429, "50013", False),
    ({"kind": "unavailable"}, 503, "50001", False),
    ({"kind": "system_error"}, 500, "50026", False),
    ({"kind": "endpoint_timeout"}, 400, "50004", False),
    ({"kind": "endpoint_timeout", "apply": True}, 400, "50004", True),
    ({"kind": "http_500"}, 500, None, False),
    ({"kind": "non_json"}, 502, None, False),
    ({"kind": "html_200"}, 200, None, False),
    ({"kind": "html_200", "apply": True}, 200, None, True),
    ({"kind": "truncated_json"}, 200, None, True),
    ({"kind": "truncated_json", "apply": False}, 200, None, False),
    ({"kind": "malformed", "data": None}, 200, "0", True),
    ({"kind": "malformed", "data": [], "apply": False}, 200, "0", False),
    ({"kind": "drip", "rate": 2000}, 200, "0", True),
    ({"kind": "drip", "rate": 2000, "apply": False}, 503, "50001", False),
    ({"kind": "rate_limited"}, 429, "50011", False),
], ids=["busy", "busy-429", "unavailable", "system-error", "endpoint-timeout", "endpoint-timeout-applied", "http-500", "non-json",
        "html-200", "html-200-applied", "truncated-json", "truncated-json-not-applied", "malformed", "malformed-not-applied",
        "drip", "drip-not-applied", "rate-limited"])
def test_fault_replies(sim, fault, status, code, executed):
    sim.set_faults([dict(fault, path=REPAY, method="POST")])
    reply = post_repay(sim)
    assert reply.status_code == status
    if code is None:
        with pytest.raises(ValueError):
            reply.json()
    else:
        assert reply.json()["code"] == code
    assert len(settled_account(sim)["history"]) == int(executed)
    (entry,) = sim.log()
    assert (entry["fault"], entry["applied"], entry["http_status"], entry["code"], entry["debt_ccy"]) == (
        fault["kind"], executed, status, code, "USDC")
    if not executed:
        okx(post_repay(sim))


def test_html_200_is_an_html_page_with_status_200(sim):
    sim.set_faults([{"path": CONFIG, "kind": "html_200"}])
    reply = call(sim, "GET", CONFIG)
    assert (reply.status_code, reply.headers["Content-Type"].split(";")[0]) == (200, "text/html")
    assert reply.text.startswith("<!DOCTYPE html>") and "</html>" in reply.text


@pytest.mark.parametrize("apply", [True, False], ids=["executed", "not-executed"])
def test_truncated_json_is_the_first_half_of_the_reply_with_a_matching_content_length(sim, apply):
    whole = call(sim, "GET", CONFIG).content if apply else json.dumps(
        {"code": "50001", "msg": "Service temporarily unavailable. Please try again later.", "data": []}, separators=(",", ":")).encode()
    sim.set_faults([{"path": CONFIG, "kind": "truncated_json", "apply": apply}])
    reply = call(sim, "GET", CONFIG)
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/json"
    assert reply.content == whole[:len(whole) // 2] and int(reply.headers["Content-Length"]) == len(whole) // 2
    with pytest.raises(ValueError):
        reply.json()


@pytest.mark.parametrize("data", [None, {}, ["x"], [{"debtData": "USDC"}], "", 0],
                         ids=["null", "object", "strings", "wrong-shape", "empty-string", "number"])
def test_malformed_data_in_an_ok_envelope_after_executing(sim, data):
    sim.set_faults([{"path": REPAY, "method": "POST", "kind": "malformed", "data": data}])
    reply = post_repay(sim)
    assert (reply.status_code, reply.json()) == (200, {"code": "0", "msg": "", "data": data})
    assert len(settled_account(sim)["history"]) == 1


@pytest.mark.parametrize("body, code", [({"code": "0", "msg": ""}, "0"), ({"code": "0", "msg": "", "data": {"ts": 1}}, "0"),
                                        ({"data": []}, None), ([], None), ("ok", None), (None, None)],
                         ids=["no-data", "data-object", "no-code", "list", "string", "null"])
def test_malformed_body_is_sent_exactly(sim, body, code):
    sim.set_faults([{"path": CONFIG, "kind": "malformed", "body": body, "status": 202}])
    reply = call(sim, "GET", CONFIG)
    assert (reply.status_code, reply.headers["Content-Type"], reply.json()) == (202, "application/json", body)
    (entry,) = sim.log()
    assert (entry["fault"], entry["applied"], entry["http_status"], entry["code"], entry["uid"]) == (
        "malformed", True, 202, code, "44800000000000001")


def test_drip_sends_the_whole_reply_and_never_starves_a_read_timeout(sim):
    expected = call(sim, "GET", CONFIG).json()
    sim.set_faults([{"path": CONFIG, "kind": "drip", "rate": 500, "delay": 0.2}])
    started = time.monotonic()
    reply = call(sim, "GET", CONFIG, timeout=(5, 0.6))  # each read waits 0.2 s at most, the whole reply about 1 s
    elapsed = time.monotonic() - started
    assert reply.json() == expected and int(reply.headers["Content-Length"]) == len(reply.content)
    assert elapsed >= 0.2 + (len(reply.content) - 1) / 500.0 > 0.6
    (entry,) = sim.log()[1:]
    assert (entry["fault"], entry["applied"], entry["http_status"], entry["code"]) == ("drip", True, 200, "0")


def test_drip_rate_is_bytes_per_second(sim):
    sim.set_faults([{"path": "/api/v5/public/time", "kind": "drip", "rate": 5.0}])
    with requests.get(sim.url + "/api/v5/public/time", stream=True, timeout=5) as reply:
        assert reply.headers["Content-Type"] == "application/json"
        times = []
        while len(times) < 3:
            assert len(reply.raw.read(1)) == 1
            times.append(time.monotonic())
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(0.15 < gap < 0.6 for gap in gaps), gaps


def test_drip_default_rate_is_one_byte_per_second(sim):
    sim.set_faults([{"kind": "drip"}, {"kind": "drip", "rate": 0.5, "delay": 1}])
    assert [(fault["rate"], fault["delay"], fault["apply"]) for fault in sim.faults()] == [(1.0, 0.0, True), (0.5, 1.0, True)]


@pytest.mark.parametrize("value", ["86400", "inf", "nan", "-1", "abc", "1.5", 120])
def test_retry_after_is_sent_exactly_as_given(sim, value):
    sim.set_faults([{"kind": "rate_limited", "retry_after": value}, {"kind": "busy", "retry_after": value}])
    for code, status in (("50011", 429), ("50013", 503)):
        reply = call(sim, "GET", CONFIG)
        okx(reply, code, status)
        assert reply.headers["Retry-After"] == str(value)
    assert "Retry-After" not in call(sim, "GET", CONFIG).headers


@pytest.mark.parametrize("apply", [False, True])
def test_fault_drop(sim, apply):
    sim.set_faults([{"path": REPAY, "method": "POST", "kind": "drop", "apply": apply}])
    with pytest.raises(requests.ConnectionError):
        post_repay(sim)
    assert len(settled_account(sim)["history"]) == int(apply)
    (entry,) = sim.log()
    assert (entry["fault"], entry["applied"], entry["http_status"]) == ("drop", apply, None)


def test_fault_slow_applies_then_the_reply_is_lost(sim):
    sim.set_faults([{"path": REPAY, "method": "POST", "kind": "slow", "delay": 1.0}])
    with pytest.raises(requests.ReadTimeout):
        post_repay(sim, timeout=0.3)
    assert [record["status"] for record in settled_account(sim)["history"]] == ["filled"]
    (entry,) = sim.log()
    assert (entry["fault"], entry["code"], entry["http_status"]) == ("slow", "0", 200)


def test_faults_match_path_and_method_and_are_consumed_in_order(sim):
    sim.set_faults([{"path": REPAY, "method": "POST", "kind": "busy", "times": 2}, {"kind": "unavailable"}])
    okx(call(sim, "GET", CONFIG), "50001", 503)
    okx(post_repay(sim), "50013", 503)
    okx(post_repay(sim), "50013", 503)
    assert sim.faults() == []
    okx(post_repay(sim))
    assert [entry["fault"] for entry in sim.log()] == ["unavailable", "busy", "busy", None]


def test_after_post_arms_a_fault_only_once_a_repay_post_was_served(sim):
    sim.set_faults([{"path": CONFIG, "kind": "busy", "after_post": True, "times": 2}])
    okx(call(sim, "GET", CONFIG))
    assert [fault["armed"] for fault in sim.faults()] == [False]
    okx(post_repay(sim))
    okx(call(sim, "GET", CONFIG), "50013", 503)
    okx(call(sim, "GET", CONFIG), "50013", 503)
    okx(call(sim, "GET", CONFIG))
    assert [entry["fault"] for entry in sim.log()] == [None, None, "busy", "busy", None]


def test_runs_after_lost_reply_then_okx_runs_it_later(sim):
    sim.set_faults([{"path": REPAY, "method": "POST", "kind": "drop", "apply": True, "runs_after": 1.5}])
    posted = time.time()
    with pytest.raises(requests.ConnectionError):
        post_repay(sim, "USDC", ["USDC"])
    assert sim.state()["accounts"][0]["history"] == [] and sim.state()["pending"] == 1
    assert okx(call(sim, "GET", HISTORY)) == []
    time.sleep(2.1)  # past runs_after + settle_delay, and the history endpoint's 1 request / 2 s
    main = settled_account(sim)
    (record,) = main["history"]
    assert record["status"] == "filled" and main["debts"] == {"USDC": "80", "ETH": "10"}
    assert 1.4 < int(record["ts"]) / 1000.0 - posted < 2.5
    (shown,) = okx(call(sim, "GET", HISTORY, clock=time.time()))
    assert shown["ts"] == record["ts"]
    (entry,) = [entry for entry in sim.log() if entry["method"] == "POST"]
    assert (entry["fault"], entry["applied"], entry["http_status"]) == ("drop", True, None)


def history_state(*names):
    """BASE_STATE whose main account has filled records named ``names``, one second apart, the last the newest."""
    now = int(time.time() * 1000)
    built = copy.deepcopy(BASE_STATE)
    built["accounts"][0]["history"] = [{"debtCcy": name, "repayCcyList": ["USDT"], "fillDebtSz": "1", "status": "filled",
                                        "ts": str(now - 1000 * (len(names) - index)), "ordIdInfo": []}
                                       for index, name in enumerate(names)]
    return built


def test_ignore_after_answers_every_page_as_the_newest(sim):
    built = history_state("b", "c", "d")
    sim.reset(built)
    oldest = built["accounts"][0]["history"][0]["ts"]
    sim.set_faults([{"path": HISTORY, "kind": "ignore_after", "times": 1000000}])
    data = okx(call(sim, "GET", HISTORY + "?limit=2&after=" + oldest))
    assert [record["debtCcy"] for record in data] == ["d", "c"]
    (entry,) = sim.log()
    assert (entry["fault"], entry["applied"], entry["code"]) == ("ignore_after", True, "0")
    assert sim.faults()[0]["times"] == 999999


def test_repeat_records_lists_each_record_twice(sim):
    sim.reset(history_state("b", "c"))
    sim.set_faults([{"path": HISTORY, "method": "GET", "kind": "repeat_records"}])
    assert [record["debtCcy"] for record in okx(call(sim, "GET", HISTORY))] == ["c", "c", "b", "b"]


@pytest.mark.parametrize("fault", [
    {"kind": "meteor"}, {"kind": "busy", "times": 0}, {"kind": "slow", "delay": -1}, {"kind": "drip", "rate": 0},
    {"kind": "drip", "rate": -2}, {"kind": "drip", "rate": "fast"}, {"kind": "malformed"}, {"kind": "malformed", "data": [], "body": {}},
    {"kind": "busy", "status": 99}, {"kind": "busy", "retry_after": ["1"]}, {"kind": "busy", "retry_after": "1\r\nX-Evil: 1"},
    {"kind": "busy", "times": 1.5}, {"kind": "busy", "times": True}, {"kind": "busy", "after_post": "yes"},
    {"kind": "ignore_after"}, {"kind": "repeat_records", "path": CONFIG}, {"kind": "drop", "apply": True, "runs_after": 5},
    {"kind": "busy", "method": "POST", "path": REPAY, "runs_after": 5},
    {"kind": "drop", "method": "POST", "path": REPAY, "apply": True, "runs_after": -1},
], ids=["unknown-kind", "times-0", "negative-delay", "rate-0", "negative-rate", "rate-text", "malformed-without-reply",
        "malformed-with-both", "status-99", "retry-after-list", "retry-after-newline", "times-float", "times-bool",
        "after-post-text", "ignore-after-without-path", "repeat-records-elsewhere", "runs-after-without-post",
        "runs-after-not-executed", "runs-after-negative"])
def test_bad_fault_list_is_refused(sim, fault):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        sim.set_faults([fault])
    assert sim.faults() == []


# --- states.py, scale ---------------------------------------------------------------------------------------------------

def test_account_credentials_are_derived_from_the_name_unless_given():
    first, again, other = account("alpha"), account("alpha"), account("beta")
    assert first == again
    for field in ("uid", "api_key", "secret", "passphrase"):
        assert first[field] and first[field] != other[field], field
    assert {k: first[k] for k in ("env", "acctLv", "perm", "balances", "debts")} == {
        "env": "live", "acctLv": "1", "perm": "read_only,trade", "balances": {}, "debts": {}}
    given = account("alpha", uid=7, api_key="k", secret="s", passphrase="p", env="demo", acct_lv=2, perm="read_only",
                    balances={"BTC": 0.5}, debts={"USDT": 10}, enableSpotBorrow=False)
    assert given == {"name": "alpha", "uid": "7", "api_key": "k", "secret": "s", "passphrase": "p", "env": "demo", "acctLv": "2",
                     "perm": "read_only", "balances": {"BTC": "0.5"}, "debts": {"USDT": "10"}, "enableSpotBorrow": False}


def test_state_takes_accounts_or_names_and_refuses_duplicates():
    built = state("alpha", account("beta", debts={"USDC": "5"}), prices={"BTC": 1}, currencies=["USDC", "USDT"])
    assert [spec["name"] for spec in built["accounts"]] == ["alpha", "beta"]
    assert (built["prices"], built["settle_delay"], built["history_lag"], built["currencies"]) == ({"BTC": "1"}, 2.0, 0, ["USDC", "USDT"])
    for twins in ((account("alpha"), account("alpha")), (account("a", uid=1), account("b", uid=1)),
                  (account("a", api_key="k"), account("b", api_key="k"))):
        with pytest.raises(ValueError, match="share"):
            state(*twins)


def test_fleet_accounts_owe_distinct_priced_debts_and_can_repay_them_all():
    built = fleet(1000, 3)
    specs = built["accounts"]
    assert len(specs) == 1000 and (specs[0]["name"], specs[-1]["name"]) == ("acct0000", "acct0999")
    for field in ("name", "uid", "api_key", "secret", "passphrase"):
        assert len({spec[field] for spec in specs}) == 1000, field
    for spec in specs:
        assert len(spec["debts"]) == 3 and "USDT" not in spec["debts"]
        owed_usd = sum(Decimal(amount) * Decimal(built["prices"][ccy]) for ccy, amount in spec["debts"].items())
        assert owed_usd < Decimal(spec["balances"]["USDT"])
    assert fleet(2, 12, prefix="bench", history_lag=5)["accounts"][1]["name"] == "bench0001"
    with pytest.raises(ValueError):
        fleet(1, 13)


def test_a_fleet_of_1000_accounts_repays_and_costs_little_cpu_per_request(sim):
    built = fleet(1000, 3, settle_delay=0.3, history_lag=0.3)
    sim.reset(built)
    some = built["accounts"][::20]
    before = sim.cpu_seconds()
    for spec in some:
        okx(post_repay(sim, "BTC", ["USDT"], account=spec))
    for spec in some:
        okx(call(sim, "GET", BALANCE, account=spec))
    per_request = (sim.cpu_seconds() - before) / (2 * len(some))
    assert per_request < 0.01, "%.1f ms of simulator CPU per request" % (per_request * 1000)
    deadline = time.monotonic() + 10
    while sim.state()["pending"] and time.monotonic() < deadline:
        time.sleep(0.1)
    accounts = {spec["name"]: spec for spec in sim.state()["accounts"]}
    assert sum(len(accounts[spec["name"]]["history"]) for spec in some) == len(some)
    assert all(set(accounts[spec["name"]]["debts"]) == {"USDC", "ETH"} for spec in some)
    assert set(accounts["acct0001"]["debts"]) == {"USDC", "BTC", "ETH"}
    (record,) = okx(call(sim, "GET", HISTORY, account=some[-1]))
    assert (record["debtCcy"], record["status"]) == ("BTC", "filled")


# --- clock, log, admin, process -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("skew", [120, -120], ids=["server-ahead", "server-behind"])
def test_clock_skew(sim, skew):
    sim.set_clock_skew(skew)
    okx(call(sim, "GET", CONFIG), "50102", 401)
    (server,) = okx(requests.get(sim.url + "/api/v5/public/time", timeout=5))
    offset = int(server["ts"]) / 1000.0 - time.time()
    assert skew - 2 < offset < skew + 2
    okx(call(sim, "GET", CONFIG, clock=time.time() + offset))
    assert [entry["code"] for entry in sim.log()] == ["50102", "0", "0"]


@pytest.mark.parametrize("skew, code, status", [(35, "50102", 401), (-35, "50102", 401), (25, "0", 200), (-25, "0", 200)],
                         ids=["ahead-beyond-30s", "behind-beyond-30s", "ahead-within-30s", "behind-within-30s"])
def test_a_real_clock_timestamp_against_a_skewed_server(sim, skew, code, status):
    sim.set_clock_skew(skew)
    okx(call(sim, "GET", CONFIG), code, status)


@pytest.mark.parametrize("skew", [-3600, 3600], ids=["behind", "ahead"])
def test_ts_fields_follow_the_skewed_clock(sim, skew):
    sim.set_clock_skew(skew)
    skewed_ms = (time.time() + skew) * 1000
    (accepted,) = okx(post_repay(sim, "USDC", ["BTC"], clock=time.time() + skew))
    (record,) = settled_account(sim)["history"]
    (shown,) = okx(call(sim, "GET", HISTORY, clock=time.time() + skew))
    (balance,) = okx(call(sim, "GET", BALANCE, clock=time.time() + skew))
    assert int(record["ts"]) == int(accepted["ts"]) - 3 and shown["ts"] == record["ts"]
    for stamp in (accepted["ts"], record["ordIdInfo"][0]["cTime"], balance["uTime"]):
        assert abs(int(stamp) - skewed_ms) < 5000


@pytest.mark.parametrize("skew", ["nan", "inf", "soon"])
def test_clock_skew_must_be_a_finite_number(sim, skew):
    with pytest.raises(urllib.error.HTTPError, match="400"):
        sim.set_clock_skew(float(skew) if skew != "soon" else skew)
    assert sim.state()["clock_skew"] == 0


@pytest.mark.parametrize("skew", [0, -7200, 86400])
def test_every_okx_reply_has_a_date_header_from_the_skewed_clock(sim, skew):
    sim.set_clock_skew(skew)
    sim.set_faults([{"path": BALANCE, "kind": "html_200"}])
    replies = [call(sim, "GET", CONFIG, clock=time.time() + skew), call(sim, "GET", CONFIG), call(sim, "GET", BALANCE),
               requests.get(sim.url + "/api/v5/public/time", timeout=5)]
    assert [reply.status_code for reply in replies] == [200, 401 if skew else 200, 200, 200]
    for reply in replies:
        (date,) = reply.raw.headers.getlist("Date")
        assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                            r"\d\d:\d\d:\d\d GMT", date), date
        assert abs(email.utils.parsedate_to_datetime(date).timestamp() - (time.time() + skew)) < 3


def test_request_log_never_holds_secrets(sim):
    okx(call(sim, "GET", CONFIG))
    okx(call(sim, "GET", CONFIG, headers={"OK-ACCESS-PASSPHRASE": "wrong"}), "50105", 401)
    okx(post_repay(sim))
    entries = sim.log()
    assert [(e["method"], e["path"], e["uid"], e["code"], e["http_status"]) for e in entries] == [
        ("GET", CONFIG, "44800000000000001", "0", 200), ("GET", CONFIG, None, "50105", 401), ("POST", REPAY, "44800000000000001", "0", 200)]
    assert entries[2]["debt_ccy"] == "USDC"
    assert all(e["key"].startswith("sim-") and e["key"] != "sim-live-key-1" for e in entries)
    assert all(entries[0]["time"] <= e["time"] and entries[0]["monotonic"] <= e["monotonic"] for e in entries)
    text = json.dumps(entries) + json.dumps(sim.state())
    for secret in ("SIM-SECRET-1", "Sim-Pass-1", "sim-live-key-1"):
        assert secret not in text
    with open(sim.log_path, encoding="utf-8") as handle:
        assert [json.loads(line) for line in handle][-3:] == entries


def test_unknown_path_and_wrong_method(sim):
    assert call(sim, "GET", "/api/v5/no/such/endpoint").status_code == 404
    okx(call(sim, "GET", REPAY), "50115", 405)


def test_reset_restores_the_state(sim):
    okx(post_repay(sim, "USDC", ["USDC"]))
    assert settled_account(sim)["debts"] == {"USDC": "80", "ETH": "10"}
    sim.reset(copy.deepcopy(BASE_STATE))
    assert settled_account(sim)["debts"] == {"USDC": "100", "ETH": "10"} and sim.log() == []


def test_readme_names_only_files_that_exist():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    names = set(re.findall(r"\]\(([^)#]+)\)", text)) | set(re.findall(r"`([\w./-]+\.(?:py|json|md|ini|yml))`", text))
    local = {name for name in names if not name.startswith("http")}
    assert {"../okx-signature-vectors.json", "states.py", "../../pytest.ini"} <= local
    assert [name for name in sorted(local) if not os.path.exists(os.path.join(HERE, name))
            and not os.path.exists(os.path.join(HERE, "..", "..", name))] == []


def test_harness_reports_a_bad_state(tmp_path):
    with pytest.raises(RuntimeError, match="accounts"):
        start_simulator({"no": "accounts"}, str(tmp_path / "bad"))


def test_cpu_seconds_counts_the_simulator_process_work(sim):
    before = sim.cpu_seconds()
    deadline = time.monotonic() + 10
    while sim.cpu_seconds() - before < 0.05 and time.monotonic() < deadline:
        for path in ["/api/v5/public/time"] * 20:
            requests.get(sim.url + path, timeout=5)
    after = sim.cpu_seconds()
    assert 0.05 <= after - before < 10 and before > 0
    with open("/proc/%d/stat" % sim.proc.pid, encoding="ascii") as handle:
        fields = handle.read().split()
    assert after <= (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK") < after + 1


def test_sigterm_stops_the_process(tmp_path):
    simulator = start_simulator(BASE_STATE, str(tmp_path / "stop"))
    okx(requests.get(simulator.url + "/api/v5/public/time", timeout=5))
    simulator.stop()
    assert simulator.proc.returncode == 0


# --- the model in-process, the one command ------------------------------------------------------------------------------

IN_PROCESS = r'''
import json, sys, time
sys.modules["werkzeug"] = None  # the model must not need it
from tests.simulator.okx_model import OKX, ManualClock as FakeClock, sign
from tests.simulator.states import account, state


clock = FakeClock()
main = account("main", balances={"BTC": "1"}, debts={"USDC": "9.079631989"})
model = OKX(state(main, prices={"BTC": "83271.9", "USDC": "1", "USDT": "1"}, settle_delay=3.0), clock=clock)


def call(method, path, body=""):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(clock.time()))) + ".%03dZ" % (int(clock.time() * 1000) % 1000)
    headers = {"ok-access-key": main["api_key"], "OK-ACCESS-SIGN": sign(main["secret"], stamp, method, path, body),
               "Ok-Access-Timestamp": stamp, "OK-ACCESS-PASSPHRASE": main["passphrase"], "Content-Type": "application/json"}
    return model.handle(method, path, headers, body.encode())


reply = call("POST", "/api/v5/trade/one-click-repay-v2", json.dumps({"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]}))
assert (reply.status, reply.okx, reply.transport) == (200, ("0", ""), None), reply
clock.sleep(2.9)
assert model.view()["accounts"][0]["history"][0]["status"] == "running"
clock.sleep(0.1)
view = model.view()
print(json.dumps({"reply": json.loads(reply.body), "account": view["accounts"][0], "pending": view["pending"],
                  "log": [entry["code"] for entry in model.log()], "werkzeug": "werkzeug.serving" in sys.modules}))
'''


def interpreters():
    """This Python, and a 3.11 if there is one (the unit tests' oldest)."""
    found = [sys.executable]
    for candidate in (shutil.which("python3.11"), os.path.expanduser("~/.pyenv/versions/3.11.7/bin/python3.11")):
        if candidate and os.path.exists(candidate) and candidate not in found:
            found.append(candidate)
            break
    return found


@pytest.mark.parametrize("python", interpreters())
def test_the_model_runs_in_process_on_a_fake_clock_without_werkzeug(python):
    done = subprocess.run([python, "-c", IN_PROCESS], cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    (record,) = result["account"]["history"]
    assert (result["pending"], result["log"], result["werkzeug"]) == (0, ["0"], False)
    assert (record["status"], record["fillDebtSz"], int(record["ts"])) == ("filled", "9.079631989", 1742192217000 - 3)
    buy, sell = record["ordIdInfo"]
    assert (buy["instId"], sell["instId"], sell["fillPx"], buy["fillPx"]) == ("USDC-USDT", "BTC-USDT", "83271.9", "1")
    assert int(sell["cTime"]) < int(buy["cTime"]) == 1742192217000 - 3 + 3000
    assert result["account"]["debts"] == {}


def test_one_command_serves_the_demo_accounts_and_prints_them():
    proc = subprocess.Popen([sys.executable, "-m", "tests.simulator", "--port", "0"], cwd=REPO,  # pylint: disable=consider-using-with
                            env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while not lines or not lines[-1].startswith("Serving until Ctrl-C"):
            assert time.monotonic() < deadline and proc.poll() is None, lines
            lines.append(proc.stdout.readline().rstrip("\n"))
        assert lines[0].startswith("OKX simulator listening on http://127.0.0.1:")
        url = lines[0].split(" on ")[1]
        okx(requests.get(url + "/api/v5/public/time", timeout=5))
        header = next(index for index, line in enumerate(lines) if line.split()[:3] == ["name", "env", "api"])
        for spec in states.demo()["accounts"]:
            (row,) = [line for line in lines[header + 1:] if line.startswith(spec["name"] + " ")]
            for value in (spec["env"], spec["api_key"], spec["secret"], spec["passphrase"], "USDT"):
                assert value in row.split(), (value, row)
        assert any(url in line and "okx_repay_api_url" in line for line in lines)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_one_command_says_what_is_missing():
    code = "import runpy, sys; sys.modules['werkzeug'] = None; sys.argv = ['x']; runpy.run_module('tests.simulator', run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert "werkzeug" in done.stderr and "make venv" in done.stderr and "pip install werkzeug" in done.stderr


def test_the_readme_lists_the_demo_accounts_the_command_serves():
    """The README's table of demo accounts is states.demo(), which `python -m tests.simulator` serves."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()

    def amounts(book):
        return ", ".join("%s %s" % item for item in book.items())

    for spec in states.demo()["accounts"]:
        row = "| `%s` | %s | %s | %s |" % (spec["name"], spec["env"], amounts(spec["debts"]), amounts(spec["balances"]))
        assert row in readme, row
