# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OKX that users have (docs/okx-modes.md): every account mode OKX documents, OKX's own auto-repay, and history
records this version cannot read, through ansible-playbook and the simulator."""

import time

import pytest

from tests.e2e.helpers import REPAY_PATH, posts, repay_play
from tests.e2e.test_safety import account_play
from tests.simulator.states import account

MARGIN = dict(OKX_API_KEY="e2e-multi-currency-key", OKX_API_SECRET="E2E-MCM-SECRET", OKX_API_PASSPHRASE="E2E-MCM-Pass")


def margin_account(acct_lv="3", **extra):
    return account("multi-currency", api_key=MARGIN["OKX_API_KEY"], secret=MARGIN["OKX_API_SECRET"],
                   passphrase=MARGIN["OKX_API_PASSPHRASE"], acct_lv=acct_lv,
                   balances={"USDT": "5000", "BTC": "1"}, debts={"USDC": "100", "ETH": "0.5"}, **extra)


def sim_account(sim, name):
    return next(acc for acc in sim.state()["accounts"] if acc["name"] == name)


@pytest.fixture
def margin(state):
    state["accounts"].append(margin_account())
    return MARGIN


def test_a_multi_currency_margin_account_repays_end_to_end_without_the_history(margin, sim, playbook):
    run = playbook(account_play(wait="true", wait_timeout=60), env=margin)
    assert run.rc == 0, run.stdout
    result = run.result("account")["result"]
    assert sorted((item["debt_ccy"], item["outcome"]) for item in result["repaid"]) == [
        ("ETH", "accepted"), ("USDC", "accepted")]
    assert result["changed"] is True and result["debts_left"] == {} and result["failed_debts"] == []
    assert all(item["debt_cleared"] and "status" not in item for item in result["repaid"]), result["repaid"]
    assert any("does not show the one-click repay history in this account's mode (acctLv 3, Multi-currency margin)"
               in warning for warning in result.get("warnings", [])), result.get("warnings")
    assert sim_account(sim, "multi-currency")["debts"] == {}
    assert any(entry["path"].startswith("/api/v5/trade/one-click-repay-history-v2") and entry["code"] == "51010"
               for entry in sim.log()), "the history was not asked for, or not refused as OKX's page says"
    again = playbook(account_play(wait="true"), env=margin)
    assert again.rc == 0 and again.result("account")["result"]["changed"] is False, again.stdout
    assert len(posts(sim)) == 2


def test_without_the_history_a_lost_reply_stays_unknown_and_blocks_its_debt(margin, sim, playbook):
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": True}])
    first = playbook(repay_play("USDC", "[USDT]", wait_timeout=4), env=margin).failed("repay")
    assert (first["outcome"], first["changed"]) == ("unknown", True)
    assert "does not show the one-click repay history" in first["msg"]
    rerun = playbook(repay_play("USDC", "[USDT]", wait_timeout=4), env=margin).failed("repay")
    assert rerun["outcome"] == "unknown" and rerun["changed"] is False
    assert len(posts(sim)) == 1, "a lost reply was posted again"


def test_spot_and_futures_mode_is_refused_with_a_hint_naming_the_modes(sim, playbook, state):
    state["accounts"].append(margin_account(acct_lv="2"))
    sim.reset(state)
    result = playbook(repay_play("USDC", "[USDT]"), env=MARGIN).failed("repay")
    assert result["okx_code"] == "51010" and "acctLv 1, 3, 4" in result["msg"], result["msg"]
    assert posts(sim) == []


def test_okx_auto_repay_is_reported_and_warned_about(sim, playbook, state):
    state["accounts"].append(margin_account(acct_lv="1", spotBorrowAutoRepay=True))
    sim.reset(state)
    run = playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: info
              cryptoops.okx.okx_one_click_repay_info:
            - name: account
              cryptoops.okx.okx_one_click_repay_account:
              check_mode: true
        """, env=MARGIN)
    assert run.rc == 0, run.stdout
    info = run.result("info")["result"]
    assert info["account"]["spot_borrow_auto_repay"] is True and info["account"]["account_mode"] == "Spot"
    for task in ("info", "account"):
        assert any("auto-repay is on" in warning for warning in run.result(task)["result"]["warnings"])


def test_records_this_version_cannot_read_stop_only_their_own_debt(sim, playbook, state):
    """A failed record with fillDebtSz "" (OpenAPI's default), a record with a field OKX adds later, and one with a
    status OKX adds later: only the last stops its debt; the other debts are repaid."""
    ts = int(time.time() * 1000) - 60000
    record = dict(repayCcyList=["USDT"], ordIdInfo=[])
    state["accounts"].append(account(
        "odd-records", api_key="e2e-odd-key", secret="E2E-ODD-SECRET", passphrase="E2E-Odd-Pass",
        balances={"USDT": "5000"}, debts={"USDC": "100", "ETH": "0.5", "SOL": "2"},
        history=[dict(record, debtCcy="USDC", status="failed", fillDebtSz="", ts=str(ts)),
                 dict(record, debtCcy="ETH", status="filled", fillDebtSz="0.1", ts=str(ts + 1), riskFlag="new"),
                 dict(record, debtCcy="SOL", status="queued", fillDebtSz="0", ts=str(ts + 2))]))
    sim.reset(state)
    run = playbook(account_play(wait="true", wait_timeout=60), env=dict(
        OKX_API_KEY="e2e-odd-key", OKX_API_SECRET="E2E-ODD-SECRET", OKX_API_PASSPHRASE="E2E-Odd-Pass"))
    result = run.failed("account")
    assert sorted(item["debt_ccy"] for item in result["repaid"]) == ["ETH", "USDC"], result
    assert [item["debt_ccy"] for item in result["failed_debts"]] == ["SOL"]
    assert "status" in result["failed_debts"][0]["msg"] and "queued" in result["failed_debts"][0]["msg"]
    assert sim_account(sim, "odd-records")["debts"] == {"SOL": "2"}
