# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repay session's guarantee: for one debt of one account at most one repay from this machine in flight, a task
never reports a repay OKX did not run, and only evidence changes what it believes. Examples against the simulator's
model of OKX (okx_model_mock.MockOKX) on a fake clock (docs/safety.md lists the cases); test_okx_repay_properties.py
generates the rest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_journal
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    HISTORY_LAG_NOTICE,
    REPAY,
    RepaySession,
    parse_history,
    parse_overview,
    parse_repay_reply,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay import main
from ansible_collections.cryptoops.okx.plugins.modules.okx_one_click_repay_account import main as account_main
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import (
    CREDENTIALS,
    CURRENCY_LIST as CURRENCY_LIST_PATH,
    HISTORY as HISTORY_PATH,
    LOST_REPLY_KINDS,
    SECOND_KEY,
    URL,
    MockOKX,
    failing,
    lost_reply,
)

ARGS = dict(CREDENTIALS, api_url=URL, debt_ccy="USDC", repay_ccy_list=["USDC", "USDT"], wait=True)
HOUR = 3600
DAY = 24 * HOUR


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
@pytest.mark.parametrize("kind", LOST_REPLY_KINDS)
def test_lost_reply_matrix_one_repay_at_most_and_a_true_report(make_sim, run_in_process, kind, executed, delay,
                                                               wait_timeout, history, settle, skew):
    """Every way a POST's outcome is left open x it ran (at once, or 20 s after the client gave up) or not x history
    on time / 10 s late / failing x settling in 0.5 / 10 s x OKX's clock 5 s behind / same / ahead: OKX runs at most
    one repay, the report is what OKX did, and silence (even 300 s of it) never reads as "it did not run".

    The session's logic, once: the module process path (the other tests run in both paths)."""
    sim = make_sim(settle_delay=settle, history_lag=10 if history == "lagging" else 0)
    sim.skew = skew
    faults = [lost_reply(kind, apply=executed, runs_after=delay)]
    if history == "failing":
        faults.append(failing(HISTORY_PATH, after_post=True))
    sim.set_faults(faults)
    result = repay(run_in_process, wait_timeout=wait_timeout)

    assert sim.posts == 1, "a POST whose outcome is unknown was sent again"
    assert len(sim.executed()) == (1 if executed else 0)
    if executed and history != "failing":
        assert (result["outcome"], result["reconciled"], result["changed"]) == ("accepted", True, True)
        assert result["ts"] == sim.executed()[0]["ts"] and result["reconciled_by"] == "window"
        assert result["status"] == "filled" and not result.get("failed")
    else:
        assert (result["outcome"], result["changed"], result["failed"]) == ("unknown", True, True)
        assert "may or may not have run" in result["msg"] and result["sent_at"] and "ts" not in result
        assert "release_open_repay" in result["msg"]


# --- attribution: a record is taken for a POST only when nothing else can explain it -----------------------------------

@pytest.mark.parametrize("in_snapshot", [True, False], ids=["earlier-repay-in-history", "earlier-repay-lagging"])
def test_an_earlier_identical_repay_is_never_taken_for_a_lost_one(make_sim, run_module, clock, in_snapshot):
    """force=true, the POST lost and not run 1.5 s after an identical repay: the earlier one is not reported."""
    sim = make_sim(history_lag=0 if in_snapshot else 5, settle_delay=0.5)  # final before the POST
    sim.post_repay("USDC", ["USDC", "USDT"])
    clock.now += 1.5
    sim.set_faults([lost_reply("slow", apply=False)])
    result = repay(run_module, force=True, wait_timeout=20)
    assert sim.posts == 1 and len(sim.executed()) == 1
    assert result["outcome"] == "unknown" and "ts" not in result


def test_two_records_in_the_send_window_are_an_unknown_outcome_not_a_guess(make_sim, run_module):
    sim = make_sim(settle_delay=60)  # the debt still shows when the other repay is posted
    sim.set_faults([lost_reply("slow")])
    # Another controller's identical repay lands in the same window: OKX runs it once the client gave up on its POST.

    def same_repay(request):
        body = json.loads(request.body)
        sim.post_repay(body["debtCcy"], body["repayCcyList"])
    sim.after.append(["POST", REPAY.path, same_repay])
    result = repay(run_module, wait_timeout=20)
    assert len(sim.executed()) == 2 and sim.posts == 1
    assert result["outcome"] == "unknown" and "cannot be told to be this one" in result["msg"]


