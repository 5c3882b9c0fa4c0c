# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""OKX's market data: USD prices, the SPOT pairs' bid and ask, their lot and minimum sizes; and the account's
borrowing rates and trade fee. Public data is read once per run: a short-lived cache in the state directory, filled
by one process at a time, serves every task of the machine.

Each entry of a reply is read on its own: one this version cannot read (a price that is not a number) is left out,
so the currency has no price, which only makes the planner more careful (no dust threshold, no prediction for it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import Endpoint
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import digest
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import is_currency, okx_amount

# OKX allows the public ones 20 requests per 2 s per IP address, the account's 5 per 2 s per User ID.
TICKERS = Endpoint("GET", "/api/v5/market/tickers", 0.1, public=True)
INDEX_TICKERS = Endpoint("GET", "/api/v5/market/index-tickers", 0.1, public=True)
INSTRUMENTS = Endpoint("GET", "/api/v5/public/instruments", 0.1, public=True)
INTEREST_RATE = Endpoint("GET", "/api/v5/account/interest-rate", 0.4)
TRADE_FEE = Endpoint("GET", "/api/v5/account/trade-fee", 0.4)

# Assumptions about OKX (docs/market.md): prices read this long ago still stand for the market's (a dust threshold
# tolerates that; a prediction gives a range and a cost report compares with the price read just before the POST);
# the pairs' sizes change rarely.
PRICES_TTL = 30.0
INSTRUMENTS_TTL = 3600.0

HUB = "USDT"  # OKX's one-click repay converts through USDT pairs (its examples: BTC-USDT, then USDC-USDT)

Ticker = collections.namedtuple("Ticker", "bid ask last")
Instrument = collections.namedtuple("Instrument", "lot_size min_size tick_size")


def pair(ccy):
    """The SPOT pair that converts ``ccy`` to and from USDT."""
    return "%s-%s" % (ccy, HUB)


def _positive(value):
    amount = okx_amount(value)
    return amount if amount is not None and amount > 0 else None


def parse_usd_prices(data):
    """{ccy: USD price} from index-tickers?quoteCcy=USD (instId X-USD, idxPx)."""
    prices = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        inst_id, price = entry.get("instId"), _positive(entry.get("idxPx"))
        base, _dash, quote = str(inst_id).partition("-")
        if quote == "USD" and is_currency(base) and price is not None:
            prices[base] = price
    return prices


def parse_tickers(data):
    """{instId: Ticker} from market/tickers?instType=SPOT: the best bid and ask, and the last trade's price."""
    tickers = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("instId"), str):
            continue
        bid, ask, last = (_positive(entry.get(key)) for key in ("bidPx", "askPx", "last"))
        if bid is not None and ask is not None and last is not None and bid <= ask:
            tickers[entry["instId"]] = Ticker(bid, ask, last)
    return tickers


def parse_instruments(data):
    """{instId: Instrument} of the live SPOT pairs from public/instruments?instType=SPOT."""
    instruments = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("instId"), str) or entry.get("state") != "live":
            continue
        sizes = [_positive(entry.get(key)) for key in ("lotSz", "minSz", "tickSz")]
        if None not in sizes:
            instruments[entry["instId"]] = Instrument(*sizes)
    return instruments


def parse_interest_rates(data):
    """{ccy: hourly borrowing rate} from account/interest-rate."""
    rates = {}
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict) and is_currency(entry.get("ccy")):
            rate = okx_amount(entry.get("interestRate"))
            if rate is not None:
                rates[entry["ccy"]] = rate
    return rates


def parse_taker_fee(data):
    """The SPOT taker fee as a positive fraction (OKX writes a fee it charges as a negative number), or None."""
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    try:
        fee = -decimal.Decimal(entry.get("taker"))
    except (TypeError, decimal.InvalidOperation):
        return None
    return fee if fee.is_finite() and 0 <= fee < 1 else None


class Market:
    """What OKX says about the market, read through the client, at most once per TTL per machine for public data."""

    def __init__(self, client):
        self.client = client

    def _cached(self, endpoint, params, ttl, scope=()):
        """``endpoint``'s data, read at most once per ``ttl`` seconds on this machine: public data for every task
        (per OKX host and network), the account's own (``scope``: its identity) for its tasks only."""
        state, clock = self.client.state, self.client.clock
        name = "market-%s" % digest(self.client.base_url, self.client.network, endpoint.path,
                                    *(list(scope) + ["%s=%s" % item for item in sorted(params.items())]))
        # One process reads, the others wait for its file (a fleet's first tasks all want the prices at once).
        with state.lock(name + ".lock"):
            saved = state.read_json(name + ".json") or {}
            now = clock.time()
            if isinstance(saved.get("data"), list) and 0 <= now - saved.get("at", -1) < ttl:
                return saved["data"]
            data = self.client.request(endpoint, params)
            state.write_json(name + ".json", {"at": now, "data": data})
            return data

    def usd_prices(self):
        """{ccy: price in USD}: OKX's index prices."""
        return parse_usd_prices(self._cached(INDEX_TICKERS, {"quoteCcy": "USD"}, PRICES_TTL))

    def tickers(self):
        """{instId: Ticker} of the SPOT pairs."""
        return parse_tickers(self._cached(TICKERS, {"instType": "SPOT"}, PRICES_TTL))

    def mid_prices(self):
        """{instId: the middle of the best bid and ask} of the SPOT pairs: the market a conversion is measured by."""
        return dict((inst_id, (ticker.bid + ticker.ask) / 2) for inst_id, ticker in self.tickers().items())

    def instruments(self):
        """{instId: Instrument} of the live SPOT pairs."""
        return parse_instruments(self._cached(INSTRUMENTS, {"instType": "SPOT"}, INSTRUMENTS_TTL))

    def interest_rates(self):
        """{ccy: hourly borrowing rate} of the account, read now (it depends on the account and changes hourly)."""
        return parse_interest_rates(self.client.request(INTEREST_RATE))

    def taker_fee(self):
        """The account's SPOT taker fee (a fraction), or None when OKX's reply cannot be read; its fee tier changes
        rarely: read at most once per INSTRUMENTS_TTL per account."""
        return parse_taker_fee(self._cached(TRADE_FEE, {"instType": "SPOT"}, INSTRUMENTS_TTL,
                                            scope=("account", self.client.account_id())))
