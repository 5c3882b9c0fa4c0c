# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""okx_one_click_repay as a task sees it: idempotence, check and diff mode, wait, options, errors, secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_module
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay import main
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, KEY, PASSPHRASE, SECRET, URL

ARGS = dict(CREDENTIALS, api_url=URL, debt_ccy="USDC", repay_ccy_list=["USDC", "USDT"])


def repay(run_module, check_mode=False, diff=False, **options):
    return run_module(main, dict(ARGS, **options), check_mode=check_mode, diff=diff)


def test_a_debt_is_repaid_then_the_task_changes_nothing(sim, run_module):
    first = repay(run_module, wait=True)
    second = repay(run_module, wait=True)
    assert (first["changed"], first["outcome"], first["reconciled"]) == (True, "accepted", False)
    assert (first["debt_before"], first["debt_after"], first["status"]) == ("100", "0", "filled")
    assert first["ts"] == str(int(sim.executed()[0]["ts"]) + 3), "the POST reply's own ts"
    assert (second["changed"], second["outcome"], second["debt_before"]) == (False, "none", "0")
    assert sim.posts == 1


def test_without_wait_the_task_reports_the_accepted_repay(sim, run_module):
    result = repay(run_module)
    assert (result["changed"], result["outcome"]) == (True, "accepted")
    assert "status" not in result and "debt_after" not in result


def test_check_mode_reads_only_and_predicts(sim, run_module):
    result = repay(run_module, check_mode=True, diff=True)
    assert (result["changed"], result["outcome"], result["debt_after"]) == (True, "planned", "0")
    assert result["diff"] == {"before": {"debt_ccy": "USDC", "debt": "100"}, "after": {"debt_ccy": "USDC", "debt": "0"}}
    assert sim.posts == 0 and "ts" not in result


def test_diff_shows_the_debt_after_when_waited_for(sim, run_module):
    assert repay(run_module, diff=True, wait=True)["diff"]["after"]["debt"] == "0"


def test_a_failed_repay_fails_the_task_and_says_so(make_sim, run_module):
    make_sim(balances={"USDT": "0.0000001"})  # less than one lot of USDC-USDT: OKX fills nothing
    result = repay(run_module, wait=True)
    assert result["failed"] and result["changed"] is True and result["status"] == "failed"
    assert "as failed" in result["msg"]


def test_a_repay_okx_rejects_is_a_failure_without_change(sim, run_module):
    result = repay(run_module, force=True, debt_ccy="ETH")
    assert (result["failed"], result["changed"], result["outcome"]) == (True, False, "not_executed")
    assert result["okx_code"] == "51000"
    assert "check debt_ccy" in result["msg"] and "OKX did not repay the ETH debt" in result["msg"]


def test_no_eligible_repay_currency_fails_before_posting(sim, run_module):
    result = repay(run_module, repay_ccy_list=["BTC"])
    assert result["failed"] and "currencies OKX offers for repay now: USDT" in result["msg"]
    assert sim.posts == 0 and result["changed"] is False


def test_a_mistyped_currency_is_not_silently_green(sim, run_module):
    result = repay(run_module, debt_ccy="USDCC")
    assert (result["changed"], result["outcome"]) == (False, "none")
    assert any("OKX lists no USDCC for this account (debts: USDC; repay currencies: USDT)" in warning
               for warning in result["warnings"])


def test_a_currency_seen_in_the_history_does_not_warn(sim, run_module):
    repay(run_module, wait=True)
    assert repay(run_module)["warnings"] == []


@pytest.mark.parametrize("options, message", [
    (dict(debt_ccy=""), "debt_ccy"),
    (dict(repay_ccy_list=[]), "repay_ccy_list must list at least one currency"),
    (dict(repay_ccy_list=["USDT", "usdt "]), "listed more than once"),
    (dict(repay_ccy_list=["USDT", True]), "repay_ccy_list: True is not an OKX currency symbol"),
    (dict(repay_ccy_list=["USDT", 5]), "repay_ccy_list: 5 is not an OKX currency symbol"),
    (dict(debt_ccy=True), "debt_ccy: True is not an OKX currency symbol"),
    (dict(debt_ccy="US DC"), "not an OKX currency symbol"),
    (dict(wait_timeout=0), "wait_timeout must be a number from 1 to 3600, got 0"),
    (dict(wait_timeout=-5), "wait_timeout must be a number from 1 to 3600"),
    (dict(timeout="nan"), "timeout must be a number from 0.1 to 300, got nan"),
    (dict(timeout="inf"), "timeout must be a number"),
    (dict(timeout=1e308), "timeout must be a number"),
    (dict(retries=11), "retries must be a number from 0 to 10"),
    (dict(api_url="http://evil.example\\@127.0.0.1:8080"), "without a path"),
    (dict(api_url="https://www.okx.com/api/v5"), "use https://www.okx.com, not https://www.okx.com/api/v5"),
])
def test_bad_options_fail_before_any_request(okx, run_module, options, message):
    result = repay(run_module, **options)
    assert result["failed"] and message in result["msg"]
    assert len(okx.calls) == 0


def test_missing_credentials_name_the_options_and_environment_variables(okx, run_module, monkeypatch):
    for name in ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    result = run_module(main, dict(debt_ccy="USDC", repay_ccy_list=["USDC"], api_key="k"))
    assert result["msg"] == ("missing OKX credentials: set api_secret, api_passphrase (or the environment variables "
                             "OKX_API_SECRET, OKX_API_PASSPHRASE)")
    assert len(okx.calls) == 0


def test_credentials_come_from_the_environment(sim, run_module, monkeypatch):
    for name, value in (("OKX_API_KEY", KEY), ("OKX_API_SECRET", SECRET), ("OKX_API_PASSPHRASE", PASSPHRASE),
                        ("OKX_API_URL", URL)):
        monkeypatch.setenv(name, value)
    assert run_module(main, dict(debt_ccy="USDC", repay_ccy_list=["USDT"]))["changed"] is True


def test_okx_errors_carry_the_code_and_what_to_fix_and_no_secret(okx, run_module):
    okx.add("GET", URL + "/api/v5/account/config", json={"code": "50105", "msg": "passphrase incorrect", "data": []},
            status=401)
    result = repay(run_module)
    assert (result["okx_code"], result["http_status"], result["endpoint"]) == ("50105", 401, "GET /api/v5/account/config")
    assert "api_passphrase" in result["msg"] and "OKX_API_PASSPHRASE" in result["msg"]
    for secret in (SECRET, PASSPHRASE):
        assert secret not in json.dumps(result)


def test_requests_missing_is_reported_with_missing_required_lib(run_module, monkeypatch):
    monkeypatch.setattr(_okx_module, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    result = repay(run_module)
    assert result["failed"] and "requests" in result["msg"] and "Failed to import" in result["msg"]