def test_a_record_of_the_debt_with_other_repay_currencies_keeps_the_outcome_open(make_sim, run_module, clock):
    sim = make_sim(balances={"USDT": "5000", "BTC": "1"})
    sim.set_faults([lost_reply("drop", apply=False)])
    first = repay(run_module, wait_timeout=5)
    sim.post_repay("USDC", ["BTC"])  # someone repays it by hand, from BTC
    clock.now += HOUR
    again = repay(run_module, wait_timeout=5)
    assert first["outcome"] == again["outcome"] == "unknown" and sim.posts == 1
    assert "cannot be told to be this one" in again["msg"]


def test_a_record_that_shows_long_after_the_post_is_that_posts(make_sim, run_module, clock):
    """Delivered after the client gave up and shown an hour late: the rerun finds it; nothing is posted again."""
    sim = make_sim(history_lag=HOUR, settle_delay=5)
    sim.set_faults([lost_reply("slow", runs_after=25)])
    first = repay(run_module, wait_timeout=10)
    clock.now += 2 * HOUR
    again = repay(run_module, wait_timeout=10)
    assert first["outcome"] == "unknown" and sim.posts == 1
    assert (again["outcome"], again["changed"]) == ("none", False)  # found final, the debt is gone


def test_a_record_outside_the_send_window_is_the_posts_when_it_is_the_only_one(sim, run_module):
    """OKX ran it 60 s later than its signature allows (or its clock moved): still this POST's, and said so."""
    sim.set_faults([lost_reply("slow", runs_after=60)])
    result = repay(run_module, wait_timeout=120)
    assert (result["outcome"], result["reconciled_by"], result["status"]) == ("accepted", "only_record", "filled")
    assert sim.posts == 1


# --- in flight: never a second repay while one runs or is journaled ------------------------------------------------

def test_a_repay_running_in_the_history_is_reported_not_repeated(make_sim, run_module):
    sim = make_sim(settle_delay=30, balances={"USDT": "5000", "USDC": "100"})
    sim.post_repay("USDC", ["USDC"])
    result = repay(run_module, wait=False)
    assert sim.posts == 0
    assert (result["outcome"], result["changed"], result["status"]) == ("in_flight", False, "running")
    assert result["ts"] == sim.executed()[0]["ts"]


def test_waiting_for_a_repay_in_flight_reports_its_final_state(make_sim, run_module):
    sim = make_sim(settle_delay=5, balances={"USDT": "5000", "USDC": "100"})
    sim.post_repay("USDC", ["USDC"])
    result = repay(run_module, wait=True)
    assert sim.posts == 0
    assert (result["outcome"], result["changed"], result["status"]) == ("in_flight", False, "filled")


def test_the_same_task_twice_while_the_history_lags_posts_once(make_sim, run_module):
    """The first task's repay is accepted but not in the history yet: the journal stops the second."""
    sim = make_sim(settle_delay=20, history_lag=10)
    first = repay(run_module, wait=False)
    second = repay(run_module, wait=False)
    assert sim.posts == 1
    assert first["outcome"] == "accepted" and first["changed"] is True
    assert (second["outcome"], second["changed"], second["ts"]) == ("in_flight", False, first["ts"])


def test_a_rerun_after_an_unknown_outcome_finds_the_repay_that_ran(make_sim, run_module, clock):
    sim = make_sim(history_lag=40, settle_delay=100)
    sim.set_faults([lost_reply("drop")])
    first = repay(run_module, wait_timeout=10)
    assert first["outcome"] == "unknown"
    clock.now += 40
    second = repay(run_module, wait=False, wait_timeout=60)
    assert sim.posts == 1
    assert (second["outcome"], second["ts"], second["changed"]) == ("in_flight", sim.executed()[0]["ts"], False)


def test_an_unknown_outcome_stays_open_until_the_operator_releases_it(sim, run_module, clock):
    """No history of the POST for a day is not proof that it did not run: only release_open_repay lets it post."""
    sim.set_faults([lost_reply("drop", apply=False)])
    first = repay(run_module, wait_timeout=10)
    clock.now += 24 * HOUR
    later = repay(run_module, wait_timeout=10)
    assert first["outcome"] == later["outcome"] == "unknown" and sim.posts == 1
    assert (later["changed"], later["sent_at"]) == (False, first["sent_at"])
    assert "earlier task on this machine" in later["msg"] and "release_open_repay" in later["msg"]
    released = repay(run_module, release_open_repay=True)
    assert (released["outcome"], released["changed"], released["status"]) == ("accepted", True, "filled")
    assert released["released"] == [dict(debt_ccy="USDC", sent_at=first["sent_at"], ts=None)]
    assert any("released the open repay of the USDC debt" in warning for warning in released["warnings"])
    assert sim.posts == 2 and len(sim.executed()) == 1


