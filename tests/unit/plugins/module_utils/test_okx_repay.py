# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repay session's guarantee: for one debt of one account at most one repay from this machine in flight, a task
never reports a repay OKX did not run, and only evidence changes what it believes. Examples against FakeOKX on a fake
clock (docs/safety.md lists the cases); test_okx_repay_properties.py generates the rest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from decimal import Decimal

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_journal
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    HISTORY_LAG_NOTICE,
    RepaySession,
    parse_history,
    parse_overview,
    parse_repay_reply,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay import main
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_account import main as account_main
from ansible_collections.cryptoops.okx.tests.unit.okx_fakes import CREDENTIALS, UNKNOWN_KINDS, URL, FakeOKX

ARGS = dict(CREDENTIALS, api_url=URL, debt_ccy="USDC", repay_ccy_list=["USDC", "USDT"], wait=True)
HOUR = 3600


def repay(run_module, **options):
    return run_module(main, dict(ARGS, **options))


def journal_file(state_dir):
    names = [name for name in os.listdir(state_dir.path) if name.startswith("journal-") and name.endswith(".json")]
    assert len(names) == 1, names
    return state_dir.file(names[0])


# --- the lost-reply matrix ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("skew", [-5, 0, 5], ids=["okx-behind", "same-clock", "okx-ahead"])
@pytest.mark.parametrize("settle", [0.5, 10], ids=["settles-0.5s", "settles-10s"])
@pytest.mark.parametrize("history", ["on_time", "lagging", "failing"])
@pytest.mark.parametrize("executed, delay, wait_timeout", [(True, 0, 30), (True, 20, 60), (False, 0, 30),
                                                           (False, 0, 300)],
                         ids=["ran", "ran-after-the-client-gave-up", "did-not-run", "did-not-run-long-wait"])
@pytest.mark.parametrize("kind", UNKNOWN_KINDS)
def test_lost_reply_matrix_one_repay_at_most_and_a_true_report(fake_okx, run_in_process, kind, executed, delay,
                                                               wait_timeout, history, settle, skew):
    """Every way a POST's outcome is left open x it ran (at once, or 20 s after the client gave up) or not x history
    on time / 10 s late / failing x settling in 0.5 / 10 s x OKX's clock 5 s behind / same / ahead: OKX runs at most
    one repay, the report is what OKX did, and silence (even 300 s of it) never reads as "it did not run".

    The session's logic, once: the module process path (the other tests run in both paths)."""
    fake_okx.settle, fake_okx.skew = settle, skew
    fake_okx.lag = 10 if history == "lagging" else 0
    fake_okx.post_faults = [(kind, executed, delay)]
    fake_okx.break_history_on_post = history == "failing"
    result = repay(run_in_process, wait_timeout=wait_timeout)

    assert fake_okx.posts == 1, "a POST whose outcome is unknown was sent again"
    assert len(fake_okx.executed) == (1 if executed else 0)
    if executed and history != "failing":
        assert (result["outcome"], result["reconciled"], result["changed"]) == ("accepted", True, True)
        assert result["ts"] == fake_okx.executed[0]["ts"] and result["reconciled_by"] == "window"
        assert result["status"] == "filled" and not result.get("failed")
    else:
        assert (result["outcome"], result["changed"], result["failed"]) == ("unknown", True, True)
        assert "may or may not have run" in result["msg"] and result["sent_at"] and "ts" not in result
        assert "release_open_repay" in result["msg"]


# --- attribution: a record is taken for a POST only when nothing else can explain it -----------------------------------

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

    def run_twice(body, delay=0.0):  # another controller's identical repay lands in the same window
        original(body, delay)
        clock.now += 0.002
        return original(body, delay)
    fake_okx.run_repay = run_twice
    result = repay(run_module, wait_timeout=20)
    assert result["outcome"] == "unknown" and "cannot be told to be this one" in result["msg"]


