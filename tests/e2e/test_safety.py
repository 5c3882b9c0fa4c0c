# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Money safety where the controller is involved: at most one repay in flight per debt across tasks, runs and
killed processes, and reports that match what OKX did (docs/safety.md). The unit tests run the whole lost-reply
matrix; this is a slice of it through real processes and the simulator."""

import glob
import json
import os
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


# --- an open outcome stays open on this machine until OKX's history shows the repay, or the operator releases it ---

def state_env(tmp_path):
    """The modules' state directory for these runs (locks, journal), named so the test can read and damage it."""
    return {"OKX_STATE_DIR": str(tmp_path / "okx-state")}


def journal_file(env):
    journals = glob.glob(os.path.join(env["OKX_STATE_DIR"], "journal-*.json"))
    assert len(journals) == 1, journals
    return journals[0]


def account_play(name="account", **options):
    extra = "".join("        %s: %s\n" % item for item in options.items())
    return ("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: %s\n"
            "      cryptoops.okx.okx_one_click_repay_account:\n%s" % (name, extra or "        wait: true\n"))


def tasks_of(play):
    """The task list of a play, to append to another play."""
    return play.split("tasks:\n", 1)[1]


def ignoring(play, name):
    """The play with ignore_errors on the task ``name``, so that the tasks after it run too."""
    head = "    - name: %s\n" % name
    assert head in play
    return play.replace(head, head + "      ignore_errors: true\n", 1)


def test_another_spelling_of_api_url_shares_the_open_repay_and_posts_nothing(sim, playbook, tmp_path):
    """The journal and the lock are the account's (uid, live or demo), not the URL's: localhost is 127.0.0.1."""
    assert sim.url.startswith("http://127.0.0.1:")
    localhost = sim.url.replace("http://127.0.0.1:", "http://localhost:")
    env = state_env(tmp_path)
    # OKX runs the repay, the reply is lost, and neither the history nor the debts show it during these runs.
    sim.configure(settle_delay=120, history_lag=120)
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": True}])
    first = playbook(repay_play(wait="false", wait_timeout=3, api_url=sim.url), env=env).failed("repay")
    assert (first["outcome"], first["changed"]) == ("unknown", True)
    assert len(posts(sim)) == 1 and len(executed(sim)) == 1

    run = playbook(ignoring(repay_play(wait="false", wait_timeout=3, api_url=localhost), "repay")
                   + tasks_of(account_play(wait="false", wait_timeout=3, api_url=localhost)), env=env)
    repay = run.result("repay")["result"]
    assert run.result("repay")["status"] == "failed" and repay["outcome"] == "unknown"
    assert "earlier task on this machine" in repay["msg"] and repay["debt_before"] == "100"
    account = run.failed("account")
    assert account["debts_before"] == {"USDC": "100"}, "the debt still shows: only the journal stops a second POST"
    assert [(item["debt_ccy"], item["outcome"]) for item in account["failed_debts"]] == [("USDC", "unknown")]
    assert account["repaid"] == [] and account["changed"] is False
    assert len(posts(sim)) == 1 and len(executed(sim)) == 1


@pytest.fixture
def two_debts(state):
    """Main owes USDC and ETH: a damaged journal must stop both, not only the debt it had an entry for."""
    state["accounts"][0]["debts"] = {"USDC": "100", "ETH": "0.01"}
    return state


