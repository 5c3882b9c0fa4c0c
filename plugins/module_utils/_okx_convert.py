# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""What OKX's conversions of a repay cost, after the fact: from a history record's orders (ordIdInfo, with the
snake_case keys the modules return: inst_id, side, fill_sz, fill_px, state).

OKX's one-click repay converts each repay currency through USDT by IOC orders: BTC for a USDC debt is a BTC-USDT sell,
then a USDC-USDT buy; the debt's own currency repays it directly, with no order. OKX takes its spot fee from the
currency an order brings (assumption, docs/market.md: the account's SPOT taker fee, GET /api/v5/account/trade-fee).
So a filled repay changes the account's balances by exactly (``balance_changes``): for each currency, what its orders
brought after the fee, less what they gave, less the debt repaid (``fillDebtSz``) for the debt's currency.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_market import HUB, pair
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import ZERO, okx_amount

# Enough digits for every product and sum of amounts OKX writes: the report is exact, never rounded.
PRECISION = 60


def text(amount):
    """A Decimal as OKX writes amounts: plain digits, no exponent, no trailing zeros."""
    return format(amount.normalize(), "f") if amount else "0"


def filled_orders(orders):
    """(base, quote, side, size, price) of each order that filled something, or None if one cannot be read."""
    legs = []
    for order in orders:
        if order.get("state") not in ("filled", "partially_filled") and okx_amount(order.get("fill_sz")) in (None, ZERO):
            continue
        size, price = okx_amount(order.get("fill_sz")), okx_amount(order.get("fill_px"))
        base, _dash, quote = str(order.get("inst_id")).partition("-")
        if size is None or price is None or not quote or order.get("side") not in ("buy", "sell"):
            return None
        if size > 0:
            legs.append((base, quote, order["side"], size, price))
    return legs


def repay_cost(debt_ccy, fill_debt_sz, orders, taker_fee, market=None):
    """What one filled repay cost, or None when its orders cannot be read or the fee is not known.

    ``market``: {instId: price} read just before the POST (the mid of the best bid and ask).
    Returns, amounts as strings: ``balance_changes`` {ccy: amount}, exactly what the repay did to each balance;
    ``fees`` {ccy: amount}; ``orders``: [{inst_id, side, fill_sz, fill_px, market_px, slippage}], slippage being how
    much worse than the market the order filled (a fraction, positive: worse); and when one other currency was sold
    for the debt's: ``sold_ccy``, ``effective_price`` (debt currency the orders brought per unit sold, fees counted),
    ``market_price`` (the same at the market's prices) and ``slippage`` (1 - effective / market).
    """
    legs = filled_orders(orders)
    repaid = okx_amount(fill_debt_sz)
    if legs is None or repaid is None or taker_fee is None:
        return None
    market = market or {}
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        gave, got, fees = collections.Counter(), collections.Counter(), collections.Counter()
        report = []
        for base, quote, side, size, price in legs:
            paid, brought = (size, size * price) if side == "sell" else (size * price, size)
            given, received = (base, quote) if side == "sell" else (quote, base)
            fee = brought * taker_fee
            gave[given] += paid
            got[received] += brought - fee
            fees[received] += fee
            inst_id = "%s-%s" % (base, quote)
            leg = dict(inst_id=inst_id, side=side, fill_sz=text(size), fill_px=text(price))
            reference = market.get(inst_id)
            if reference:
                worse = (reference - price) if side == "sell" else (price - reference)
                leg.update(market_px=text(reference), slippage=text(round_fraction(worse / reference)))
            report.append(leg)
        changes = dict((ccy, got[ccy] - gave[ccy] - (repaid if ccy == debt_ccy else ZERO))
                       for ccy in set(gave) | set(got) | {debt_ccy})
        cost = dict(balance_changes=dict((ccy, text(amount)) for ccy, amount in sorted(changes.items())),
                    fees=dict((ccy, text(amount)) for ccy, amount in sorted(fees.items())), orders=report)
        sold = [ccy for ccy, amount in changes.items() if amount < 0 and ccy != debt_ccy]
        if len(sold) == 1 and got[debt_ccy] > 0:
            ccy = sold[0]
            effective = got[debt_ccy] / -changes[ccy]
            cost.update(sold_ccy=ccy, effective_price=text(round_fraction(effective, 12)))
            cross = cross_price(ccy, debt_ccy, market)
            if cross:
                cost.update(market_price=text(round_fraction(cross, 12)),
                            slippage=text(round_fraction(1 - effective / cross)))
        return cost


def cross_price(ccy, debt_ccy, market):
    """The debt currency one unit of ``ccy`` buys at the market's prices (through USDT), or None."""
    sell = decimal.Decimal(1) if ccy == HUB else market.get(pair(ccy))
    buy = decimal.Decimal(1) if debt_ccy == HUB else market.get(pair(debt_ccy))
    return sell / buy if sell and buy else None


def round_fraction(value, digits=8):
    """A ratio rounded for people (the amounts themselves are never rounded)."""
    return value.quantize(decimal.Decimal(1).scaleb(-digits)) if value.adjusted() < 20 else value


# --- what a repay would do, before it is posted ----------------------------------------------------------------------

# Assumptions about OKX (docs/market.md), as its example shows (a BTC-USDT sell at px 82856.7 filled at 83271.9): each
# conversion is an IOC order whose price (px) sits this far through the market, rounded to a tick toward it; an order
# sells enough, at px and after the fees, for what the next order buys; a buy is grossed up by the fee, in lots.
IOC_BAND = decimal.Decimal("0.005")
SIZE_STEP = decimal.Decimal("1E-16")


def _step(value, step, rounding):
    return (value / step).to_integral_value(rounding=rounding) * step


# Ranges (low, high): their sum, the least of two, and by how much one exceeds another (never below zero).
def _plus(a, b):
    return (a[0] + b[0], a[1] + b[1])


def _least(a, b):
    return (min(a[0], b[0]), min(a[1], b[1]))


def _excess(a, b):
    return (max(a[0] - b[1], ZERO), max(a[1] - b[0], ZERO))


class Conversion:
    """One repay's conversions on a book of balances, every amount as a range (low, high): what OKX can do while each
    order fills between the best bid or ask now and the worst price OKX's IOC band lets it fill at (its px). The
    ranges are wide enough, never exact: an amount that depends on two others takes the worst and the best of both."""

    def __init__(self, book, tickers, instruments, fee):
        self.book, self.tickers, self.instruments, self.fee = book, tickers, instruments, fee
        self.changes = collections.defaultdict(lambda: (ZERO, ZERO))
        self.fees = collections.defaultdict(lambda: (ZERO, ZERO))
        self.below_min_size = []
        self.capped = False  # the last currency used may be limited by what the account holds: what is left is short

    def _pair(self, ccy):
        inst_id = pair(ccy)
        ticker, instrument = self.tickers.get(inst_id), self.instruments.get(inst_id)
        if ticker is None or instrument is None:
            raise KeyError(inst_id)
        return inst_id, ticker, instrument

    @staticmethod
    def _px(ticker, instrument, side):
        mid = (ticker.bid + ticker.ask) / 2
        if side == "buy":
            return _step(mid * (1 + IOC_BAND), instrument.tick_size, decimal.ROUND_FLOOR)
        return _step(mid * (1 - IOC_BAND), instrument.tick_size, decimal.ROUND_CEILING)

    def _fill(self, inst_id, instrument, sizes):
        fills = []
        for size in sizes:
            fill = _step(size, instrument.lot_size, decimal.ROUND_FLOOR)
            if 0 < size and fill < instrument.min_size:
                entry = dict(inst_id=inst_id, size=text(size), min_size=text(instrument.min_size))
                if entry not in self.below_min_size:
                    self.below_min_size.append(entry)
                fill = ZERO
            fills.append(max(fill, ZERO))
        return tuple(fills)

    def _add(self, ccy, amounts):
        """Add a range to a balance (which never falls below zero) and to this repay's change of it."""
        low, high = self.book.get(ccy, (ZERO, ZERO))
        self.book[ccy] = (max(low + amounts[0], ZERO), high + amounts[1])
        self.changes[ccy] = _plus(self.changes[ccy], amounts)

    def _holding(self, ccy):
        return self.book.get(ccy, (ZERO, ZERO))

    def sell(self, ccy, wanted):
        """Sell ``ccy`` for ``wanted`` USDT (at the order's px, before the fee): the USDT it brings (which the caller
        books: what the next step spends of it is tied to it)."""
        inst_id, ticker, instrument = self._pair(ccy)
        px = self._px(ticker, instrument, "sell")
        wanted_size = tuple(_step(amount / px, SIZE_STEP, decimal.ROUND_CEILING) for amount in wanted)
        held = self._holding(ccy)
        self.capped = self.capped or wanted_size[1] > held[0]
        fill = self._fill(inst_id, instrument, _least(wanted_size, held))
        proceeds = (fill[0] * px, fill[1] * ticker.bid)  # at worst the order fills at its px, at best at the bid
        got = tuple(amount * (1 - self.fee) for amount in proceeds)
        self._add_fee(HUB, tuple(amount * self.fee for amount in proceeds))
        self._add(ccy, (-fill[1], -fill[0]))
        return got

    def buy(self, debt_ccy, left, budget, holding=False):
        """Buy the debt currency with at most ``budget`` USDT (``holding``: the account's USDT, else what a sale
        just brought), grossed up by the fee: what reaches the debt."""
        inst_id, ticker, instrument = self._pair(debt_ccy)
        px = self._px(ticker, instrument, "buy")
        wanted_size = tuple(_step(amount / (1 - self.fee), instrument.lot_size, decimal.ROUND_CEILING) for amount in left)
        budget_size = tuple(_step(amount / px, SIZE_STEP, decimal.ROUND_FLOOR) for amount in budget)
        self.capped = self.capped or (holding and wanted_size[1] > budget_size[0])
        fill = self._fill(inst_id, instrument, _least(wanted_size, budget_size))
        got = tuple(size * (1 - self.fee) for size in fill)
        self._add_fee(debt_ccy, tuple(size * self.fee for size in fill))
        spent = (fill[0] * ticker.ask, fill[1] * px)  # at best the order fills at the ask, at worst at its px
        if holding:
            self._add(HUB, (-spent[1], -spent[0]))
        else:  # what the sale brought, less what this spends of it: never less than nothing
            self._add(HUB, (max(budget[0] - spent[1], ZERO), budget[1] - spent[0]))
        repaid = _least(got, left)
        self._add(debt_ccy, _excess(got, left))  # what the debt did not take
        return repaid

    def _add_fee(self, ccy, amounts):
        self.fees[ccy] = _plus(self.fees[ccy], amounts)

    def repay(self, debt_ccy, debt, repay_ccy_list):
        """The range of what reaches the debt from each currency of the list in turn (OKX's priority order), through
        USDT."""
        left = (debt, debt)
        for ccy in repay_ccy_list:
            if left[1] <= 0:
                break
            self.capped = False  # an earlier currency that ran out is made up by this one, unless it runs out too
            if ccy == debt_ccy:
                held = self._holding(ccy)
                repaid = _least(held, left)
                self.capped = held[0] < left[1]
                self._add(ccy, (-repaid[1], -repaid[0]))
            elif ccy == HUB:
                repaid = self.buy(debt_ccy, left, self._holding(HUB), holding=True)
            elif debt_ccy == HUB:
                got = self.sell(ccy, tuple(amount / (1 - self.fee) for amount in left))
                repaid = _least(got, left)
                self._add(HUB, _excess(got, left))  # what the debt left of it
            else:
                _inst, ticker, instrument = self._pair(debt_ccy)
                buy_px = self._px(ticker, instrument, "buy")
                need = tuple(_step(amount / (1 - self.fee), instrument.lot_size, decimal.ROUND_CEILING) * buy_px
                             / (1 - self.fee) for amount in left)
                got = self.sell(ccy, need)
                repaid = self.buy(debt_ccy, left, got) if got[1] > 0 else (ZERO, ZERO)
            # What is left is at least what the most repaid leaves, and never below zero: the debt is never overpaid.
            left = (max(left[0] - repaid[1], ZERO), left[1] - repaid[0])
        return debt - left[1], debt - left[0]


def route(debt_ccy, repay_ccy_list):
    """The orders a repay takes from each currency, in priority order: ``[{repay_ccy, orders: ["sell BTC-USDT",
    "buy USDC-USDT"]}]`` (none from the debt's own currency)."""
    steps = []
    for ccy in repay_ccy_list:
        if ccy == debt_ccy:
            orders = []
        elif ccy == HUB:
            orders = ["buy " + pair(debt_ccy)]
        elif debt_ccy == HUB:
            orders = ["sell " + pair(ccy)]
        else:
            orders = ["sell " + pair(ccy), "buy " + pair(debt_ccy)]
        steps.append(dict(repay_ccy=ccy, orders=orders))
    return steps


def predict(planned, balances, tickers, instruments, fee):
    """What each planned repay (``[{debt_ccy, debt, repay_ccy_list}]``, in posting order) would do, as a range; later
    repays get what the earlier ones may leave.

    Each figure is {at_market, at_worst}: its best end for the account, where the orders fill at the best bid and ask
    now, and its worst, where they fill at the edge of OKX's IOC band. While prices stay within the band OKX's
    settlement lies between the two (docs/market.md, under its assumptions), whether the balances cover the debt or
    not. Each prediction: ``route``; ``debt_repaid`` and ``debt_left``; ``balance_changes`` {ccy: figure}; ``fees``
    {ccy: figure}; ``covers``: the holdings suffice even at worst (what is left then, if anything, is a residue of
    OKX's lot sizes); ``below_min_size``: orders that may fall under OKX's minimum size, which OKX cancels. None for a
    repay whose pairs OKX's market data does not show (and for the repays after it, whose balances it changes).
    """
    book = dict((ccy, (okx_amount(amount),) * 2) for ccy, amount in balances.items())
    predictions = []
    with decimal.localcontext() as ctx:
        ctx.prec = PRECISION
        for item in planned:
            if predictions and predictions[-1] is None:
                predictions.append(None)
                continue
            debt = okx_amount(item["debt"])
            conversion = Conversion(dict(book), tickers, instruments, fee)
            try:
                worst, best = conversion.repay(item["debt_ccy"], debt, item["repay_ccy_list"])
            except KeyError:
                predictions.append(None)
                continue
            book = conversion.book
            predictions.append(dict(
                route=route(item["debt_ccy"], item["repay_ccy_list"]),
                debt_repaid=_figure(best, worst),
                debt_left=_figure(debt - best, debt - worst),
                balance_changes=dict((ccy, _figure(high, low)) for ccy, (low, high)
                                     in sorted(conversion.changes.items()) if low or high),
                fees=dict((ccy, _figure(low, high)) for ccy, (low, high) in sorted(conversion.fees.items())),
                # Short of money: something may be left at worst after an order the holdings limited (a residue
                # under a lot, the sale's rounding at the band's edge, is not a shortfall).
                covers=worst >= debt or not conversion.capped,
                below_min_size=conversion.below_min_size))
    return predictions


def _figure(at_market, at_worst):
    return dict(at_market=text(at_market), at_worst=text(at_worst))