def test_a_record_of_the_debt_with_other_repay_currencies_keeps_the_outcome_open(fake_okx, run_module, clock):
    fake_okx.post_faults = [("dropped", False)]
    first = repay(run_module, wait_timeout=5)
    fake_okx.run_repay({"debtCcy": "USDC", "repayCcyList": ["BTC"]})  # someone repays it by hand, from BTC
    clock.now += HOUR
    again = repay(run_module, wait_timeout=5)
    assert first["outcome"] == again["outcome"] == "unknown" and fake_okx.posts == 1
    assert "cannot be told to be this one" in again["msg"]


def test_a_record_that_shows_long_after_the_post_is_that_posts(fake_okx, run_module, clock):
    """Delivered after the client gave up and shown an hour late: the rerun finds it; nothing is posted again."""
    fake_okx.lag, fake_okx.settle = HOUR, 5
    fake_okx.post_faults = [("read_timeout", True, 25)]
    first = repay(run_module, wait_timeout=10)
    clock.now += 2 * HOUR
    again = repay(run_module, wait_timeout=10)
    assert first["outcome"] == "unknown" and fake_okx.posts == 1
    assert (again["outcome"], again["changed"]) == ("none", False)  # found final, the debt is gone


def test_a_record_outside_the_send_window_is_the_posts_when_it_is_the_only_one(fake_okx, run_module):
    """OKX ran it 60 s later than its signature allows (or its clock moved): still this POST's, and said so."""
    fake_okx.post_faults = [("read_timeout", True, 60)]
    result = repay(run_module, wait_timeout=120)
    assert (result["outcome"], result["reconciled_by"], result["status"]) == ("accepted", "only_record", "filled")
    assert fake_okx.posts == 1


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


def test_a_rerun_after_an_unknown_outcome_finds_the_repay_that_ran(fake_okx, run_module, clock):
    fake_okx.lag, fake_okx.settle = 40, 100
    fake_okx.post_faults = [("dropped", True)]
    first = repay(run_module, wait_timeout=10)
    assert first["outcome"] == "unknown"
    clock.now += 40
    second = repay(run_module, wait=False, wait_timeout=60)
    assert fake_okx.posts == 1
    assert (second["outcome"], second["ts"], second["changed"]) == ("in_flight", fake_okx.executed[0]["ts"], False)


def test_an_unknown_outcome_stays_open_until_the_operator_releases_it(fake_okx, run_module, clock):
    """No history of the POST for a day is not proof that it did not run: only release_open_repay lets it post."""
    fake_okx.post_faults = [("dropped", False)]
    first = repay(run_module, wait_timeout=10)
    clock.now += 24 * HOUR
    later = repay(run_module, wait_timeout=10)
    assert first["outcome"] == later["outcome"] == "unknown" and fake_okx.posts == 1
    assert (later["changed"], later["sent_at"]) == (False, first["sent_at"])
    assert "earlier task on this machine" in later["msg"] and "release_open_repay" in later["msg"]
    released = repay(run_module, release_open_repay=True)
    assert (released["outcome"], released["changed"], released["status"]) == ("accepted", True, "filled")
    assert released["released"] == [dict(debt_ccy="USDC", sent_at=first["sent_at"], ts=None)]
    assert any("released the open repay of the USDC debt" in warning for warning in released["warnings"])
    assert fake_okx.posts == 2 and len(fake_okx.executed) == 1


def test_release_does_not_release_a_repay_the_history_shows(fake_okx, run_module, clock):
    fake_okx.lag, fake_okx.settle = 30, 100
    fake_okx.post_faults = [("dropped", True)]
    repay(run_module, wait_timeout=5)
    clock.now += 60
    again = repay(run_module, wait=False, release_open_repay=True)
    assert (again["outcome"], "released" in again) == ("in_flight", False) and fake_okx.posts == 1


