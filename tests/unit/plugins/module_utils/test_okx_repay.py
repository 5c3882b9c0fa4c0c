# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repay engine's guarantee: for one debt of one account at most one repay in flight, and a task never
reports a repay OKX did not run. Proven against FakeOKX on a fake clock (docs/safety.md lists the cases)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from decimal import Decimal

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    HISTORY_LAG_BOUND,
    RepayEngine,
    parse_history,
    parse_overview,
    parse_repay_reply,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay import main
from ansible_collections.cryptoops.okx.tests.unit.okx_fakes import CREDENTIALS, UNKNOWN_KINDS, URL

ARGS = dict(CREDENTIALS, api_url=URL, debt_ccy="USDC", repay_ccy_list=["USDC", "USDT"], wait=True)


def repay(run_module, **options):
    return run_module(main, dict(ARGS, **options))


# --- the lost-reply matrix ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("skew", [-5, 0, 5], ids=["okx-behind", "same-clock", "okx-ahead"])
@pytest.mark.parametrize("settle", [0.5, 10], ids=["settles-0.5s", "settles-10s"])
@pytest.mark.parametrize("history", ["on_time", "lagging", "failing"])
@pytest.mark.parametrize("executed, wait_timeout", [(True, 30), (False, 30), (False, 90)],
                         ids=["ran", "did-not-run", "did-not-run-long-wait"])
@pytest.mark.parametrize("kind", UNKNOWN_KINDS)
def test_lost_reply_matrix_one_repay_at_most_and_a_true_report(fake_okx, run_module, kind, executed, wait_timeout,
                                                               history, settle, skew):
    """Every way a POST's outcome is left open x history on time / 10 s late / failing x settling in 0.5 / 10 s x
    OKX's clock 5 s behind / same / ahead: OKX runs at most one repay, and the report is what OKX did."""
    fake_okx.settle, fake_okx.skew = settle, skew
    fake_okx.lag = 10 if history == "lagging" else 0
    fake_okx.post_faults = [(kind, executed)]
    fake_okx.break_history_on_post = history == "failing"
    result = repay(run_module, wait_timeout=wait_timeout)

    assert fake_okx.posts == 1, "a POST whose outcome is unknown was sent again"
    assert len(fake_okx.executed) == (1 if executed else 0)
    if history == "failing":
        assert (result["outcome"], result["changed"], result["failed"]) == ("unknown", True, True)
        assert "may or may not have run" in result["msg"] and result["sent_at"]
    elif executed:
        assert (result["outcome"], result["reconciled"], result["changed"]) == ("accepted", True, True)
        assert result["ts"] == fake_okx.executed[0]["ts"]
        assert result["status"] == "filled" and not result.get("failed")
    elif wait_timeout > HISTORY_LAG_BOUND + 5:
        assert (result["outcome"], result["changed"], result["failed"]) == ("not_executed", False, True)
        assert "ts" not in result
    else:
        assert (result["outcome"], result["changed"], result["failed"]) == ("unknown", True, True)
        assert "ts" not in result


# --- attribution: a record is taken for a POST only when it can be nobody else's -------------------------------------

@pytest.mark.parametrize("in_snapshot", [True, False], ids=["earlier-repay-in-history", "earlier-repay-lagging"])
def test_an_earlier_identical_repay_is_never_taken_for_a_lost_one(fake_okx, run_module, clock, in_snapshot):
    """force=true, the POST lost and not run 1.5 s after an identical repay: the earlier one is not reported."""
    fake_okx.lag = 0 if in_snapshot else 5
    fake_okx.run_repay({"debtCcy": "USDC", "repayCcyList": ["USDC", "USDT"]})
    clock.now += 1.5
    fake_okx.post_faults = [("read_timeout", False)]
    result = repay(run_module, force=True, wait_timeout=20)
    assert fake_okx.posts == 1 and len(fake_okx.executed) == 1
    assert result["outcome"] == "unknown" and "ts" not in result


def test_two_records_in_the_send_window_are_an_unknown_outcome_not_a_guess(fake_okx, run_module, clock):
    fake_okx.post_faults = [("read_timeout", True)]
    original = fake_okx.run_repay

    def run_twice(body):  # another controller's identical repay lands in the same window
        original(body)
        clock.now += 0.002
        return original(body)
    fake_okx.run_repay = run_twice
    result = repay(run_module, wait_timeout=20)
    assert result["outcome"] == "unknown" and "cannot tell which" in result["msg"]


# --- in flight: never a second repay while one runs or is journaled ------------------------------------------------

