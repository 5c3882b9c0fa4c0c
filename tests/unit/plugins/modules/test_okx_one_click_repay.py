# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import responses

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_module
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay import main
from ansible_collections.cryptoops.okx.tests.unit.conftest import CREDENTIALS, PASSPHRASE, SECRET, URL, reply

CURRENCY_LIST = URL + "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = URL + "/api/v5/trade/one-click-repay-v2"
HISTORY = URL + "/api/v5/trade/one-click-repay-history-v2"
ARGS = dict(CREDENTIALS, debt_ccy="USDC", repay_ccy_list=["USDC", "BTC"])


def account(debt="100", usdc="20", btc="1"):
    debt_data = [{"debtCcy": "USDC", "debtAmt": debt}] if debt else []
    return reply([{"debtData": debt_data, "repayData": [{"repayCcy": "USDC", "repayAmt": usdc},
                                                        {"repayCcy": "BTC", "repayAmt": btc}]}])


def posts(okx):
    return [call for call in okx.calls if call.request.method == "POST"]


def test_no_debt_changes_nothing(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account(debt=None))
    result = run_module(main, ARGS)
    assert result["changed"] is False
    assert result["debt_before"] == "0" and result["debt_after"] == "0"
    assert posts(okx) == []


def test_debt_is_repaid(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account())
    okx.add(responses.POST, REPAY, **reply([{"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"], "ts": "1742192217514"}]))
    result = run_module(main, ARGS)
    assert result["changed"] is True
    assert result["ts"] == "1742192217514"
    assert result["reconciled"] is False
    assert (result["debt_ccy"], result["repay_ccy_list"], result["debt_before"]) == ("USDC", ["USDC", "BTC"], "100")
    assert json.loads(posts(okx)[0].request.body) == {"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"]}


def test_check_mode_reads_only_and_predicts(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account())
    result = run_module(main, ARGS, check_mode=True, diff=True)
    assert result["changed"] is True and "ts" not in result
    assert result["debt_after"] == "0"
    assert result["diff"] == {"before": {"debt_ccy": "USDC", "debt": "100"}, "after": {"debt_ccy": "USDC", "debt": "0"}}
    assert posts(okx) == []


def test_wait_returns_what_was_filled(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account())
    okx.add(responses.POST, REPAY, **reply([{"ts": "1742192217514"}]))
    okx.add(responses.GET, HISTORY, **reply([{
        "debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"], "fillDebtSz": "100", "status": "filled",
        "ts": "1742192217511", "ordIdInfo": [{"ordId": "1", "instId": "BTC-USDC", "fillSz": "0.001", "cTime": "1"}]}]))
    okx.add(responses.GET, CURRENCY_LIST, **account(debt=None))
    result = run_module(main, dict(ARGS, wait=True), diff=True)
    assert (result["status"], result["fill_debt_sz"], result["debt_after"]) == ("filled", "100", "0")
    assert result["orders"] == [{"ord_id": "1", "inst_id": "BTC-USDC", "fill_sz": "0.001", "c_time": "1"}]
    assert result["diff"]["after"]["debt"] == "0"


def test_a_failed_repay_fails_the_task(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account())
    okx.add(responses.POST, REPAY, **reply([{"ts": "1742192217514"}]))
    okx.add(responses.GET, HISTORY, **reply([{"debtCcy": "USDC", "repayCcyList": ["USDC", "BTC"], "fillDebtSz": "0",
                                              "status": "failed", "ts": "1742192217511"}]))
    okx.add(responses.GET, CURRENCY_LIST, **account())
    result = run_module(main, dict(ARGS, wait=True))
    assert result["failed"] is True and result["status"] == "failed"
    assert "failed" in result["msg"] and result["ts"] == "1742192217514"


def test_force_posts_without_reading(okx, run_module):
    okx.add(responses.POST, REPAY, **reply([{"ts": "5"}]))
    result = run_module(main, dict(ARGS, force=True))
    assert result["changed"] is True and "debt_before" not in result
    assert [call.request.method for call in okx.calls] == ["POST"]


def test_no_eligible_repay_currency_is_a_clear_failure(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account(usdc="0", btc="0"))
    result = run_module(main, ARGS)
    assert result["failed"] is True
    assert "none of repay_ccy_list USDC, BTC" in result["msg"]
    assert posts(okx) == []


