# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Money safety where the controller is involved: at most one repay in flight per debt across tasks, runs and
killed processes, and reports that match what OKX did (docs/safety.md). The unit tests run the whole lost-reply
matrix; this is a slice of it through real processes and the simulator."""

import signal
import time

import pytest

from tests.e2e.helpers import REPAY_PATH, executed, posts, repay_play, sim_account


def test_the_same_task_twice_in_a_play_posts_once_while_the_repay_runs(sim, playbook):
    sim.configure(settle_delay=8, history_lag=4)
    run = playbook(repay_play(wait="false") + repay_play(wait="false", name="again").split("tasks:\n", 1)[1])
    assert run.rc == 0, run.stdout
    first, again = run.result("repay")["result"], run.result("again")["result"]
    assert (first["outcome"], first["changed"]) == ("accepted", True)
    assert (again["outcome"], again["changed"], again["ts"]) == ("in_flight", False, first["ts"])
    assert len(posts(sim)) == 1


def test_two_overlapping_runs_repay_each_debt_once_and_neither_fails(sim, playbook):
    sim.configure(settle_delay=3)
    play = repay_play(wait="true")
    first, second = playbook.start(play), playbook.start(play)
    runs = [playbook.finish(first), playbook.finish(second)]
    assert [run.rc for run in runs] == [0, 0], [run.stdout for run in runs]
    outcomes = sorted(run.result("repay")["result"]["outcome"] for run in runs)
    assert outcomes in (["accepted", "in_flight"], ["accepted", "none"]), outcomes
    assert len(posts(sim)) == 1 and len(executed(sim)) == 1


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_rerun_after_killing_ansible_playbook_does_not_repay_again(sim, playbook, sig):
    """The POST is on its way when ansible-playbook dies; the rerun finds that repay instead of posting another."""
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "slow", "delay": 4}])
    proc = playbook.start(repay_play(wait="true", timeout=8))
    deadline = time.monotonic() + 60
    while not posts(sim) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert posts(sim), "the POST was never sent"
    playbook.interrupt(proc, sig)
    rerun = playbook(repay_play(wait="true", wait_timeout=60))
    assert rerun.rc == 0, rerun.stdout
    assert rerun.result("repay")["result"]["outcome"] in ("in_flight", "none")
    assert len(posts(sim)) == 1 and len(executed(sim)) == 1
    assert "USDC" not in sim_account(sim)["debts"]


@pytest.mark.parametrize("fault, lag, skew", [
    ({"kind": "drop", "apply": True}, 3, 0),
    ({"kind": "truncated_json"}, 0, 5),
    ({"kind": "endpoint_timeout", "apply": True}, 0, -5),
    ({"kind": "html_200", "apply": True}, 3, -5),
], ids=["dropped-history-late", "truncated-okx-ahead", "50004-okx-behind", "html-200-history-late"])
def test_a_lost_reply_of_a_repay_that_ran_is_found_not_repeated(sim, playbook, fault, lag, skew):
    sim.configure(history_lag=lag)
    sim.set_clock_skew(skew)
    sim.set_faults([dict(fault, path=REPAY_PATH, method="POST")])
    run = playbook(repay_play(wait="true", sync_time="true"))
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert (result["outcome"], result["reconciled"], result["status"]) == ("accepted", True, "filled")
    assert result["ts"] == executed(sim)[0]["ts"]
    assert len(posts(sim)) == 1


def test_a_lost_reply_of_a_repay_that_did_not_run_is_unknown_then_the_rerun_does_not_post_blindly(sim, playbook):
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": False}])
    first = playbook(repay_play(wait_timeout=4)).failed("repay")
    assert (first["outcome"], first["changed"]) == ("unknown", True) and first["sent_at"]
    assert "may or may not have run" in first["msg"]
    rerun = playbook(repay_play(wait_timeout=4)).failed("repay")
    assert rerun["outcome"] == "unknown" and "earlier task on this machine" in rerun["msg"]
    assert len(posts(sim)) == 1 and executed(sim) == []


def test_a_malformed_reply_fails_cleanly_and_never_means_no_debt(sim, playbook):
    sim.set_faults([{"path": "/api/v5/trade/one-click-repay-currency-list-v2", "kind": "malformed", "data": {},
                     "times": 10}])
    result = playbook(repay_play()).failed("repay")
    assert "malformed" in result["msg"] and "GET /api/v5/trade/one-click-repay-currency-list-v2" in result["msg"]
    assert "debt_before" not in result and posts(sim) == []