def test_an_accepted_repay_missing_from_the_history_fails_its_debt_not_a_second_repay(fake_okx, run_module, clock):
    fake_okx.lag = 10 ** 6  # OKX accepted it, its history never shows it
    first = repay(run_module, wait=False)
    clock.now += HISTORY_LAG_NOTICE + 5
    second = repay(run_module, wait=False)
    assert first["outcome"] == "accepted" and fake_okx.posts == 1
    assert second["failed"] and "does not show it yet" in second["msg"] and second["outcome"] == "in_flight"


def test_a_journal_entry_older_than_the_history_is_not_forgotten(fake_okx, run_module, clock):
    fake_okx.lag = 10 ** 9
    fake_okx.post_faults = [("dropped", False)]
    repay(run_module, wait_timeout=5)
    clock.now += 8 * 86400
    fake_okx.lag = 0
    result = repay(run_module, wait=False)
    assert result["outcome"] == "unknown" and fake_okx.posts == 1


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


@pytest.mark.parametrize("paging", ["ignore_after", "repeat"])
def test_history_paging_that_misbehaves_is_bounded_and_never_no_record(fake_okx, run_module, clock, paging):
    """A page that is not older than the ``after`` asked for fails the read; records repeated across pages count
    once."""
    fake_okx.lag, fake_okx.settle = 10 ** 6, 10 ** 6
    fake_okx.post_faults = [("dropped", True)]
    repay(run_module, wait_timeout=5)
    for dummy in range(120):
        clock.now += 2
        fake_okx.run_repay({"debtCcy": "ETH", "repayCcyList": ["USDT"]})
    for entry in fake_okx.records:
        entry[1] = 0
    fake_okx.paging = paging
    result = repay(run_module, wait=False, wait_timeout=30)
    assert fake_okx.posts == 1
    if paging == "ignore_after":
        assert result["failed"] and "records older than after" in result["msg"]
    else:
        assert (result["outcome"], result["ts"]) == ("in_flight", fake_okx.executed[0]["ts"])


# --- one account, one identity ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("other_url", ["https://www.okx.com:443", "https://www.okx.com."])
def test_two_spellings_of_the_site_share_one_journal(clock, okx, run_module, other_url):
    fake = FakeOKX(clock).install(okx).install(okx, url=other_url)
    fake.settle, fake.lag = 20, 10
    fake.post_faults = [("dropped", True)]
    first = repay(run_module, wait_timeout=5)
    second = repay(run_module, api_url=other_url, wait=False, wait_timeout=5)
    assert first["outcome"] == "unknown" and fake.posts == 1
    assert second["outcome"] == "unknown" and "earlier task on this machine" in second["msg"]


def test_one_task_at_a_time_per_account(fake_okx, make_client, clock):
    """A second task of the same account, by another key or spelling, waits for the first, then fails clearly."""
    with RepaySession(make_client(), 5):
        with pytest.raises(OKXError, match="another task on this machine .process %d." % os.getpid()):
            with RepaySession(make_client(api_key="second-key-of-the-account"), 3):
                pass
    assert sum(clock.sleeps) >= 3
    with RepaySession(make_client(api_key="second-key-of-the-account"), 3):
        pass


# --- the journal fails closed ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [
    b"", b"[]", b"{}", b"\0\0\0\0", b'{"version": 1, "account": "x", "ent', b"not json",
    b'{"USDC": {"repay_ccy_list": ["USDC"], "mono": [1, 2], "wall": 3}}',
    "other-account", "unknown-field", "bad-window",
], ids=["empty", "list", "no-version", "nul-bytes", "truncated", "text", "old-format", "other-account",
        "unknown-field", "bad-window"])
