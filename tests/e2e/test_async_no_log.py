# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""async on every module, and what a no_log task shows of its warnings, through ansible-playbook.

``async`` makes the action plugin execute the module as a module process (async_wrapper), as ansible-core's own
action does: the same results as in the controller's worker. A task with ``no_log: true`` shows no warning text, no
debt amount and no credential at any verbosity, in either path: ansible-core hides its result but prints its
``warnings``, so the modules give a fixed text instead of each warning.
"""

import os

import pytest

from tests.e2e.helpers import MAIN, PASSPHRASE, SECRET, executed, posts, sim_account

HIDDEN = "a warning was hidden because the task has no_log: true"  # NO_LOG_WARNING of _okx_module.py
# Debts no other text of a run contains, so that finding them in the output means a result was shown.
DEBTS = {"USDC": "4711.0815", "ETH": "0.27182818"}
TASKS = {
    "okx_one_click_repay": "debt_ccy: USDC\n        repay_ccy_list: [USDC, BTC]\n        wait: true",
    "okx_one_click_repay_account": "wait: true",
    "okx_one_click_repay_info": "history: true",
}
# A currency the account does not have: each repay module warns "OKX lists no ZZZCOIN for this account (...)".
WARNING_TASKS = {
    "okx_one_click_repay": "debt_ccy: ZZZCOIN\n        repay_ccy_list: [USDT]",
    "okx_one_click_repay_account": "debts: [{debt_ccy: ZZZCOIN, repay_ccy_list: [USDT]}]",
}
PATHS = {"worker": "", "async": "      async: 60\n      poll: 2\n"}


def play(*tasks):
    """A play on localhost of (name, module, options, task keywords) tasks; a module without a collection is ours."""
    text = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
    for name, module, options, keywords in tasks:
        module = module if "." in module else "cryptoops.okx." + module
        text += "    - name: %s\n      %s:\n        %s\n%s" % (name, module, options, keywords)
    return text


def async_env(playbook):
    """Where async jobs write their results: absolute, because the runs have a private HOME, and async_status
    looks for ``~/.ansible_async`` in the user's home directory (``echo ~user``) while the job writes it in $HOME."""
    return {"ANSIBLE_ASYNC_DIR": os.path.join(playbook.root, "async")}


@pytest.mark.parametrize("module", sorted(TASKS))
def test_every_module_runs_async_with_its_normal_result(sim, playbook, module):
    run = playbook(play(("task", module, TASKS[module], PATHS["async"])), "-vvv", env=async_env(playbook))
    assert run.rc == 0, run.stdout + run.stderr
    assert "async_wrapper.py" in run.stdout and "AnsiballZ_%s.py" % module in run.stdout, "executed as a module"
    result = run.result("task")["result"]
    assert result["finished"] and result["ansible_job_id"]
    if module == "okx_one_click_repay":
        assert (result["changed"], result["outcome"], result["status"]) == (True, "accepted", "filled")
        assert (result["debt_before"], result["debt_after"]) == ("100", "0")
    elif module == "okx_one_click_repay_account":
        assert (result["changed"], result["debts_before"], result["debts_left"]) == (True, {"USDC": "100"}, {})
        assert [(item["debt_ccy"], item["status"]) for item in result["repaid"]] == [("USDC", "filled")]
    else:
        assert result["changed"] is False and result["history"] == []
        assert result["debts"] == [{"debt_ccy": "USDC", "debt_amt": "100"}]
    repays = 0 if module == "okx_one_click_repay_info" else 1
    assert len(posts(sim)) == len(executed(sim)) == repays
    assert ("USDC" in sim_account(sim)["debts"]) is (repays == 0)


def test_async_without_polling_then_async_status_until_finished(sim, playbook):
    run = playbook(play(
        ("start", "okx_one_click_repay_account", "wait: true", "      async: 60\n      poll: 0\n      register: job\n"),
        ("status", "ansible.builtin.async_status", "jid: \"{{ job.ansible_job_id }}\"",
         "      register: outcome\n      until: outcome.finished\n      retries: 30\n      delay: 1\n")),
        env=async_env(playbook))
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result("start")["result"]["started"] == 1 and "repaid" not in run.result("start")["result"]
    result = run.result("status")["result"]
    assert (result["finished"], result["changed"], result["debts_left"]) == (1, True, {})
    assert [(item["debt_ccy"], item["status"]) for item in result["repaid"]] == [("USDC", "filled")]
    assert len(posts(sim)) == len(executed(sim)) == 1


@pytest.fixture
def distinctive_debts(state):
    state["accounts"][0].update(debts=dict(DEBTS), balances={"USDT": "100000"})


def warning_play(sim, no_log, path):
    """Each repay module, with its credentials as options, warned about ZZZCOIN; no_log or not."""
    credentials = "\n        api_url: %s\n        api_key: %s\n        api_secret: %s\n        api_passphrase: %s" % (
        sim.url, MAIN["OKX_API_KEY"], SECRET, PASSPHRASE)
    keywords = PATHS[path] + ("      no_log: true\n" if no_log else "")
    return play(*[("warn %d" % number, module, WARNING_TASKS[module] + credentials, keywords)
                  for number, module in enumerate(sorted(WARNING_TASKS))])


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_no_log_task_shows_no_warning_text_no_debt_and_no_credential(distinctive_debts, sim, playbook, path):
    run = playbook(warning_play(sim, True, path), "-vvvv", env=async_env(playbook), creds=False)
    assert run.rc == 0, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert ("async_wrapper.py" in output) is (path == "async")
    assert "[WARNING]: %s" % HIDDEN in run.stderr, "shown once: ansible-playbook shows a warning text once a run"
    for text in ["ZZZCOIN", "OKX lists no"] + list(DEBTS.values()) + [MAIN["OKX_API_KEY"], SECRET, PASSPHRASE]:
        assert text not in output, text
    for number in range(len(WARNING_TASKS)):
        result = run.result("warn %d" % number)["result"]
        assert (result["changed"], result["warnings"]) == (False, [HIDDEN]), "each task warned, without the details"
    assert posts(sim) == []


@pytest.mark.parametrize("path", sorted(PATHS))
def test_without_no_log_the_warning_and_the_result_are_shown(distinctive_debts, sim, playbook, path):
    run = playbook(warning_play(sim, False, path), "-v", env=async_env(playbook), creds=False)
    assert run.rc == 0, run.stdout + run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("[WARNING]: OKX lists no ZZZCOIN")]
    assert len(warnings) == len(WARNING_TASKS), run.stderr
    assert HIDDEN not in run.stdout + run.stderr
    assert DEBTS["USDC"] in run.stdout, "the account task's debts_before"
    for secret in (SECRET, PASSPHRASE):
        assert secret not in run.stdout + run.stderr
