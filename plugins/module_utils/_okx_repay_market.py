# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""What one account's repay task takes from OKX's market data (docs/market.md): USD prices for a dust threshold, the
interest-first order when money is short, check mode's predictions and the cost reports of final repays. Market data
is never a reason to fail the task: what cannot be read is warned of, and what needs it is left out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_convert import PRECISION, predict, repay_cost, text
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_market import Market
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay_plan import USD, interest_first, short_of_money
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, okx_amount


def with_okx_prices(market, policy, debts):
    """The policy with OKX's USD index prices for the debts min_debt's USD threshold needs and usd_prices does not
    name (read only then); a debt without any price is warned of: it is not taken for dust."""
    wanted = [ccy for ccy in debts if USD in policy.min_debt and ccy not in policy.min_debt
              and ccy not in policy.usd_prices and okx_amount(debts[ccy])]
    if not wanted:
        return policy
    prices = market.read("USD index prices", market.usd_prices) or {}
    unpriced = [ccy for ccy in wanted if ccy not in prices]
    if unpriced:
        market.warn("OKX gives no USD price for %s, nor does usd_prices: min_debt's USD threshold does not "
                    "apply to it" % ", ".join(unpriced))
    return policy._replace(usd_prices=dict(prices, **policy.usd_prices))


def interest_first_when_short(market, policy, plan, repay):
    """When the balances cannot cover every planned debt (at OKX's USD prices), the debts whose interest costs the
    most go first, and those the balances do not reach are left (skipped_debts says why)."""
    if len(plan["repay"]) < 2:
        return
    prices = dict(market.read("USD index prices", market.usd_prices) or {}, **policy.usd_prices)
    if not short_of_money(plan["repay"], repay, prices):
        return
    rates = market.read("interest rates", market.interest_rates)
    if rates is not None:
        plan["repay"], left = interest_first(plan["repay"], repay, prices, rates)
        plan["skipped"].extend(left)


class MarketReads(Market):
    """OKX's market data for one task. Never a reason to fail it: what cannot be read is warned of, and what needs
    it (a dust threshold in USD, interest-first order, a cost report) is left as it would be without it."""

    def __init__(self, client, warn):
        super(MarketReads, self).__init__(client)
        self.warn = warn

    def read(self, what, read):
        try:
            return read()
        except OKXError as err:
            self.warn("OKX's %s could not be read (%s): %s" % (what, err.msg, NO_MARKET[what]))
            return None


NO_MARKET = {
    "USD index prices": "no min_debt in USD, interest-first order or cost report that needs them",
    "interest rates": "the debts are repaid in the plan's order",
    "market prices": "no cost report or prediction",
    "instruments": "no prediction",
    "trade fee": "no cost report or prediction",
}


def predict_repays(market, planned, repay):
    """Check mode: add to each planned repay its ``prediction`` (docs/market.md), from OKX's bid and ask, the pairs'
    sizes, the account's fee and the balances OKX offers; none where OKX's market data cannot be read."""
    if not planned:
        return
    tickers = market.read("market prices", market.tickers)
    instruments = market.read("instruments", market.instruments) if tickers is not None else None
    fee = market.read("trade fee", market.taker_fee) if instruments is not None else None
    if fee is None:
        return
    for item, prediction in zip(planned, predict(planned, repay, tickers, instruments, fee)):
        if prediction is not None:
            item["prediction"] = prediction


class Costs:
    """What each filled repay of the task cost (``cost`` of RV(repaid), ``costs`` of RV(summary)): from its orders,
    the account's taker fee, the market read before the repays and OKX's USD index prices."""

    def __init__(self, market):
        self.market = market
        self.before = None  # {instId: mid price} read before the first POST

    def read_market(self):
        self.before = self.market.read("market prices", self.market.mid_prices)

    def add(self, result):
        """Add ``cost`` to each final repay of ``result`` and return the account's total ``costs`` (None if none). A
        repay OKX reports failed may have filled a leg (sold BTC for USDT, then no buy): it has a cost too."""
        filled = [item for item in result["repaid"] + result["failed_debts"]
                  if item.get("status") in ("filled", "failed") and item.get("orders") is not None]
        if not filled or self.before is None:
            return None
        fee = self.market.read("trade fee", self.market.taker_fee)
        usd = self.market.read("USD index prices", self.market.usd_prices) if fee is not None else None
        if usd is None:
            return None
        totals = dict(balance_changes=collections.Counter(), fees=collections.Counter())
        cost_usd = decimal.Decimal(0)  # None once a repay's currencies are not all priced: no total then
        with decimal.localcontext() as ctx:
            ctx.prec = PRECISION
            for item in filled:
                cost = repay_cost(item["debt_ccy"], item["fill_debt_sz"], item["orders"], fee, self.before)
                if cost is None:
                    continue
                changes = dict((ccy, decimal.Decimal(amount)) for ccy, amount in cost["balance_changes"].items())
                if all(ccy in usd for ccy in changes):
                    # What the account's balances lost in USD, less the debt it no longer owes.
                    lost = -sum(amount * usd[ccy] for ccy, amount in changes.items()) \
                        - decimal.Decimal(item["fill_debt_sz"]) * usd[item["debt_ccy"]]
                    cost["cost_usd"] = text(lost.quantize(decimal.Decimal("1E-6")))
                    cost_usd = None if cost_usd is None else cost_usd + lost
                else:
                    cost_usd = None
                item["cost"] = cost
                for key in totals:
                    totals[key].update(dict((ccy, decimal.Decimal(amount)) for ccy, amount in cost[key].items()))
            costs = dict((key, dict((ccy, text(amount)) for ccy, amount in sorted(book.items())))
                         for key, book in totals.items())
            costs["cost_usd"] = None if cost_usd is None else text(cost_usd.quantize(decimal.Decimal("1E-6")))
        return costs