def test_a_damaged_journal_stops_the_account_and_is_never_overwritten(fake_okx, run_module, state_dir, damage):
    fake_okx.post_faults = [("dropped", False)]  # an open entry
    repay(run_module, wait_timeout=5)
    path = journal_file(state_dir)
    with open(path) as handle:
        good = json.load(handle)
    if damage == "other-account":
        damage = json.dumps(dict(good, account="0" * 32)).encode()
    elif damage == "unknown-field":
        good["entries"]["USDC"]["origin"] = "elsewhere"
        damage = json.dumps(good).encode()
    elif damage == "bad-window":
        good["entries"]["USDC"]["window"] = ["yesterday", 5]
        damage = json.dumps(good).encode()
    with open(path, "wb") as handle:
        handle.write(damage)
    fake_okx.debts["ETH"] = Decimal("5")
    for run in (lambda: repay(run_module), lambda: repay(run_module, debt_ccy="ETH", repay_ccy_list=["USDT"]),
                lambda: run_module(account_main, dict(CREDENTIALS, api_url=URL))):
        result = run()
        assert result["failed"] and path in result["msg"] and "Traceback" not in json.dumps(result)
        assert "no debt of this account is repaid" in result["msg"]
    with open(path, "rb") as handle:
        assert handle.read() == damage
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


# --- the journal goes where the role runs --------------------------------------------------------------------------

def test_a_journal_carried_to_a_fresh_machine_keeps_the_debt_blocked(fake_okx, run_module, tmp_path, monkeypatch):
    fake_okx.settle, fake_okx.lag = 30, 20
    fake_okx.post_faults = [("dropped", True)]
    first = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait_timeout=5))
    assert first["failed_debts"][0]["outcome"] == "unknown" and first["journal"]["entries"]
    monkeypatch.setenv("OKX_STATE_DIR", str(tmp_path / "another-machine"))
    carried = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait_timeout=5, journal=first["journal"]))
    assert fake_okx.posts == 1 and carried["failed_debts"][0]["outcome"] == "unknown"
    assert carried["journal"]["entries"] == first["journal"]["entries"]


def test_a_single_debt_task_on_a_fresh_machine_takes_the_carried_journal_too(fake_okx, run_module, tmp_path,
                                                                             monkeypatch):
    """Found by make fuzz: an account task's repay accepted, its record not yet in the history, then an AWX job in a
    fresh execution environment repaying that debt with okx_one_click_repay: the carried journal stops it."""
    fake_okx.lag, fake_okx.debts["ETH"] = 3, Decimal("2")
    first = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait=False, wait_timeout=1))
    monkeypatch.setenv("OKX_STATE_DIR", str(tmp_path / "another-machine"))
    again = repay(run_module, debt_ccy="ETH", repay_ccy_list=["USDT"], wait=False, journal=first["journal"])
    assert fake_okx.posts == 2 and (again["outcome"], again["changed"]) == ("in_flight", False)
    assert again["journal"]["entries"].keys() == first["journal"]["entries"].keys()


def test_a_carried_journal_of_another_account_is_refused(fake_okx, run_module):
    carried = dict(version=_okx_journal.VERSION, account="f" * 32, entries={})
    result = run_module(account_main, dict(CREDENTIALS, api_url=URL, journal=carried))
    assert result["failed"] and "belongs to another account" in result["msg"] and fake_okx.posts == 0


# --- reports that survive later failures ----------------------------------------------------------------------------

@pytest.mark.parametrize("failure", ["history", "overview"])
def test_a_repay_accepted_then_a_failed_read_still_reports_changed_and_ts(fake_okx, run_module, clock, failure):
    fake_okx.settle = 3
    fake_okx.break_history_on_post = failure == "history"
    fake_okx.break_overview_on_post = failure == "overview"
    result = repay(run_module, wait_timeout=20)
    assert fake_okx.posts == 1 and result["failed"]
    assert (result["changed"], result["outcome"]) == (True, "accepted")
    assert int(result["ts"]) - int(fake_okx.executed[0]["ts"]) in (0, 3)  # the reply's ts, or the record's


def test_waiting_keeps_trying_a_failing_history_until_wait_timeout(fake_okx, run_module, clock):
    fake_okx.settle = 3
    fake_okx.history_failures_on_post = 8
    result = repay(run_module, wait_timeout=60)
    assert (result["outcome"], result["status"], result["changed"]) == ("accepted", "filled", True)