@pytest.mark.parametrize("damage", ["empty", "list", "nul", "truncated"])
def test_a_damaged_journal_stops_every_debt_of_the_account_and_is_left_as_it_is(
        two_debts, sim, playbook, tmp_path, damage):
    env = state_env(tmp_path)
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": False}])
    first = playbook(repay_play(wait="false", wait_timeout=3), env=env).failed("repay")
    assert first["outcome"] == "unknown"
    path = journal_file(env)
    with open(path, "rb") as handle:
        written = handle.read()
    assert b'"USDC"' in written, written
    damaged = {"empty": b"", "list": b"[]", "nul": b"\0" * 64, "truncated": written[:len(written) // 2]}[damage]
    with open(path, "wb") as handle:
        handle.write(damaged)

    run = playbook(ignoring(repay_play("ETH", "[USDT]", wait="false", wait_timeout=3, name="eth"), "eth")
                   + tasks_of(account_play(wait="false", wait_timeout=3)), env=env)
    eth = run.result("eth")
    assert eth["status"] == "failed" and path in eth["result"]["msg"], eth
    assert "repay journal" in eth["result"]["msg"]
    account = run.failed("account")
    assert path in account["msg"] and "repay journal" in account["msg"], account["msg"]
    assert account["repaid"] == [] and account["changed"] is False
    assert len(posts(sim)) == 1 and executed(sim) == []
    with open(path, "rb") as handle:
        assert handle.read() == damaged, "the damaged journal was overwritten"
    assert sim_account(sim)["debts"] == {"USDC": "100", "ETH": "0.01"}


def test_an_open_repay_stays_open_until_released_then_the_release_repays(sim, playbook, tmp_path):
    env = state_env(tmp_path)
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": False}])
    first = playbook(repay_play(wait="false", wait_timeout=3), env=env).failed("repay")
    assert first["outcome"] == "unknown" and len(posts(sim)) == 1

    rerun = playbook(repay_play(wait="false", wait_timeout=3), env=env).failed("repay")
    assert rerun["outcome"] == "unknown" and "release_open_repay" in rerun["msg"]
    assert len(posts(sim)) == 1 and executed(sim) == []

    released = playbook(repay_play(wait="true", wait_timeout=20, release_open_repay="true"), env=env)
    assert released.rc == 0, released.stdout
    result = released.result("repay")["result"]
    assert (result["outcome"], result["changed"], result["status"]) == ("accepted", True, "filled")
    assert [item["debt_ccy"] for item in result["released"]] == ["USDC"]
    assert any("released the open repay" in warning for warning in result.get("warnings", [])), result
    assert "released the open repay" in released.stdout + released.stderr
    assert len(posts(sim)) == 2 and len(executed(sim)) == 1
    assert "USDC" not in sim_account(sim)["debts"]
    with open(journal_file(env)) as handle:
        assert json.load(handle)["entries"] == {}


def test_the_role_carries_the_open_repay_to_a_fresh_execution_environment(sim, playbook, tmp_path):
    """AWX runs each job in a new execution environment (a fresh state directory): the host's fact cache carries the
    account's journal (fact okx_repay_journal) to the next job, which posts nothing for the open debt."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("okx_accounts:\n  hosts:\n    main: {}\n")
    cache = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "fact-cache")}
    play = "- import_playbook: cryptoops.okx.one_click_repay\n"
    args = ("-i", str(inventory), "-e", "okx_repay_wait_timeout=3")
    sim.configure(settle_delay=120, history_lag=120)
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": True}])
    task = ("cryptoops.okx.one_click_repay : "
            "Repay the account's debts (one read, a plan, one repay per debt, one read after)")

    first = playbook(play, *args, env=dict(cache, OKX_STATE_DIR=str(tmp_path / "job1-state")))
    result = first.failed(task)
    assert [(item["debt_ccy"], item["outcome"]) for item in result["failed_debts"]] == [("USDC", "unknown")]
    assert list(result["journal"]["entries"]) == ["USDC"]
    assert len(posts(sim)) == 1

    second = playbook(play, *args, env=dict(cache, OKX_STATE_DIR=str(tmp_path / "job2-state")))
    result = second.failed(task)
    assert result["debts_before"] == {"USDC": "100"}, "the debt still shows: only the carried journal stops a POST"
    assert [(item["debt_ccy"], item["outcome"]) for item in result["failed_debts"]] == [("USDC", "unknown")]
    assert result["repaid"] == [] and list(result["journal"]["entries"]) == ["USDC"]
    assert len(posts(sim)) == 1 and len(executed(sim)) == 1