@pytest.mark.parametrize("code, status, words", [
    ("50105", 401, "api_passphrase"),
    ("50113", 401, "api_secret"),
    ("50111", 401, "api_key"),
    ("50101", 401, "demo"),
    ("51010", 200, "Spot mode"),
    ("50120", 200, "Trade permission"),
    ("51000", 400, "debt_ccy and repay_ccy_list"),
])
def test_okx_errors_say_what_to_fix(okx, run_module, code, status, words):
    okx.add(responses.GET, CURRENCY_LIST, **reply(code=code, msg="okx says no", status=status))
    result = run_module(main, ARGS)
    assert result["failed"] is True
    assert (result["okx_code"], result["okx_msg"], result["http_status"]) == (code, "okx says no", status)
    assert words in result["msg"]
    assert "exception" not in result


@pytest.mark.parametrize("args, message", [
    (dict(debt_ccy=""), "debt_ccy: '' is not an OKX currency symbol"),
    (dict(debt_ccy="US-DC"), "debt_ccy: 'US-DC' is not an OKX currency symbol"),
    (dict(debt_ccy="123"), "debt_ccy: '123' is not an OKX currency symbol"),
    (dict(repay_ccy_list=[]), "repay_ccy_list must list at least one currency"),
    (dict(repay_ccy_list=["USDT", " usdt"]), "repay_ccy_list: 'USDT' is listed more than once"),
    (dict(repay_ccy_list=["USDT", ""]), "repay_ccy_list: '' is not an OKX currency symbol"),
    (dict(api_url="http://okx.example.com"), "api_url must be an https:// URL"),
    (dict(api_url="ftp://127.0.0.1"), "api_url must be an https:// URL"),
    (dict(timeout=0), "timeout must be a positive number"),
    (dict(retries=-1), "retries must be a positive number"),
])
def test_bad_input_fails_before_any_request(okx, run_module, args, message):
    result = run_module(main, dict(ARGS, **args))
    assert result["failed"] is True
    assert message in result["msg"]
    assert not okx.calls


def test_missing_options_are_named(okx, run_module, monkeypatch):
    for name in ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    result = run_module(main, dict(debt_ccy="USDC"))
    assert result["failed"] is True
    for name in ("api_key", "api_passphrase", "api_secret", "repay_ccy_list"):
        assert name in result["msg"]


def test_codes_are_trimmed_and_upper_cased(okx, run_module):
    okx.add(responses.GET, CURRENCY_LIST, **account(debt=None))
    result = run_module(main, dict(ARGS, debt_ccy=" usdc ", repay_ccy_list=["usdc", "Btc "]))
    assert (result["debt_ccy"], result["repay_ccy_list"]) == ("USDC", ["USDC", "BTC"])


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2", "https://eea.okx.com"])
def test_loopback_http_and_https_urls_are_accepted(okx, run_module, api_url):
    okx.add(responses.GET, api_url + "/api/v5/trade/one-click-repay-currency-list-v2", **account(debt=None))
    assert run_module(main, dict(ARGS, api_url=api_url))["changed"] is False


def test_credentials_from_the_environment_and_no_secret_in_output(okx, run_module, monkeypatch):
    monkeypatch.setenv("OKX_API_KEY", CREDENTIALS["api_key"])
    monkeypatch.setenv("OKX_API_SECRET", SECRET)
    monkeypatch.setenv("OKX_API_PASSPHRASE", PASSPHRASE)
    okx.add(responses.GET, CURRENCY_LIST, **reply(code="50113", msg="Invalid signature.", status=401))
    result = run_module(main, dict(debt_ccy="USDC", repay_ccy_list=["USDC"]))
    assert result["okx_code"] == "50113"
    assert okx.calls[0].request.headers["OK-ACCESS-KEY"] == CREDENTIALS["api_key"]
    text = json.dumps(result)
    assert SECRET not in text and PASSPHRASE not in text
    assert okx.calls[0].request.headers["OK-ACCESS-SIGN"] not in text


def test_sync_time_measures_the_offset_first(okx, run_module):
    okx.add(responses.GET, URL + "/api/v5/public/time", **reply([{"ts": "1700000000000"}]))
    okx.add(responses.GET, CURRENCY_LIST, **account(debt=None))
    run_module(main, dict(ARGS, sync_time=True))
    assert [call.request.path_url for call in okx.calls] == ["/api/v5/public/time",
                                                             "/api/v5/trade/one-click-repay-currency-list-v2"]


def test_missing_requests_library(run_module, monkeypatch):
    monkeypatch.setattr(_okx_module, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    result = run_module(main, ARGS)
    assert result["failed"] is True
    assert "Failed to import the required Python library (requests)" in result["msg"]
