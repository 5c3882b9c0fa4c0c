# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Market data (docs/market.md) through ansible-playbook and the simulator: dust in USD at OKX's prices, and what a
repay cost, checked against the simulator's books."""

from decimal import Decimal

from tests.e2e.helpers import sim_account
from tests.e2e.test_safety import account_play


def dust_account(state, debts):
    main = next(acc for acc in state["accounts"] if acc["name"] == "main")
    main["debts"] = debts
    main["balances"] = {"USDT": "5000", "BTC": "1"}


def test_min_debt_in_usd_works_at_okx_prices_without_usd_prices(state, sim, playbook):
    # BTC 0.00001 is worth 0.6 USD at the simulator's 60000; XRP has no price at OKX (the simulator's state has none).
    dust_account(state, {"USDC": "100", "BTC": "0.00001", "XRP": "3"})
    sim.reset(state)
    run = playbook(account_play(min_debt="{USD: 1}", wait="true"), "--check")
    assert run.rc == 0, run.stdout
    result = run.result("account")["result"]
    assert [(item["debt_ccy"], item["reason"]) for item in result["skipped_debts"]] == [
        ("BTC", "worth less than min_debt USD 1")]
    assert sorted(item["debt_ccy"] for item in result["would_repay"]) == ["USDC", "XRP"]
    assert any("no USD price for XRP" in warning for warning in result["warnings"])
    index_reads = [entry for entry in sim.log() if entry["path"].startswith("/api/v5/market/index-tickers")]
    assert len(index_reads) == 1


def test_a_filled_repay_reports_exactly_what_it_did_to_each_balance(state, sim, playbook):
    # USDC repaid from BTC: OKX's route through USDT, a BTC-USDT sell then a USDC-USDT buy, with fees.
    dust_account(state, {"USDC": "100"})
    sim.reset(state)
    before = sim_account(sim)["balances"]
    run = playbook(account_play(debts="[{debt_ccy: USDC, repay_ccy_list: [BTC]}]", wait="true", summary_as="okx_repay",
                                account_name="main"))
    assert run.rc == 0, run.stdout
    result = run.result("account")["result"]
    after = sim_account(sim)["balances"]
    (repaid,) = result["repaid"]
    assert repaid["status"] == "filled", repaid
    cost = repaid["cost"]
    # To the last unit of each currency: the simulator's books before and after.
    ledger = dict((ccy, Decimal(after.get(ccy, "0")) - Decimal(before.get(ccy, "0")))
                  for ccy in set(before) | set(after))
    assert dict((ccy, Decimal(amount)) for ccy, amount in cost["balance_changes"].items()) == dict(
        (ccy, amount) for ccy, amount in ledger.items() if amount or ccy in cost["balance_changes"])
    assert [order["inst_id"] for order in cost["orders"]] == ["USDC-USDT", "BTC-USDT"]
    assert cost["sold_ccy"] == "BTC" and Decimal(cost["cost_usd"]) > 0
    assert set(cost["fees"]) == {"USDT", "USDC"}
    assert result["costs"]["cost_usd"] == cost["cost_usd"]
    assert result["ansible_stats"]["data"]["okx_repay_cost_usd"] == float(cost["cost_usd"])
    assert result["summary"]["costs"] == result["costs"]
