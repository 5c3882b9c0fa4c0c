# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""okx_one_click_repay_account: one read, a plan, one repay per debt, the report (the planner has its own table)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import AUTO_REPAY_WARNING
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_account import main
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, URL, lost_reply

ARGS = dict(CREDENTIALS, api_url=URL)


def maintain(run_module, check_mode=False, **options):
    return run_module(main, dict(ARGS, **options), check_mode=check_mode)


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
    assert result["would_repay"] == [{"debt_ccy": "USDC", "repay_ccy_list": ["USDT"], "debt": "100"}]


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
