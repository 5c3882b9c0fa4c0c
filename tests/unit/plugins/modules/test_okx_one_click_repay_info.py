# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""okx_one_click_repay_info: reads, with the history and its paging; changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import AUTO_REPAY_WARNING
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_info import main
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, UID, URL, reply

ARGS = dict(CREDENTIALS, api_url=URL)
CURRENCY_LIST = URL + "/api/v5/trade/one-click-repay-currency-list-v2"
HISTORY = URL + "/api/v5/trade/one-click-repay-history-v2"


@pytest.fixture
def account(okx):
    okx.add(responses.GET, URL + "/api/v5/account/config", **reply([{"uid": UID}]))
    return okx


def test_reads_debts_and_repay_currencies(account, run_module):
    account.add(responses.GET, CURRENCY_LIST, **reply([{"debtData": [{"debtCcy": "USDC", "debtAmt": "100"}],
                                                        "repayData": [{"repayCcy": "BTC", "repayAmt": "1.5"}]}]))
    result = run_module(main, ARGS, check_mode=True)
    assert result["changed"] is False
    assert result["debts"] == [{"debt_ccy": "USDC", "debt_amt": "100"}]
    assert result["repay_currencies"] == [{"repay_ccy": "BTC", "repay_amt": "1.5"}]
    assert "history" not in result


def test_reads_the_history_with_paging(account, run_module):
    account.add(responses.GET, CURRENCY_LIST, **reply([{"debtData": [], "repayData": []}]))
    account.add(responses.GET, HISTORY, **reply([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "fillDebtSz": "1",
                                                  "status": "filled", "ts": "9",
                                                  "ordIdInfo": [{"ordId": "7", "cTime": "8"}]}]))
    result = run_module(main, dict(ARGS, history=True, history_after="100", history_limit=5))
    assert result["history"] == [{"debt_ccy": "USDC", "repay_ccy_list": ["USDC"], "fill_debt_sz": "1",
                                  "status": "filled", "ts": "9", "ord_id_info": [{"ord_id": "7", "c_time": "8"}]}]
    assert account.calls[-1].request.path_url == "/api/v5/trade/one-click-repay-history-v2?after=100&limit=5"


@pytest.mark.parametrize("args, message", [
    (dict(history_limit=0), "history_limit must be a number from 1 to 100"),
    (dict(history_limit=101), "history_limit must be a number from 1 to 100"),
    (dict(history_after="yesterday"), "history_after must be an OKX ts"),
    (dict(history_before="-1"), "history_before must be an OKX ts"),
])
def test_bad_paging_options_fail_before_any_request(okx, run_module, args, message):
    result = run_module(main, dict(ARGS, **args))
    assert result["failed"] is True and message in result["msg"]
    assert not okx.calls


def test_an_okx_error_says_what_to_do(make_sim, run_module):
    make_sim(acct_lv="2")  # Spot and futures: OKX refuses one-click repay (new), its currency list too
    result = run_module(main, ARGS)
    assert result["failed"] is True and result["okx_code"] == "51010"
    assert "acctLv 1, 3, 4" in result["msg"] and "not in Spot and futures mode (2)" in result["msg"]


@pytest.mark.parametrize("auto_repay", [True, False], ids=["okx-auto-repay-on", "off"])
def test_okx_own_spot_auto_repay_is_returned_and_warned_of(make_sim, run_module, auto_repay):
    sim = make_sim(spot_borrow_auto_repay=auto_repay)
    result = run_module(main, ARGS)
    assert result["account"]["spot_borrow_auto_repay"] is auto_repay
    assert result["account"]["uid"] == UID and result["account"]["acct_lv"] == "1"
    assert (AUTO_REPAY_WARNING in result["warnings"]) is auto_repay
    assert result["changed"] is False and sim.posts == 0