def test_a_journal_that_cannot_be_written_after_the_post_still_reports_the_repay(fake_okx, run_module, monkeypatch):
    writes = []
    original = _okx_journal.Journal.put

    def put_once(self, entry):
        writes.append(entry)
        if len(writes) > 1:
            raise OKXError("cannot use the state directory: No space left on device", kind="config")
        return original(self, entry)
    monkeypatch.setattr(_okx_journal.Journal, "put", put_once)
    result = repay(run_module, wait=False)
    assert fake_okx.posts == 1 and result["failed"] and "No space left" in result["msg"]
    assert (result["changed"], result["outcome"]) == (True, "accepted")
    assert int(result["ts"]) - int(fake_okx.executed[0]["ts"]) in (0, 3)  # the reply's ts, or the record's


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
    okx.add("GET", URL + "/api/v5/public/time", json={"code": "0", "data": [{"ts": "1700000000000"}]})
    okx.add("GET", URL + "/api/v5/account/config", json={"code": "0", "data": [{"uid": "1"}]})
    okx.add("GET", URL + "/api/v5/trade/one-click-repay-history-v2", json={"code": "0", "data": []})
    okx.add("GET", URL + "/api/v5/trade/one-click-repay-currency-list-v2", json=body)
    result = repay(run_module)
    assert result["failed"] and "malformed" in result["msg"] and "data" in result["msg"]
    assert "debt_before" not in result and "Traceback" not in json.dumps(result)


@pytest.mark.parametrize("record, field", [
    ({"debtCcy": "USDC", "repayCcyList": "USDC", "status": "filled", "ts": "1", "fillDebtSz": "1"}, "repayCcyList"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "done", "ts": "1", "fillDebtSz": "1"}, "status"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": "1", "fillDebtSz": ""}, "fillDebtSz"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": "1", "fillDebtSz": "1",
      "ordIdInfo": ["x"]}, "ordIdInfo"),
])
def test_a_record_that_cannot_be_read_is_kept_with_its_problem(record, field):
    """It stops its own debt only (test_okx_one_click_repay_account.py), so the read itself does not fail."""
    read = parse_history([record, {"debtCcy": "ETH", "repayCcyList": ["USDT"], "status": "filled", "ts": "0",
                                   "fillDebtSz": "2"}])
    assert field in read[0].problem and read[0].debt_ccy == "USDC" and read[1].problem is None


@pytest.mark.parametrize("record, field", [
    ({"debtCcy": "usdc", "repayCcyList": ["USDC"], "status": "filled", "ts": "1", "fillDebtSz": "1"}, "debtCcy"),
    ({"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "filled", "ts": 1, "fillDebtSz": "1"}, "ts"),
    ("a string", "data[0]"),
])
def test_a_record_that_cannot_be_placed_fails_the_read(record, field):
    with pytest.raises(OKXError) as caught:
        parse_history([record])
    assert caught.value.kind == "malformed" and field in caught.value.msg


def test_a_failed_record_without_a_fill_and_extra_fields_reads_as_nothing_repaid():
    record = parse_history([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "failed", "ts": "5",
                             "fillDebtSz": "", "newField": {"x": 1}}])[0]
    assert (record.fill_debt_sz, record.problem) == ("0", None)


def test_a_running_record_may_have_no_fill_yet():
    assert parse_history([{"debtCcy": "USDC", "repayCcyList": ["USDC"], "status": "running", "ts": "5",
                           "fillDebtSz": ""}])[0].fill_debt_sz is None


@pytest.mark.parametrize("data", [[], [{}], [{"ts": 17}], [{"ts": "1", "debtCcy": "ETH"}], [{"ts": "1"}, {"ts": "2"}]])
def test_a_repay_reply_without_its_ts_is_malformed(data):
    with pytest.raises(OKXError) as caught:
        parse_repay_reply(data, "USDC")
    assert caught.value.kind == "malformed"
