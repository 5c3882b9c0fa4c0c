# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""okx_one_click_repay_info: reads, with the history and its paging; changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import responses

from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_info import main
from ansible_collections.cryptoops.okx.tests.unit.okx_fakes import CREDENTIALS, UID, URL, reply

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


def test_an_okx_error_says_what_to_do(account, run_module):
    account.add(responses.GET, CURRENCY_LIST, **reply(code="51010", msg="account mode", status=200))
    result = run_module(main, ARGS)
    assert result["failed"] is True and result["okx_code"] == "51010" and "Spot mode" in result["msg"]
