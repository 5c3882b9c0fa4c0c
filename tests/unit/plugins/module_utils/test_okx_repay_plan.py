# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner: which debts to repay, from what, and why others are skipped or fail. A table of cases."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay_plan import (
    describe,
    interest_first,
    make_policy,
    plan_repays,
    PolicyError,
    short_of_money,
)

DEBTS = {"USDC": "100", "ETH": "0.5", "BTC": "0.000001"}
REPAY = {"USDT": "5000", "BTC": "1", "USDC": "20", "SOL": "0"}


def plan(okx_debts=None, okx_repay=None, in_flight=(), **policy):
    return plan_repays(okx_debts or DEBTS, okx_repay or REPAY, make_policy(**policy), in_flight=in_flight)


def repays(result):
    return [(item["debt_ccy"], item["repay_ccy_list"]) for item in result["repay"]]


def skips(result):
    return [(item["debt_ccy"], item["reason"]) for item in result["skipped"]]


@pytest.mark.parametrize("policy, expected_repays, expected_skips", [
    (dict(), [("USDC", ["USDC", "USDT", "BTC"]), ("ETH", ["USDT", "USDC", "BTC"]), ("BTC", ["BTC", "USDT", "USDC"])],
     []),
    (dict(priority=["btc", "SOL"]), [("USDC", ["USDC", "BTC"]), ("ETH", ["BTC"]), ("BTC", ["BTC"])], []),
    (dict(exclude=["eth"]), [("USDC", ["USDC", "USDT", "BTC"]), ("BTC", ["BTC", "USDT", "USDC"])],
     [("ETH", "excluded")]),
    (dict(min_debt={"USDC": 150}), [("ETH", ["USDT", "USDC", "BTC"]), ("BTC", ["BTC", "USDT", "USDC"])],
     [("USDC", "below min_debt USDC 150")]),
    (dict(min_debt={"USD": "1"}, usd_prices={"BTC": 60000}),
     [("USDC", ["USDC", "USDT", "BTC"]), ("ETH", ["USDT", "USDC", "BTC"])], [("BTC", "worth less than min_debt USD 1")]),
    (dict(min_debt={"USD": 1, "BTC": "0.0000001"}, usd_prices={"BTC": 60000}),
     [("USDC", ["USDC", "USDT", "BTC"]), ("ETH", ["USDT", "USDC", "BTC"]), ("BTC", ["BTC", "USDT", "USDC"])], []),
    (dict(min_debt={"USD": 1000}), [("USDC", ["USDC", "USDT", "BTC"]), ("ETH", ["USDT", "USDC", "BTC"]),
                                    ("BTC", ["BTC", "USDT", "USDC"])], []),
    (dict(debts=[{"debt_ccy": "usdc", "repay_ccy_list": ["USDT", "SOL"]}]), [("USDC", ["USDT", "SOL"])], []),
    (dict(debts=[{"debt_ccy": "DOGE", "repay_ccy_list": ["USDT"]}]), [], [("DOGE", "no debt")]),
    (dict(debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDCC", "USDT", "BTC"]}]), [("USDC", ["USDT", "BTC"])], []),
    (dict(priority=["USDTT", "BTC"]), [("USDC", ["USDC", "BTC"]), ("ETH", ["BTC"]), ("BTC", ["BTC"])], []),
], ids=["auto", "auto-priority-filtered", "exclude", "min-debt-ccy", "min-debt-usd", "own-threshold-wins",
        "usd-threshold-needs-a-price", "explicit-kept-as-written", "explicit-no-debt", "explicit-unlisted-dropped",
        "auto-priority-typo-not-used"])
def test_plan(policy, expected_repays, expected_skips):
    result = plan(**policy)
    assert repays(result) == expected_repays
    assert skips(result) == expected_skips


def test_amounts_are_compared_as_decimals_not_floats():
    result = plan(okx_debts={"ETH": "0.30000000000000000001"}, min_debt={"ETH": "0.3"})
    assert repays(result) == [("ETH", ["USDT", "USDC", "BTC"])]


def test_a_debt_with_a_repay_in_flight_is_skipped():
    assert skips(plan(in_flight={"ETH": object()})) == [("ETH", "a repay of it is in flight")]


def test_a_debt_nothing_offered_can_repay_fails_and_names_what_okx_offers():
    result = plan(okx_debts={"SOL": "2"}, okx_repay={"BTC": "1", "SOL": "0"}, priority=["USDT"])
    assert result["repay"] == []
    assert result["failed"] == [{"debt_ccy": "SOL", "debt": "2", "msg": "none of SOL, USDT can repay it now (USDT: OKX "
                                 "does not list it as a repay currency of the account; SOL: no balance); OKX offers: "
                                 "BTC"}]


def test_an_explicit_debt_whose_currencies_are_unlisted_or_empty_fails_with_the_reason_for_each():
    result = plan(debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDCC", "SOL", "DAII"]}])
    assert result["repay"] == []
    assert result["failed"] == [{"debt_ccy": "USDC", "debt": "100", "msg": "none of USDCC, SOL, DAII can repay it now "
                                 "(USDCC, DAII: OKX does not list them as repay currencies of the account; SOL: no "
                                 "balance); OKX offers: USDT, BTC, USDC"}]


def account_result(**fields):
    result = dict(repaid=[], would_repay=[], in_flight=[], skipped_debts=[], failed_debts=[], debts_left={})
    result.update(fields)
    return result


def test_describe_says_what_check_mode_would_repay_leave_and_fail():
    found = plan(exclude=["ETH"], min_debt={"USD": 1}, usd_prices={"BTC": 60000},
                 okx_debts={"USDC": "100", "ETH": "0.5", "BTC": "0.000001", "SOL": "2"},
                 okx_repay={"USDC": "20", "USDT": "0"}, priority=["USDT"])
    text = describe(account_result(would_repay=found["repay"], skipped_debts=found["skipped"],
                                   failed_debts=found["failed"]), check_mode=True)
    assert text == ("would repay USDC 100 from USDC; would leave ETH 0.5: excluded; would leave BTC 0.000001: worth "
                    "less than min_debt USD 1; would fail SOL 2: none of SOL, USDT can repay it now (SOL: OKX does not "
                    "list it as a repay currency of the account; USDT: no balance); OKX offers: USDC")


def test_describe_says_what_a_run_repaid_left_and_owes_still():
    text = describe(account_result(
        repaid=[{"debt_ccy": "USDC", "debt": "100", "repay_ccy_list": ["USDC", "USDT"], "status": "filled",
                 "fill_debt_sz": "100", "cost": {"cost_usd": "0"}},
                {"debt_ccy": "XRP", "debt": "3", "repay_ccy_list": ["BTC"], "status": "filled", "fill_debt_sz": "3",
                 "cost": {"cost_usd": "0.012"}},
                {"debt_ccy": "DAI", "debt": "5", "repay_ccy_list": ["USDT"], "ts": "1742192217514"}],
        in_flight=[{"debt_ccy": "ETH", "ts": "1742192215511", "status": "running"}],
        skipped_debts=[{"debt_ccy": "BTC", "debt": "0.000001", "reason": "excluded"},
                       {"debt_ccy": "DOGE", "debt": "0", "reason": "no debt"}],
        failed_debts=[{"debt_ccy": "SOL", "debt": "2", "msg": "OKX did not repay it: OKX error 51000"}],
        debts_left={"BTC": "0.000001", "ETH": "0.5", "SOL": "2", "USDC": "0"}))
    assert text == ("repaid USDC 100 from USDC, USDT (filled 100); repaid XRP 3 from BTC (filled 3, cost 0.012 USD); "
                    "repaid DAI 5 from USDT (accepted at ts 1742192217514, "
                    "not waited for); left BTC 0.000001: excluded; left ETH: a repay of it is in flight (ts "
                    "1742192215511, running); failed SOL 2: OKX did not repay it: OKX error 51000; debts left: BTC "
                    "0.000001, ETH 0.5, SOL 2")
    assert describe(account_result(), check_mode=False) == "repaid nothing; debts left: none"


@pytest.mark.parametrize("policy, message", [
    (dict(priority=["USDT", True]), "priority: True is not an OKX currency symbol"),
    (dict(exclude=[1]), "exclude: 1 is not an OKX currency symbol"),
    (dict(min_debt={"USDC": "abc"}), "min_debt"),
    (dict(min_debt={"USDC": True}), "min_debt"),
    (dict(min_debt={"USDC": "-1"}), "min_debt"),
    (dict(min_debt={"USDC": "NaN"}), "min_debt"),
    (dict(usd_prices={"BTC": "sixty thousand"}), "usd_prices"),
    (dict(debts=[{"debt_ccy": "USDC"}]), "debts[0].repay_ccy_list"),
    (dict(debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDT", False]}]), "debts[0].repay_ccy_list: False"),
    (dict(debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDT"]}, {"debt_ccy": "usdc", "repay_ccy_list": ["BTC"]}]),
     "more than once"),
])
def test_a_policy_that_is_not_valid_names_the_option(policy, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_policy(**policy)


PRICES = {"USDT": Decimal("1"), "USDC": Decimal("1"), "ETH": Decimal("3000"), "BTC": Decimal("60000")}


def planned_repays(*debts):
    return [dict(debt_ccy=ccy, debt=amount, repay_ccy_list=[ccy, "USDT"]) for ccy, amount in debts]


def test_money_is_short_when_the_balances_offered_are_worth_less_than_the_debts_and_the_conversions_margin():
    planned = planned_repays(("USDC", "100"), ("ETH", "0.05"))  # 250 USD
    assert short_of_money(planned, {"USDT": "250"}, PRICES)  # 1 % short of the conversions' margin
    assert not short_of_money(planned, {"USDT": "252.5"}, PRICES)
    assert not short_of_money(planned, {"USDT": "1"}, {"USDT": Decimal(1)})  # no price: nothing is known
    assert not short_of_money(planned[:1], {"USDT": "1"}, PRICES)  # one debt: the order cannot matter


def test_when_short_the_costliest_interest_goes_first_and_what_the_balances_do_not_reach_is_left():
    planned = planned_repays(("BTC", "0.001"), ("ETH", "0.05"), ("USDC", "100"))  # 60, 150, 100 USD
    rates = {"USDC": Decimal("0.00000417"), "ETH": Decimal("0.00000208"), "BTC": Decimal("0.00000114")}
    posted, left = interest_first(planned, {"USDT": "120"}, PRICES, rates)
    # Interest per hour in USD: USDC 0.000417, ETH 0.000312, BTC 0.0000684; 120 USD reach USDC and part of ETH.
    assert [item["debt_ccy"] for item in posted] == ["USDC", "ETH"]
    assert left == [dict(debt_ccy="BTC", debt="0.001", reason="the balances are short of the debts: repaid first the "
                                                              "debts whose interest costs more (USDC, ETH)")]


def test_describe_says_what_check_mode_predicts():
    prediction = {"debt_repaid": {"at_market": "100", "at_worst": "99.9995"}, "covers": True,
                  "balance_changes": {"BTC": {"at_market": "-0.00168678", "at_worst": "-0.00168678"},
                                      "USDT": {"at_market": "1.0054922", "at_worst": "0.0000004"}}}
    short = {"debt_repaid": {"at_market": "20", "at_worst": "19.9"}, "covers": False,
             "balance_changes": {"USDT": {"at_market": "-20.02", "at_worst": "-20"}}}
    text = describe(account_result(would_repay=[
        {"debt_ccy": "USDC", "debt": "100", "repay_ccy_list": ["BTC"], "prediction": prediction},
        {"debt_ccy": "ETH", "debt": "0.01", "repay_ccy_list": ["USDT"], "prediction": short}]), check_mode=True)
    assert text == ("would repay USDC 100 from BTC (predicted: repays 100 (99.9995 at worst), takes BTC 0.00168678); "
                    "would repay ETH 0.01 from USDT (predicted: repays 20 (19.9 at worst), takes USDT 20, the balances "
                    "do not cover it)")
