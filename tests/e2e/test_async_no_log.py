# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""async on every module, through ansible-playbook.

``async`` makes the action plugin execute the module as a module process (async_wrapper), as ansible-core's own
action does: the same results as in the controller's worker.
"""

import os

import pytest

from tests.e2e.helpers import executed, posts, sim_account

TASKS = {
    "okx_one_click_repay": "debt_ccy: USDC\n        repay_ccy_list: [USDC, BTC]\n        wait: true",
    "okx_one_click_repay_account": "wait: true",
    "okx_one_click_repay_info": "history: true",
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