def test_release_does_not_release_a_repay_the_history_shows(make_sim, run_module, clock):
    sim = make_sim(history_lag=30, settle_delay=100)
    sim.set_faults([lost_reply("drop")])
    repay(run_module, wait_timeout=5)
    clock.now += 60
    again = repay(run_module, wait=False, release_open_repay=True)
    assert (again["outcome"], "released" in again) == ("in_flight", False) and sim.posts == 1


def test_an_accepted_repay_missing_from_the_history_fails_its_debt_not_a_second_repay(make_sim, run_module, clock):
    sim = make_sim(history_lag=10 ** 6)  # OKX accepted it, its history never shows it
    first = repay(run_module, wait=False)
    clock.now += HISTORY_LAG_NOTICE + 5
    second = repay(run_module, wait=False)
    assert first["outcome"] == "accepted" and sim.posts == 1
    assert second["failed"] and "does not show it yet" in second["msg"] and second["outcome"] == "in_flight"


def test_a_journal_entry_older_than_the_history_is_not_forgotten(make_sim, run_module, clock):
    sim = make_sim(history_lag=10 ** 9)
    sim.set_faults([lost_reply("drop", apply=False)])
    repay(run_module, wait_timeout=5)
    clock.now += 8 * DAY
    sim.configure(history_lag=0)
    result = repay(run_module, wait=False)
    assert result["outcome"] == "unknown" and sim.posts == 1


def older_than_the_newest_page(make_sim, run_module, clock):
    """A lost POST OKX ran, then 120 repays of another debt pushing its record off the newest page of 100; a day
    later everything shows in the history, nothing has settled."""
    sim = make_sim(debts={"USDC": "100", "ETH": "0.5"}, history_lag=DAY, settle_delay=10 * DAY)
    sim.set_faults([lost_reply("drop")])
    assert repay(run_module, wait_timeout=5)["outcome"] == "unknown"
    for dummy in range(120):  # other debts' repays, by hand, as OKX's rate limit allows them
        clock.now += 2
        sim.post_repay("ETH", ["USDT"])
    clock.now += DAY
    return sim


def test_a_lost_repay_older_than_the_newest_history_page_is_found_on_an_older_page(make_sim, run_module, clock):
    sim = older_than_the_newest_page(make_sim, run_module, clock)
    result = repay(run_module, wait=False)
    assert (result["outcome"], result["ts"]) == ("in_flight", sim.executed()[0]["ts"])
    assert sim.posts == 1


@pytest.mark.parametrize("paging", ["ignore_after", "repeat_records"])
def test_history_paging_that_misbehaves_is_bounded_and_never_no_record(make_sim, run_module, clock, paging):
    """A page that is not older than the ``after`` asked for fails the read; records repeated across pages count
    once."""
    sim = older_than_the_newest_page(make_sim, run_module, clock)
    sim.set_faults([{"path": HISTORY_PATH, "method": "GET", "kind": paging, "times": 10 ** 6}])
    result = repay(run_module, wait=False, wait_timeout=30)
    assert sim.posts == 1
    if paging == "ignore_after":
        assert result["failed"] and "records older than after" in result["msg"]
    else:
        assert (result["outcome"], result["ts"]) == ("in_flight", sim.executed()[0]["ts"])


# --- one account, one identity ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("other_url", ["https://www.okx.com:443", "https://www.okx.com."])
def test_two_spellings_of_the_site_share_one_journal(clock, okx, run_module, other_url):
    sim = MockOKX(clock, settle_delay=20, history_lag=10).install(okx).install(okx, url=other_url)
    sim.set_faults([lost_reply("drop")])
    first = repay(run_module, wait_timeout=5)
    second = repay(run_module, api_url=other_url, wait=False, wait_timeout=5)
    assert first["outcome"] == "unknown" and sim.posts == 1
    assert second["outcome"] == "unknown" and "earlier task on this machine" in second["msg"]


def test_one_task_at_a_time_per_account(sim, make_client, clock):
    """A second task of the same account, by another key or spelling, waits for the first, then fails clearly."""
    with RepaySession(make_client(), 5):
        with pytest.raises(OKXError, match="another task on this machine .process %d." % os.getpid()):
            with RepaySession(make_client(api_key=SECOND_KEY), 3):
                pass
    assert sum(clock.sleeps) >= 3
    with RepaySession(make_client(api_key=SECOND_KEY), 3):
        pass