def test_a_repay_running_in_the_history_is_reported_not_repeated(fake_okx, run_module):
    fake_okx.settle = 30
    fake_okx.run_repay({"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    result = repay(run_module, wait=False)
    assert fake_okx.posts == 0
    assert (result["outcome"], result["changed"], result["status"]) == ("in_flight", False, "running")
    assert result["ts"] == fake_okx.executed[0]["ts"]


def test_waiting_for_a_repay_in_flight_reports_its_final_state(fake_okx, run_module):
    fake_okx.settle = 5
    fake_okx.run_repay({"debtCcy": "USDC", "repayCcyList": ["USDC"]})
    result = repay(run_module, wait=True)
    assert fake_okx.posts == 0
    assert (result["outcome"], result["changed"], result["status"]) == ("in_flight", False, "filled")


def test_the_same_task_twice_while_the_history_lags_posts_once(fake_okx, run_module):
    """The first task's repay is accepted but not in the history yet: the journal stops the second."""
    fake_okx.settle, fake_okx.lag = 20, 10
    first = repay(run_module, wait=False)
    second = repay(run_module, wait=False)
    assert fake_okx.posts == 1
    assert first["outcome"] == "accepted" and first["changed"] is True
    assert (second["outcome"], second["changed"], second["ts"]) == ("in_flight", False, first["ts"])


def test_a_rerun_after_an_unknown_outcome_finds_the_repay_that_ran(fake_okx, run_module):
    fake_okx.lag, fake_okx.settle = 40, 100
    fake_okx.post_faults = [("dropped", True)]
    first = repay(run_module, wait_timeout=10)
    assert first["outcome"] == "unknown"
    second = repay(run_module, wait=False, wait_timeout=60)
    assert fake_okx.posts == 1
    assert (second["outcome"], second["ts"], second["changed"]) == ("in_flight", fake_okx.executed[0]["ts"], False)


def test_a_rerun_after_an_unknown_outcome_that_did_not_run_waits_for_proof_then_repays(fake_okx, run_module):
    fake_okx.post_faults = [("dropped", False)]
    first = repay(run_module, wait_timeout=10)
    early = repay(run_module, wait_timeout=10)
    assert (early["outcome"], early["changed"]) == ("unknown", False)
    assert "earlier task on this machine" in early["msg"] and fake_okx.posts == 1
    late = repay(run_module, wait_timeout=HISTORY_LAG_BOUND + 30)
    assert first["outcome"] == "unknown"
    assert (late["outcome"], late["changed"], late["status"]) == ("accepted", True, "filled")
    assert fake_okx.posts == 2 and len(fake_okx.executed) == 1
    assert any("did not run" in warning for warning in late["warnings"])


def test_an_accepted_repay_missing_from_the_history_is_an_error_not_a_second_repay(fake_okx, run_module, clock):
    fake_okx.lag = 10 ** 6  # OKX accepted it, its history never shows it
    first = repay(run_module, wait=False)
    clock.now += HISTORY_LAG_BOUND + 5
    second = repay(run_module, wait=False)
    assert first["outcome"] == "accepted" and fake_okx.posts == 1
    assert second["failed"] and "still does not show it" in second["msg"] and "journal" in second["msg"]


def test_a_journal_entry_older_than_the_history_is_forgotten(fake_okx, run_module, clock):
    fake_okx.lag = 10 ** 9
    repay(run_module, wait=False)
    clock.now += 7 * 86400
    fake_okx.settle_due()
    fake_okx.lag, fake_okx.debts["USDC"] = 0, Decimal("50")
    result = repay(run_module, wait=False)
    assert result["outcome"] == "accepted" and fake_okx.posts == 2
    assert any("older than OKX's repay history" in warning for warning in result["warnings"])


def test_a_lost_repay_older_than_the_newest_history_page_is_found_on_an_older_page(fake_okx, run_module, clock):
    fake_okx.lag, fake_okx.settle = 10 ** 6, 10 ** 6
    fake_okx.post_faults = [("dropped", True)]
    assert repay(run_module, wait_timeout=5)["outcome"] == "unknown"
    for dummy in range(120):  # other debts' repays push it off the newest page of 100
        clock.now += 2
        fake_okx.run_repay({"debtCcy": "ETH", "repayCcyList": ["USDT"]})
    for entry in fake_okx.records:
        entry[1] = 0  # everything shows in the history now
    result = repay(run_module, wait=False)
    assert (result["outcome"], result["ts"]) == ("in_flight", fake_okx.executed[0]["ts"])
    assert fake_okx.posts == 1


def test_the_journal_names_no_secret(fake_okx, run_module, state_dir):
    fake_okx.post_faults = [("dropped", True)]
    repay(run_module, wait_timeout=5)
    for name in os.listdir(state_dir.path):
        assert CREDENTIALS["api_key"] not in name
        with open(state_dir.file(name)) as handle:
            text = handle.read()
        for secret in CREDENTIALS.values():
            assert secret not in text


def test_one_task_at_a_time_per_account(fake_okx, make_client, clock):
    """A second task of the same account waits for the first, then fails clearly if it must wait too long."""
    engine, other = RepayEngine(make_client()), RepayEngine(make_client(api_key="second-key-of-the-account"))
    with engine.exclusive(5):
        with pytest.raises(OKXError, match="another task on this machine .process %d." % os.getpid()):
            with other.exclusive(3):
                pass
    assert sum(clock.sleeps) >= 3
    with other.exclusive(3):
        pass


# --- replies are validated: anything unexpected fails closed, naming the endpoint and the field -----------------------

CURRENCY_LIST = "GET /api/v5/trade/one-click-repay-currency-list-v2"


@pytest.mark.parametrize("data, field", [
    ([{"debtData": "USDC", "repayData": []}], "data[0].debtData"),
    ([{"repayData": []}], "data[0].debtData"),
    (["x"], "data[0]"),
    ([{"debtData": [{"debtCcy": "USDC"}], "repayData": []}], "data[0].debtData[0].debtAmt"),
    ([{"debtData": [{"debtCcy": "USDC", "debtAmt": "abc"}], "repayData": []}], "debtAmt"),
    ([{"debtData": [{"debtCcy": "USDC", "debtAmt": "NaN"}], "repayData": []}], "debtAmt"),
    ([{"debtData": [{"debtCcy": "USDC", "debtAmt": "sNaN"}], "repayData": []}], "debtAmt"),
    ([{"debtData": [{"debtCcy": "USDC", "debtAmt": "-1"}], "repayData": []}], "debtAmt"),
    ([{"debtData": [{"debtCcy": "USDC", "debtAmt": 100}], "repayData": []}], "debtAmt"),
    ([{"debtData": [{"debtCcy": "usdc", "debtAmt": "1"}], "repayData": []}], "debtCcy"),
    ([{"debtData": [], "repayData": [{"repayCcy": "BTC", "repayAmt": "Infinity"}]}], "repayAmt"),
], ids=["debtData-string", "debtData-missing", "entry-string", "debtAmt-missing", "debtAmt-abc", "debtAmt-NaN",
        "debtAmt-sNaN", "debtAmt-negative", "debtAmt-number", "debtCcy-lower", "repayAmt-inf"])
def test_a_malformed_currency_list_is_an_error_never_no_debt(data, field):
    with pytest.raises(OKXError) as caught:
        parse_overview(data)
    assert caught.value.kind == "malformed"
    assert CURRENCY_LIST in caught.value.msg and field in caught.value.msg


@pytest.mark.parametrize("body", [{"code": "0", "msg": ""}, {"code": "0", "msg": "", "data": None},
                                  {"code": "0", "msg": "", "data": {}}], ids=["no-data", "data-null", "data-object"])
def test_a_success_reply_without_a_data_list_fails_the_task(okx, run_module, body):
    okx.add("GET", URL + "/api/v5/account/config", json={"code": "0", "data": [{"uid": "1"}]})
    okx.add("GET", URL + "/api/v5/trade/one-click-repay-history-v2", json={"code": "0", "data": []})
    okx.add("GET", URL + "/api/v5/trade/one-click-repay-currency-list-v2", json=body)
    result = repay(run_module)
    assert result["failed"] and "malformed" in result["msg"] and "data" in result["msg"]
    assert "debt_before" not in result and "Traceback" not in json.dumps(result)


@pytest.mark.parametrize("record, field", [
    ({"debtCcy": "USDC", "repayCcyList": "USDC", "status": "filled", "ts": "1", "fillDebtSz": "1"}, "repayCcyList"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "done", "ts": "1", "fillDebtSz": "1"}, "status"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": 1, "fillDebtSz": "1"}, "ts"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": "1", "fillDebtSz": ""}, "fillDebtSz"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": "1", "fillDebtSz": "1",
      "ordIdInfo": ["x"]}, "ordIdInfo"),
])
def test_a_malformed_history_record_is_an_error(record, field):
    with pytest.raises(OKXError, match=field):
        parse_history([record])


def test_a_running_record_may_have_no_fill_yet():
    assert parse_history([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "running", "ts": "5",
                           "fillDebtSz": ""}])[0].fill_debt_sz is None


@pytest.mark.parametrize("data", [[], [{}], [{"ts": 17}], [{"ts": "1", "debtCcy": "ETH"}], [{"ts": "1"}, {"ts": "2"}]])
def test_a_repay_reply_without_its_ts_is_malformed(data):
    with pytest.raises(OKXError) as caught:
        parse_repay_reply(data, "USDC")
    assert caught.value.kind == "malformed"


def test_a_journal_entry_that_cannot_be_read_stops_its_debt_with_the_way_out(fake_okx, run_module, state_dir):
    fake_okx.post_faults = [("dropped", True)]
    repay(run_module, wait_timeout=5)
    name = [name for name in os.listdir(state_dir.path) if name.startswith("journal-") and name.endswith(".json")][0]
    state_dir.write_json(name, {"USDC": {"repay_ccy_list": ["USDC"], "mono": "yesterday"}})
    result = repay(run_module)
    assert result["failed"] and "cannot be read" in result["msg"] and name in result["msg"]
    assert fake_okx.posts == 1 and "Traceback" not in json.dumps(result)
