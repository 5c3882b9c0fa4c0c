# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract with OKX: the collection reads OKX's documented example replies (tests/okx-examples, README.md there)
as OKX means them, and the variants OKX's OpenAPI description allows of them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from decimal import Decimal

import pytest
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import ACCOUNT_CONFIG, PUBLIC_TIME
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_market import (
    INDEX_TICKERS,
    INSTRUMENTS,
    INTEREST_RATE,
    TICKERS,
    TRADE_FEE,
    Instrument,
    Ticker,
    parse_instruments,
    parse_interest_rates,
    parse_taker_fee,
    parse_tickers,
    parse_usd_prices,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    CURRENCY_LIST,
    HISTORY,
    REPAY,
    parse_history,
    parse_overview,
    parse_repay_reply,
    snake_order,
)
from ansible_collections.cryptoops.okx.tests.okx_examples import FIELDS, load, merge, missing, names, shape
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import URL

ENDPOINTS = {
    "account-config": ACCOUNT_CONFIG,
    "currency-list-v2": CURRENCY_LIST,
    "history-v2": HISTORY,
    "index-tickers": INDEX_TICKERS,
    "instruments": INSTRUMENTS,
    "interest-rate": INTEREST_RATE,
    "one-click-repay-v2": REPAY,
    "public-time": PUBLIC_TIME,
    "tickers": TICKERS,
    "trade-fee": TRADE_FEE,
}


def data(name):
    """The ``data`` of a fixture's reply (a fresh copy: tests may change it)."""
    return copy.deepcopy(load(name)["reply"]["data"])


def serve(okx, name):
    """Have the mocked OKX answer the fixture's endpoint with its reply (and the uid with account config's)."""
    for fixture in (load("account-config"), load(name)):
        method, path = fixture["endpoint"].split(" ", 1)
        okx.add(getattr(responses, method), URL + path, json=fixture["reply"])


# --- the fixtures themselves --------------------------------------------------------------------------------------

