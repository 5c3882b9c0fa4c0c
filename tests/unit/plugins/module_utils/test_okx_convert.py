# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a repay cost, from its history record: exact balance changes, fees, slippage (the property test on the
model checks the balance changes against its ledger for random repays)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
from decimal import Decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_convert import repay_cost
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import snake_order
from ansible_collections.cryptoops.okx.tests.okx_examples import load

FEE = Decimal("0.001")


def plain(amount):
    return format(amount.normalize(), "f")


def records():
    """OKX's example records, their orders as the modules return them."""
    data = copy.deepcopy(load("history-v2")["reply"]["data"])
    for record in data:
        record["ordIdInfo"] = [snake_order(order) for order in record["ordIdInfo"]]
    return data


def test_okx_example_routed_through_usdt_changes_each_balance_by_what_the_orders_brought_less_what_they_gave():
    record = records()[0]  # USDC repaid 9.079631989 from [USDC, BTC]: a BTC-USDT sell, then a USDC-USDT buy
    cost = repay_cost("USDC", record["fillDebtSz"], record["ordIdInfo"], FEE,
                      {"BTC-USDT": Decimal("83000"), "USDC-USDT": Decimal("1")})
    sold_btc = Decimal("0.00010969")
    usdt_in = sold_btc * Decimal("83271.9") * (1 - FEE)
    usdc_bought = Decimal("9.088651")
    assert cost["balance_changes"] == {
        "BTC": "-0.00010969",
        "USDT": plain(usdt_in - usdc_bought),
        # what the buy brought after its fee, less the debt repaid: the rest came from the USDC balance
        "USDC": plain(usdc_bought * (1 - FEE) - Decimal(record["fillDebtSz"])),
    }
    assert cost["fees"] == {"USDC": plain(usdc_bought * FEE),
                            "USDT": plain(sold_btc * Decimal("83271.9") * FEE)}
    sell = [order for order in cost["orders"] if order["side"] == "sell"][0]
    assert sell["market_px"] == "83000" and Decimal(sell["slippage"]) < 0  # sold above the market: better
    assert cost["sold_ccy"] == "BTC" and cost["market_price"] == "83000"
    assert Decimal(cost["effective_price"]) == (usdc_bought * (1 - FEE) / sold_btc).quantize(Decimal("1E-12"))
    assert Decimal(cost["slippage"]) > 0  # the fees make it worse than the market, even at a better fill


def test_a_repay_from_the_debts_own_currency_has_no_order_and_costs_the_debt():
    record = records()[1]
    assert repay_cost("USDC", record["fillDebtSz"], record["ordIdInfo"], FEE) == {
        "balance_changes": {"USDC": "-100"}, "fees": {}, "orders": []}


def test_canceled_orders_count_for_nothing_and_unreadable_ones_give_no_report():
    record = records()[0]
    canceled = dict(record["ordIdInfo"][0], state="canceled", fill_sz="0", fill_px="")
    cost = repay_cost("USDC", "0", [canceled], FEE)
    assert cost["orders"] == [] and cost["balance_changes"] == {"USDC": "0"}
    broken = dict(record["ordIdInfo"][0], fill_px="n/a")
    assert repay_cost("USDC", record["fillDebtSz"], [broken], FEE) is None
    assert repay_cost("USDC", record["fillDebtSz"], record["ordIdInfo"], None) is None
