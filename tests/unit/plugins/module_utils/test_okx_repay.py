# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXError
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    CURRENCY_LIST_PATH,
    HISTORY_PATH,
    REPAY_PATH,
    currency_overview,
    find_record,
    post_repay,
    wait_for_outcome,
)
from ansible_collections.cryptoops.okx.tests.unit.conftest import URL, reply


def record(ts, status="filled", debt="USDC", repay=("USDC", "BTC"), fill="100"):
    return {"debtCcy": debt, "repayCcyList": list(repay), "ts": str(ts), "status": status, "fillDebtSz": fill,
            "ordIdInfo": []}


def debts(amount):
    return reply([{"debtData": [{"debtCcy": "USDC", "debtAmt": amount}] if amount else [],
                   "repayData": [{"repayCcy": "USDC", "repayAmt": "20"}]}])


def count(okx, method, path):
    return sum(1 for call in okx.calls if call.request.method == method and call.request.path_url.startswith(path))


def test_currency_overview(okx, make_client):
    okx.add(responses.GET, URL + CURRENCY_LIST_PATH, **reply([{
        "debtData": [{"debtCcy": "USDC", "debtAmt": "100"}],
        "repayData": [{"repayCcy": "BTC", "repayAmt": "1.000022977"}, {"repayCcy": "USDC", "repayAmt": "100"}]}]))
    assert currency_overview(make_client()) == ({"USDC": "100"}, {"BTC": "1.000022977", "USDC": "100"})


def test_find_record_matches_a_ts_a_few_ms_off_and_the_closest():
    records = [record(1742192217511), record(1742192215000), record(1742192217600, repay=("BTC",))]
    assert find_record(records, "USDC", ["USDC", "BTC"], near_ts="1742192217514")["ts"] == "1742192217511"
    assert find_record(records, "USDC", ["USDC", "BTC"], near_ts="1742192230000") is None
    assert find_record(records, "USDC", ["BTC", "USDC"], near_ts="1742192217514") is None
    assert find_record(records, "USDC", ["USDC", "BTC"], since_ms=1742192216000)["ts"] == "1742192217511"
    assert find_record(records, "ETH", ["USDC", "BTC"], since_ms=0) is None


def test_post_returns_okx_ts(okx, make_client):
    okx.add(responses.POST, URL + REPAY_PATH, **reply([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "ts": "17"}]))
    assert post_repay(make_client(), "USDC", ["USDC"], "100") == ("17", False)


def lose_reply(okx):
    okx.add(responses.POST, URL + REPAY_PATH, body=requests.exceptions.ReadTimeout("timed out"))


def test_lost_reply_found_in_history_is_not_posted_again(okx, make_client, clock):
    lose_reply(okx)
    okx_ts = int(clock.now * 1000) + 3
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([record(okx_ts - 5000), record(okx_ts, status="running")]))
    warnings = []
    assert post_repay(make_client(), "USDC", ["USDC", "BTC"], "100", warn=warnings.append) == (str(okx_ts), True)
    assert count(okx, "POST", REPAY_PATH) == 1
    assert "lost" in warnings[0]


def test_lost_reply_that_provably_did_not_run_is_posted_once_more(okx, make_client):
    lose_reply(okx)
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([]))
    okx.add(responses.GET, URL + CURRENCY_LIST_PATH, **debts("100"))
    okx.add(responses.POST, URL + REPAY_PATH, **reply([{"ts": "42"}]))
    assert post_repay(make_client(), "USDC", ["USDC", "BTC"], "100") == ("42", False)
    assert count(okx, "POST", REPAY_PATH) == 2
    assert count(okx, "GET", HISTORY_PATH) == 2, "the history is read twice before concluding"


def test_lost_reply_with_a_changed_debt_is_not_posted_again(okx, make_client):
    lose_reply(okx)
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([]))
    okx.add(responses.GET, URL + CURRENCY_LIST_PATH, **debts("40"))
    with pytest.raises(OKXError, match="cannot be proven"):
        post_repay(make_client(), "USDC", ["USDC", "BTC"], "100")
    assert count(okx, "POST", REPAY_PATH) == 1


def test_lost_reply_without_a_debt_to_compare_is_not_posted_again(okx, make_client):
    lose_reply(okx)
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([]))
    with pytest.raises(OKXError, match="force=true"):
        post_repay(make_client(), "USDC", ["USDC", "BTC"], None)
    assert count(okx, "POST", REPAY_PATH) == 1


def test_a_second_lost_reply_is_not_posted_a_third_time(okx, make_client):
    lose_reply(okx)
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([]))
    okx.add(responses.GET, URL + CURRENCY_LIST_PATH, **debts("100"))
    with pytest.raises(OKXError, match="cannot be proven"):
        post_repay(make_client(), "USDC", ["USDC", "BTC"], "100")
    assert count(okx, "POST", REPAY_PATH) == 2


def test_wait_for_outcome_polls_until_final(okx, make_client, clock):
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([record(1003, status="running", fill="0")]))
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([record(1003, status="filled")]))
    final = wait_for_outcome(make_client(), "USDC", ["USDC", "BTC"], "1005", 60, clock.time)
    assert final["status"] == "filled" and final["fillDebtSz"] == "100"
    assert okx.calls[0].request.path_url == HISTORY_PATH + "?before=5"
    assert clock.sleeps == [pytest.approx(2.0)], "polls keep OKX's 2 s spacing"


def test_wait_for_outcome_returns_a_failed_repay(okx, make_client, clock):
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([record(1003, status="failed", fill="0")]))
    assert wait_for_outcome(make_client(), "USDC", ["USDC", "BTC"], "1005", 60, clock.time)["status"] == "failed"


def test_wait_for_outcome_times_out(okx, make_client, clock):
    okx.add(responses.GET, URL + HISTORY_PATH, **reply([record(1003, status="running", fill="0")]))
    with pytest.raises(OKXError, match="still running after wait_timeout=5"):
        wait_for_outcome(make_client(), "USDC", ["USDC", "BTC"], "1005", 5, clock.time)