# --- the journal fails closed ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [
    b"", b"[]", b"{}", b"\0\0\0\0", b'{"version": 1, "account": "x", "ent', b"not json",
    b'{"USDC": {"repay_ccy_list": ["USDC"], "mono": [1, 2], "wall": 3}}',
    "other-account", "unknown-field", "bad-window",
], ids=["empty", "list", "no-version", "nul-bytes", "truncated", "text", "old-format", "other-account",
        "unknown-field", "bad-window"])
def test_a_damaged_journal_stops_the_account_and_is_never_overwritten(make_sim, run_module, state_dir, damage):
    sim = make_sim(debts={"USDC": "100", "ETH": "5"})
    sim.set_faults([lost_reply("drop", apply=False)])  # an open entry
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
    for run in (lambda: repay(run_module), lambda: repay(run_module, debt_ccy="ETH", repay_ccy_list=["USDT"]),
                lambda: run_module(account_main, dict(CREDENTIALS, api_url=URL))):
        result = run()
        assert result["failed"] and path in result["msg"] and "Traceback" not in json.dumps(result)
        assert "no debt of this account is repaid" in result["msg"]
    with open(path, "rb") as handle:
        assert handle.read() == damage
    assert sim.posts == 1


def test_the_journal_names_no_secret(sim, run_module, state_dir):
    sim.set_faults([lost_reply("drop")])
    repay(run_module, wait_timeout=5)
    for name in os.listdir(state_dir.path):
        assert CREDENTIALS["api_key"] not in name
        with open(state_dir.file(name)) as handle:
            text = handle.read()
        for secret in CREDENTIALS.values():
            assert secret not in text


# --- the journal goes where the role runs --------------------------------------------------------------------------

def test_a_journal_carried_to_a_fresh_machine_keeps_the_debt_blocked(make_sim, run_module, tmp_path, monkeypatch):
    sim = make_sim(settle_delay=30, history_lag=20)
    sim.set_faults([lost_reply("drop")])
    first = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait_timeout=5))
    assert first["failed_debts"][0]["outcome"] == "unknown" and first["journal"]["entries"]
    monkeypatch.setenv("OKX_STATE_DIR", str(tmp_path / "another-machine"))
    carried = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait_timeout=5, journal=first["journal"]))
    assert sim.posts == 1 and carried["failed_debts"][0]["outcome"] == "unknown"
    assert carried["journal"]["entries"] == first["journal"]["entries"]


def test_a_single_debt_task_on_a_fresh_machine_takes_the_carried_journal_too(make_sim, run_module, tmp_path,
                                                                             monkeypatch):
    """Found by make fuzz: an account task's repay accepted, its record not yet in the history, then an AWX job in a
    fresh execution environment repaying that debt with okx_one_click_repay: the carried journal stops it."""
    sim = make_sim(debts={"USDC": "100", "ETH": "2"}, balances={"USDT": "10000"}, history_lag=3)
    first = run_module(account_main, dict(CREDENTIALS, api_url=URL, wait=False, wait_timeout=1))
    monkeypatch.setenv("OKX_STATE_DIR", str(tmp_path / "another-machine"))
    again = repay(run_module, debt_ccy="ETH", repay_ccy_list=["USDT"], wait=False, journal=first["journal"])
    assert sim.posts == 2 and (again["outcome"], again["changed"]) == ("in_flight", False)
    assert again["journal"]["entries"].keys() == first["journal"]["entries"].keys()


def test_a_carried_journal_of_another_account_is_refused(sim, run_module):
    carried = dict(version=_okx_journal.VERSION, account="f" * 32, entries={})
    result = run_module(account_main, dict(CREDENTIALS, api_url=URL, journal=carried))
    assert result["failed"] and "belongs to another account" in result["msg"] and sim.posts == 0


# --- reports that survive later failures ----------------------------------------------------------------------------

@pytest.mark.parametrize("failure", ["history", "overview"])
def test_a_repay_accepted_then_a_failed_read_still_reports_changed_and_ts(make_sim, run_module, clock, failure):
    sim = make_sim(settle_delay=3)
    sim.set_faults([failing(HISTORY_PATH if failure == "history" else CURRENCY_LIST_PATH, after_post=True)])
    result = repay(run_module, wait_timeout=20)
    assert sim.posts == 1 and result["failed"]
    assert (result["changed"], result["outcome"]) == (True, "accepted")
    assert int(result["ts"]) - int(sim.executed()[0]["ts"]) in (0, 3)  # the reply's ts, or the record's


