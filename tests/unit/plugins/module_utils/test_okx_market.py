# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OKX's market data through the client, on the model of OKX: the parsers per entry, and the cache in the state
directory that a fleet's tasks share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_market import (
    PRICES_TTL,
    Market,
    parse_taker_fee,
    parse_tickers,
    parse_usd_prices,
)


def reads(okx, path):
    return len([call for call in okx.calls if call.request.path_url.startswith(path)])


def test_usd_prices_are_okx_index_prices_read_once_per_ttl_by_every_task_of_the_machine(sim, okx, make_client, clock):
    prices = Market(make_client()).usd_prices()
    assert prices["BTC"] == Decimal("60000") and prices["USDC"] == Decimal("1")
    # Another task (another client, the same state directory) within the TTL: no request.
    assert Market(make_client()).usd_prices() == prices
    assert reads(okx, "/api/v5/market/index-tickers") == 1
    sim.model.set_prices({"BTC": "61000"})
    clock.sleep(PRICES_TTL)
    assert Market(make_client()).usd_prices()["BTC"] == Decimal("61000")
    assert reads(okx, "/api/v5/market/index-tickers") == 2


def test_mid_prices_and_the_taker_fee(sim, make_client):
    market = Market(make_client())
    assert market.mid_prices()["BTC-USDT"] == Decimal("60000")
    assert market.taker_fee() == Decimal("0.001")


def test_an_entry_that_cannot_be_read_leaves_only_its_currency_without_a_price():
    assert parse_usd_prices([{"instId": "BTC-USD", "idxPx": "x"}, {"instId": "ETH-USD", "idxPx": "3000"}, "?",
                             {"instId": "USDT-BTC", "idxPx": "1"}, {"instId": "SOL-USD", "idxPx": "0"}]) == {
        "ETH": Decimal("3000")}
    assert list(parse_tickers([{"instId": "BTC-USDT", "bidPx": "2", "askPx": "1", "last": "1"},
                               {"instId": "ETH-USDT", "bidPx": "", "askPx": "1", "last": "1"}])) == []
    assert parse_taker_fee([{"taker": ""}]) is None and parse_taker_fee([]) is None
    assert parse_taker_fee([{"taker": "-0.0008"}]) == Decimal("0.0008")
