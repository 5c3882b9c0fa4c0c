# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""okx_one_click_repay_account: one read, a plan, one repay per debt, the report (the planner has its own table)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import AUTO_REPAY_WARNING
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_account import main
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, URL, failing, lost_reply

ARGS = dict(CREDENTIALS, api_url=URL)


def maintain(run_module, check_mode=False, diff=False, **options):
    return run_module(main, dict(ARGS, **options), check_mode=check_mode, diff=diff)


def test_every_debt_is_repaid_once_then_nothing_changes(make_sim, run_module):
    sim = make_sim(debts={"USDC": "100", "ETH": "0.5"})
    first = maintain(run_module)
    second = maintain(run_module)
    assert first["changed"] is True and first["debts_left"] == {}
    assert first["debts_before"] == {"USDC": "100", "ETH": "0.5"}
    assert [(r["debt_ccy"], r["repay_ccy_list"], r["status"]) for r in first["repaid"]] == [
        ("USDC", ["USDT"], "filled"), ("ETH", ["USDT"], "filled")]
    assert (second["changed"], second["repaid"], second["debts_before"]) == (False, [], {})
    assert sim.posts == 2


def test_posts_are_spaced_by_okx_limit(make_sim, run_module, clock):
    sim = make_sim(debts={"USDC": "1", "ETH": "1", "SOL": "1"})
    maintain(run_module, wait=False)
    times = [int(record["ts"]) for record in sim.executed()]
    assert [later - earlier for earlier, later in zip(times, times[1:])] == [2000, 2000]


def test_check_mode_reports_what_it_would_repay(sim, run_module):
    result = maintain(run_module, check_mode=True)
    assert result["changed"] is True and sim.posts == 0
    (planned,) = result["would_repay"]
    assert dict((key, planned[key]) for key in ("debt_ccy", "repay_ccy_list", "debt")) == {
        "debt_ccy": "USDC", "repay_ccy_list": ["USDT"], "debt": "100"}
    assert planned["prediction"]["debt_repaid"] == {"at_market": "100", "at_worst": "100"}


def test_a_debt_in_flight_is_left_alone(make_sim, run_module):
    sim = make_sim(settle_delay=100)
    sim.post_repay("USDC", ["USDT"])
    result = maintain(run_module, wait=False)
    assert sim.posts == 0 and result["changed"] is False
    assert [(f["debt_ccy"], f["outcome"], f["status"]) for f in result["in_flight"]] == [("USDC", "in_flight", "running")]
    assert result["skipped_debts"] == [{"debt_ccy": "USDC", "debt": "100", "reason": "a repay of it is in flight"}]


def test_one_failing_debt_does_not_stop_the_others_and_fails_the_task(make_sim, run_module):
    sim = make_sim(debts={"USDC": "100", "ETH": "0.5"})
    sim.set_faults([lost_reply("slow", apply=False)])
    result = maintain(run_module, wait_timeout=10)
    assert result["failed"] and result["changed"] is True
    assert [r["debt_ccy"] for r in result["repaid"]] == ["ETH"]
    assert [(f["debt_ccy"], f["outcome"]) for f in result["failed_debts"]] == [("USDC", "unknown")]
    assert result["msg"].startswith("OKX one-click repay failed for 1 debt(s) of the account: USDC: it may or may not")


def test_an_account_that_cannot_be_read_says_so(okx, run_module):
    okx.add("GET", URL + "/api/v5/account/config", json={"code": "50111", "msg": "Invalid OK-ACCESS-KEY", "data": []},
            status=401)
    result = maintain(run_module)
    assert result["failed"] and result["msg"].startswith("OKX did not accept the credentials (authentication failed: "
                                                         "check api_key, api_secret, api_passphrase and demo): OKX "
                                                         "error 50111")
    assert result["failed_debts"] == [] and result["repaid"] == []


def test_a_policy_that_is_not_valid_fails_before_any_request(okx, run_module):
    result = maintain(run_module, priority=["USDT", True])
    assert result["failed"] and "priority: True is not an OKX currency symbol" in result["msg"]
    assert len(okx.calls) == 0


def test_an_explicit_currency_okx_never_showed_warns_and_names_what_it_lists(sim, run_module):
    result = maintain(run_module, debts=[{"debt_ccy": "USDCC", "repay_ccy_list": ["USDT"]}])
    assert result["changed"] is False and sim.posts == 0
    assert result["warnings"] == ["OKX lists no USDCC for this account (debts: USDC; repay currencies: USDT): "
                                  "check debts; a currency OKX does not list is not used"]