def test_one_fixture_per_endpoint_the_collection_uses():
    assert names() == sorted(ENDPOINTS)
    for name, endpoint in ENDPOINTS.items():
        assert load(name)["endpoint"] == str(endpoint)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_a_fixture_says_where_it_comes_from(name):
    fixture = load(name)
    assert sorted(fixture) == sorted(FIELDS)
    assert fixture["source"].startswith("https://www.okx.com/docs-v5/en/#")
    # The repay pages come from the project's notes of OKX's pages, the market data from a public copy of them.
    assert fixture["copied_from"] in ("../shared/okx/pages-2026-07.md", "../shared/okx/api-reference.md") or \
        fixture["copied_from"].startswith("https://github.com/qiuham/crypto-api-docs/blob/")
    assert isinstance(fixture["verbatim"], bool) and fixture["notes"]
    assert fixture["verbatim"] is (name != "account-config")  # the pages print no example of account config
    reply = fixture["reply"]
    assert sorted(reply) == ["code", "data", "msg"] and (reply["code"], reply["msg"]) == ("0", "")


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_the_client_takes_each_reply_as_it_is(okx, make_client, name):
    serve(okx, name)
    endpoint = ENDPOINTS[name]
    body = {"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]} if endpoint is REPAY else None
    assert make_client().request(endpoint, body=body) == data(name)


# --- what the collection reads of each --------------------------------------------------------------------------

def test_currency_list_debts_and_repay_currencies():
    debts, repay = parse_overview(data("currency-list-v2"))
    assert debts == {"USDC": "100"}
    assert repay == {"BTC": "1.000022977", "USDT": "4998.0002397", "OKB": "100", "ETH": "1", "USDC": "100"}
    assert list(repay) == ["BTC", "USDT", "OKB", "ETH", "USDC"]  # as OKX lists them


def test_post_reply_is_the_request_time():
    assert parse_repay_reply(data("one-click-repay-v2"), "USDC") == "1742192217514"


def test_history_two_records_newest_first_with_their_orders():
    records = parse_history(data("history-v2"))
    assert [record.ts for record in records] == [1742194481852, 1742192217511]
    assert all(record.problem is None for record in records)
    assert all(record.status == "filled" and record.debt_ccy == "USDC" for record in records)
    assert all(record.repay_ccy_list == ["USDC", "BTC"] for record in records)
    converted, direct = records
    assert (converted.fill_debt_sz, direct.fill_debt_sz) == ("9.079631989", "100")
    assert direct.orders == []
    # Both orders kept, in OKX's order (newest first), every field as OKX wrote it.
    assert converted.orders == data("history-v2")[0]["ordIdInfo"]
    assert [order["instId"] for order in converted.orders] == ["USDC-USDT", "BTC-USDT"]
    assert [order["side"] for order in converted.orders] == ["buy", "sell"]
    assert [order["fillSz"] for order in converted.orders] == ["9.088651", "0.00010969"]
    # USDT is no repay currency, yet its leg is there: the report shows every order OKX ran.
    assert "USDT" not in converted.repay_ccy_list
    assert all("USDT" in order["instId"].split("-") for order in converted.orders)
    # What the modules return of them: snake_case keys, values untouched.
    reported = [snake_order(order) for order in converted.orders]
    assert [(order["fill_px"], order["px"], order["c_time"]) for order in reported] == [
        ("1", "1.0049", "1742194485439"), ("83271.9", "82856.7", "1742194482326")]
    assert sorted(reported[0]) == ["c_time", "fill_px", "fill_sz", "inst_id", "ord_id", "ord_type", "px", "side",
                                   "state", "sz"]


def test_history_record_of_the_post_example_is_found_by_its_ts():
    """The POST example's ts (...514) and its history record's (...511) differ by 3 ms: one repay."""
    post_ts = int(parse_repay_reply(data("one-click-repay-v2"), "USDC"))
    assert [record.ts for record in parse_history(data("history-v2")) if abs(record.ts - post_ts) <= 1000] == [
        1742192217511]


def test_tickers_bid_ask_and_last():
    # OKX's example is two SWAP tickers; a SPOT ticker has the same fields.
    assert parse_tickers(data("tickers")) == dict(
        (entry["instId"], Ticker(*(Decimal(entry[key]) for key in ("bidPx", "askPx", "last"))))
        for entry in data("tickers"))


def test_index_tickers_usd_prices():
    # OKX's example is of instId BTC-USDT (a USDT index); the collection asks for quoteCcy=USD, whose instIds are X-USD.
    example = data("index-tickers")
    assert parse_usd_prices(example) == {}
    example[0]["instId"] = "BTC-USD"
    assert parse_usd_prices(example) == {"BTC": Decimal(example[0]["idxPx"])}


def test_instruments_lot_min_and_tick_sizes():
    assert parse_instruments(data("instruments")) == dict(
        (entry["instId"], Instrument(*(Decimal(entry[key]) for key in ("lotSz", "minSz", "tickSz"))))
        for entry in data("instruments") if entry["state"] == "live")


def test_interest_rates_per_currency():
    assert parse_interest_rates(data("interest-rate")) == dict(
        (entry["ccy"], Decimal(entry["interestRate"])) for entry in data("interest-rate"))


def test_fee_rates_taker_is_a_positive_fraction():
    assert parse_taker_fee(data("trade-fee")) == Decimal("0.001")


def test_account_config_uid(okx, make_client):
    serve(okx, "account-config")
    assert make_client().user_id() == "44705892343619584" == data("account-config")[0]["uid"]


def test_public_time_is_okx_clock(okx, make_client):
    serve(okx, "public-time")
    assert make_client().clock_reading().okx_ms == 1597026383085


# --- variants OKX's OpenAPI description allows (every string defaults to "") ------------------------------------

def history_variant(change):
    records = data("history-v2")
    change(records[0])
    return records[0], parse_history(records)[0]


def test_a_failed_record_with_an_empty_fill():
    def failed(record):
        record.update(status="failed", fillDebtSz="", ordIdInfo=[])
    _record, parsed = history_variant(failed)
    assert parsed.problem is None and (parsed.status, parsed.fill_debt_sz, parsed.orders) == ("failed", "0", [])


def test_a_running_record_with_an_empty_fill():
    def running(record):
        record.update(status="running", fillDebtSz="", ordIdInfo=[])
    _record, parsed = history_variant(running)
    assert parsed.problem is None and (parsed.status, parsed.fill_debt_sz) == ("running", None)


def test_a_record_with_a_field_this_version_does_not_know():
    def extended(record):
        record["repayMode"] = "auto"
        record["ordIdInfo"][0]["fee"] = "-0.009"
    record, parsed = history_variant(extended)
    assert parsed.problem is None and parsed.fill_debt_sz == "9.079631989"
    assert parsed.orders == record["ordIdInfo"] and parsed.orders[0]["fee"] == "-0.009"


def test_an_order_canceled_unfilled():
    def canceled(record):
        record["ordIdInfo"][1].update(fillPx="", fillSz="0", state="canceled")
    record, parsed = history_variant(canceled)
    assert parsed.problem is None and parsed.orders == record["ordIdInfo"]
    assert (snake_order(parsed.orders[1])["fill_px"], parsed.orders[1]["state"]) == ("", "canceled")


# --- the shape helper the simulator's contract test uses -------------------------------------------------------

def test_shape_of_the_history_example_unions_its_records():
    documented = shape(load("history-v2")["reply"])
    record = documented["data"][0]
    assert sorted(record) == ["debtCcy", "fillDebtSz", "ordIdInfo", "repayCcyList", "status", "ts"]
    assert record["repayCcyList"] == ["string"]
    assert record["ordIdInfo"] == [dict((key, "string") for key in (
        "cTime", "fillPx", "fillSz", "instId", "ordId", "ordType", "px", "side", "state", "sz"))]


def test_shape_of_account_config_types_as_documented():
    fields = shape(load("account-config")["reply"])["data"][0]
    assert len(fields) == 28 and len(data("account-config")[0]["uid"]) == 17
    assert dict((key, fields[key]) for key in ("autoLoan", "enableSpotBorrow", "spotBorrowAutoRepay")) == dict.fromkeys(
        ("autoLoan", "enableSpotBorrow", "spotBorrowAutoRepay"), "boolean")
    assert all(isinstance(fields[key], list) for key in ("settleCcyList", "spotTraderInsts", "traderInsts"))
    assert set(value for key, value in fields.items() if not isinstance(value, list)) == {"string", "boolean"}


def test_missing_names_what_a_reply_lacks_or_types_differently():
    documented = shape(load("history-v2")["reply"])
    reply = load("history-v2")["reply"]
    assert missing(shape(reply), documented) == []
    del reply["data"][0]["ordIdInfo"][0]["fillPx"]
    reply["data"][1]["ts"] = 1742192217511
    reply["data"][1]["extra"] = "allowed"
    assert missing(shape(reply), documented) == ["reply.data[].ts: number|string instead of string"]
    reply["data"][0]["ordIdInfo"][1].pop("fillPx")
    assert missing(shape(reply), documented) == [
        "reply.data[].ordIdInfo[].fillPx: missing (documented: string)",
        "reply.data[].ts: number|string instead of string"]
    assert merge(["string"], []) == ["string"] and shape([]) == []