def test_waiting_keeps_trying_a_failing_history_until_wait_timeout(make_sim, run_module, clock):
    sim = make_sim(settle_delay=3)
    sim.set_faults([failing(HISTORY_PATH, times=8, after_post=True)])
    result = repay(run_module, wait_timeout=60)
    assert (result["outcome"], result["status"], result["changed"]) == ("accepted", "filled", True)


def test_a_journal_that_cannot_be_written_after_the_post_still_reports_the_repay(sim, run_module, monkeypatch):
    writes = []
    original = _okx_journal.Journal.put

    def put_once(self, entry):
        writes.append(entry)
        if len(writes) > 1:
            raise OKXError("cannot use the state directory: No space left on device", kind="config")
        return original(self, entry)
    monkeypatch.setattr(_okx_journal.Journal, "put", put_once)
    result = repay(run_module, wait=False)
    assert sim.posts == 1 and result["failed"] and "No space left" in result["msg"]
    assert (result["changed"], result["outcome"]) == (True, "accepted")
    assert int(result["ts"]) - int(sim.executed()[0]["ts"]) in (0, 3)  # the reply's ts, or the record's


# --- an account mode without the history (acctLv 3): the reply, the journal and the debt ------------------------------

MODE_3 = "acctLv 3, Multi-currency margin"
ACCOUNT_ARGS = dict(CREDENTIALS, api_url=URL)


def mode_warned(result):
    return any("does not show the one-click repay history in this account's mode (%s)" % MODE_3 in warning
               for warning in result["warnings"])


def test_in_mode_3_an_accepted_repay_is_done_once_the_currency_list_shows_no_debt(make_sim, run_module):
    sim = make_sim(acct_lv="3", settle_delay=3)
    result = run_module(account_main, dict(ACCOUNT_ARGS, wait_timeout=20))
    assert not result.get("failed") and result["changed"] is True
    assert [(r["debt_ccy"], r["outcome"], r["debt_cleared"]) for r in result["repaid"]] == [("USDC", "accepted", True)]
    assert result["journal"]["entries"] == {} and result["failed_debts"] == []
    assert mode_warned(result)
    assert sim.posts == 1 and sim.view()["debts"] == {}


def test_in_mode_3_a_lost_reply_stays_unknown_and_a_second_run_posts_nothing(make_sim, run_module, clock):
    sim = make_sim(acct_lv="3", settle_delay=3)
    sim.set_faults([lost_reply("drop")])  # OKX ran it; the reply never came
    first = repay(run_module, wait_timeout=10)
    clock.now += HOUR  # the debt is gone by now: not evidence that this POST repaid it
    again = repay(run_module, wait_timeout=10)
    assert (first["outcome"], first["changed"], first["failed"]) == ("unknown", True, True)
    assert (again["outcome"], again["changed"], again["failed"]) == ("unknown", False, True)
    assert "release_open_repay" in again["msg"] and mode_warned(first) and mode_warned(again)
    assert sim.posts == 1 and len(sim.executed()) == 1


def test_in_mode_3_an_accepted_repay_whose_debt_still_shows_blocks_it_until_released(make_sim, run_module, clock):
    sim = make_sim(acct_lv="3", settle_delay=600)  # still settling when wait_timeout runs out, and on the next run
    first = run_module(account_main, dict(ACCOUNT_ARGS, wait_timeout=10))
    assert first["failed"] and [(f["debt_ccy"], f["outcome"]) for f in first["failed_debts"]] == [("USDC", "accepted")]
    assert "the debt still shows after wait_timeout=10 s" in first["failed_debts"][0]["msg"]
    assert list(first["journal"]["entries"]) == ["USDC"]
    clock.now += 60
    second = run_module(account_main, dict(ACCOUNT_ARGS, wait_timeout=10))
    assert second["failed"] and second["changed"] is False and sim.posts == 1
    blocked = [item for item in second["failed_debts"] if item["debt_ccy"] == "USDC"]
    assert blocked and "the debt still shows" in blocked[0]["msg"] and "release" in blocked[0]["msg"]
    assert mode_warned(second)
    released = run_module(account_main, dict(ACCOUNT_ARGS, wait_timeout=10, release_open_repays=["USDC"]))
    assert [item["debt_ccy"] for item in released["released"]] == ["USDC"] and sim.posts == 2
    assert any("released the open repay of the USDC debt" in warning for warning in released["warnings"])


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
def test_a_success_reply_without_a_data_list_fails_the_task(sim, run_module, body):
    sim.set_faults([{"path": CURRENCY_LIST_PATH, "method": "GET", "kind": "malformed", "body": body, "times": 10 ** 6}])
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