def test_a_currency_repaid_before_does_not_warn_once_its_debt_is_gone(make_sim, run_module):
    sim = make_sim(balances={"USDC": "100", "USDT": "1"})  # the USDC repays the debt 1:1: none is left of either
    first = maintain(run_module, debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDC", "USDT"]}])
    assert first["repaid"][0]["status"] == "filled" and sim.view()["balances"] == {"USDT": "1"}
    again = maintain(run_module, debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDC", "USDT"]}])
    assert again["warnings"] == [] and again["changed"] is False


def test_an_earlier_repay_of_unknown_outcome_fails_its_debt_and_posts_nothing_for_it(make_sim, run_module):
    sim = make_sim(debts={"USDC": "100", "ETH": "0.5"})
    sim.set_faults([lost_reply("drop", apply=False)])
    first = maintain(run_module, debts=[{"debt_ccy": "USDC", "repay_ccy_list": ["USDT"]}], wait_timeout=5)
    assert [f["outcome"] for f in first["failed_debts"]] == ["unknown"]
    second = maintain(run_module, wait_timeout=5)
    assert sim.posts == 2, "ETH repaid, USDC not posted again"
    assert [r["debt_ccy"] for r in second["repaid"]] == ["ETH"]
    assert [(f["debt_ccy"], f["outcome"]) for f in second["failed_debts"]] == [("USDC", "unknown")]
    assert second["failed"] and "may or may not have run" in second["msg"]


@pytest.mark.parametrize("odd", [
    {"status": "failed", "fillDebtSz": ""},
    {"status": "partially_filled", "fillDebtSz": "1"},
    {"status": "filled", "fillDebtSz": "1", "newField": "x", "ordIdInfo": [{"ordId": "1", "newOrderField": 2}]},
], ids=["failed-without-fill", "unknown-status", "extra-fields"])
def test_one_odd_history_record_never_blocks_the_other_debts(make_sim, run_module, odd):
    """OpenAPI's fillDebtSz "" on a failed record, a status OKX may add, fields it adds: the other debts are repaid;
    a record this version cannot read stops only its own debt, naming the field."""
    sim = make_sim(debts={"USDC": "100", "ETH": "0.5"},
                   history=[dict({"debtCcy": "USDC", "repayCcyList": ["USDT"], "ts": "1699999990000",
                                  "ordIdInfo": []}, **odd)])
    result = maintain(run_module)
    repaid = [item["debt_ccy"] for item in result["repaid"]]
    if odd["status"] == "partially_filled":
        assert repaid == ["ETH"] and sim.posts == 1
        assert result["failed_debts"][0]["debt_ccy"] == "USDC" and "data[0].status" in result["failed_debts"][0]["msg"]
    else:
        assert repaid == ["USDC", "ETH"] and not result.get("failed") and sim.posts == 2


@pytest.mark.parametrize("auto_repay", [True, False], ids=["okx-auto-repay-on", "off"])
def test_okx_own_spot_auto_repay_is_warned_of(make_sim, run_module, auto_repay):
    """OKX repays Spot borrowings by itself (spotBorrowAutoRepay): the task says the two compete, and still runs."""
    sim = make_sim(spot_borrow_auto_repay=auto_repay)
    result = maintain(run_module)
    assert (AUTO_REPAY_WARNING in result["warnings"]) is auto_repay
    assert not result.get("failed") and sim.posts == 1


def test_min_debt_in_usd_uses_okx_index_prices_where_usd_prices_names_none(make_sim, run_module):
    make_sim(debts={"USDC": "100", "BTC": "0.00001", "ETH": "0.0001"})
    result = maintain(run_module, check_mode=True, min_debt={"USD": 1}, usd_prices={"ETH": 20000})
    # BTC at OKX's 60000 is 0.6 USD; ETH at the user's 20000 is 2 USD (OKX's 3000 would make it dust).
    assert [item["debt_ccy"] for item in result["skipped_debts"]] == ["BTC"]
    assert sorted(item["debt_ccy"] for item in result["would_repay"]) == ["ETH", "USDC"]


def test_okx_market_data_is_not_read_when_nothing_needs_it(make_sim, okx, run_module):
    make_sim(debts={"USDC": "100"})
    maintain(run_module, check_mode=True, min_debt={"USD": 1}, usd_prices={"USDC": 1})  # the prediction's only
    assert not [call for call in okx.calls if "/market/index-tickers" in call.request.path_url]


def test_an_account_without_debt_reads_no_market_data(make_sim, okx, run_module):
    make_sim(debts={})
    maintain(run_module, min_debt={"USD": 1})
    maintain(run_module, check_mode=True)
    assert not [call for call in okx.calls if "/market/" in call.request.path_url or "/public/instruments" in
                call.request.path_url]


def test_a_filled_repay_reports_its_cost_and_the_account_its_total(make_sim, run_module):
    sim = make_sim(debts={"USDC": "100"}, balances={"BTC": "1"})
    before = sim.view()["balances"]
    result = maintain(run_module, summary_as="okx_repay", account_name="unit")
    after = sim.view()["balances"]
    (repaid,) = result["repaid"]
    ledger = dict((ccy, Decimal(after.get(ccy, "0")) - Decimal(before.get(ccy, "0"))) for ccy in set(before) | set(after))
    assert dict((ccy, Decimal(amount)) for ccy, amount in repaid["cost"]["balance_changes"].items()) == dict(
        (ccy, amount) for ccy, amount in ledger.items() if amount)
    assert result["costs"]["cost_usd"] == repaid["cost"]["cost_usd"] and Decimal(repaid["cost"]["cost_usd"]) > 0
    assert result["summary"]["costs"] == result["costs"]
    stats = result["ansible_stats"]["data"]
    assert stats["okx_repay_cost_usd"] == float(result["costs"]["cost_usd"])
    assert dict((name, value) for name, value in stats.items() if name.startswith(("okx_repay_change_", "okx_repay_fee_"))) == dict(
        [("okx_repay_change_" + ccy, float(amount)) for ccy, amount in result["costs"]["balance_changes"].items()]
        + [("okx_repay_fee_" + ccy, float(amount)) for ccy, amount in result["costs"]["fees"].items()])


def test_market_data_that_cannot_be_read_leaves_the_cost_out_and_the_repay_reported(make_sim, run_module):
    sim = make_sim(debts={"USDC": "100"}, balances={"BTC": "1"})
    sim.set_faults([failing("/api/v5/account/trade-fee")])
    result = maintain(run_module, retries=0)
    assert result["changed"] is True and not result.get("failed")
    assert [item["status"] for item in result["repaid"]] == ["filled"] and "cost" not in result["repaid"][0]
    assert "costs" not in result
    assert any(warning.startswith("OKX's trade fee could not be read") and "no cost report" in warning
               for warning in result["warnings"])


def test_short_of_money_the_costliest_interest_is_repaid_first_and_the_rest_left(make_sim, run_module):
    # 120 USDT for 310 USD of debts; the model's hourly rates: USDC 0.00000417, ETH 0.00000208, BTC 0.00000114.
    sim = make_sim(debts={"BTC": "0.001", "ETH": "0.05", "USDC": "100"}, balances={"USDT": "120"})
    result = maintain(run_module, priority=["USDT"])
    assert [item["debt_ccy"] for item in result["repaid"]] == ["USDC", "ETH"]
    assert [(item["debt_ccy"], item["reason"].split(":")[0]) for item in result["skipped_debts"]] == [
        ("BTC", "the balances are short of the debts")]
    assert [record["debtCcy"] for record in sim.executed()] == ["USDC", "ETH"]


def test_a_repay_okx_reports_failed_after_a_leg_filled_reports_what_that_leg_did(make_sim, run_module):
    """Found by the market property test: 1E-8 BTC sells for USDT, then the ETH buy is under a lot and is canceled;
    OKX reports the repay failed, yet BTC left the account and USDT came in: its cost says so."""
    make_sim(debts={"ETH": "0.000003"}, balances={"BTC": "0.00000001"})
    result = maintain(run_module, priority=["BTC"])
    (failed,) = result["failed_debts"]
    assert failed["status"] == "failed" and failed["fill_debt_sz"] == "0"
    assert failed["cost"]["balance_changes"] == {"BTC": "-0.00000001", "ETH": "0", "USDT": "0.0005994"}
    assert result["costs"]["balance_changes"] == failed["cost"]["balance_changes"]


def test_check_mode_predicts_the_route_the_range_and_whether_the_balances_cover_it(make_sim, run_module):
    make_sim(debts={"USDC": "100", "ETH": "0.01"}, balances={"BTC": "0.002"})
    result = maintain(run_module, check_mode=True, diff=True, priority=["BTC", "USDT"])
    usdc, eth = (item["prediction"] for item in result["would_repay"])
    # Auto mode: of USDC, then BTC, USDT, only BTC has a balance.
    assert usdc["route"] == [{"repay_ccy": "BTC", "orders": ["sell BTC-USDT", "buy USDC-USDT"]}]
    # At the band's very edge the sale's lot rounding leaves a residue: the holdings still cover it.
    assert usdc["debt_left"]["at_market"] == "0" and Decimal(usdc["debt_left"]["at_worst"]) < Decimal("0.001")
    assert usdc["covers"] is True
    # 0.002 BTC (120 USD) for 100 USDC: sized at the sell's IOC price, the same at the market and at worst.
    sold = usdc["balance_changes"]["BTC"]
    assert sold["at_market"] == sold["at_worst"] and Decimal("-0.002") < Decimal(sold["at_market"]) < Decimal("-0.0016")
    # ETH, 30 USD, gets what is left of the BTC (about 20 USD): short, and said so.
    assert eth["covers"] is False
    assert Decimal("0.001") < Decimal(eth["debt_left"]["at_worst"]) < Decimal("0.01")
    assert result["diff"]["after"]["debts"] == {"USDC": usdc["debt_left"]["at_worst"], "ETH": eth["debt_left"]["at_worst"]}
