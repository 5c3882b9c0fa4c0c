# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible: a real ansible-rulebook runs the collection's rulebook cryptoops.okx.repay_new_debts (the
installed copy, as docs/eda.md shows it) against the simulator. A burst of debts appears on the account; the source
reports it, the rule runs the account's maintenance once, and the debts are repaid seconds later: within OKX's rate
limits (no 50011) and with the source never reading while the repay task holds the account's lock."""

import collections
import os
import re
import signal
import subprocess
import textwrap
import time

import yaml
from ansible_rulebook.validators import Validate

from tests.e2e.helpers import BIN, MAIN, PASSPHRASE, REPO, SECRET, sim_account
from tests.simulator.states import account, state

RULEBOOK = os.path.join(REPO, "extensions", "eda", "rulebooks", "repay_new_debts.yml")
DOCS = os.path.join(REPO, "docs", "eda.md")
CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
CONFIG = "/api/v5/account/config"
REPAY = "/api/v5/trade/one-click-repay-v2"
# What the simulator's log shows of who sent a request: the source's User-Agent ends with its name.
SOURCE_AGENT = "okx_debts"
POLL_INTERVAL = 2
# What a run of the maintenance may take, from the throttle's firing to the debts repaid: ansible-playbook's start,
# the role's reads, two repays 2 s apart (OKX's limit), their settlement (2 s). About 7 s measured on 2 cores.
RUN_BUDGET = 20


def throttle_seconds():
    """The throttle window of the rulebook's rule (once_after: N seconds)."""
    (ruleset,) = yaml.safe_load(open(RULEBOOK))
    (rule,) = ruleset["rules"]
    amount, unit = rule["throttle"]["once_after"].split()
    assert unit in ("second", "seconds"), unit
    return int(amount)


def docs_yaml(first_line=None):
    """docs/eda.md's YAML blocks, or the one that starts with ``first_line``."""
    with open(DOCS) as handle:
        blocks = [textwrap.dedent(block) for block in re.findall(r"^ *```yaml\n(.*?)^ *```", handle.read(), re.M | re.S)]
    if first_line is None:
        return blocks
    (block,) = [block for block in blocks if block.startswith(first_line + "\n")]
    return block


def test_the_docs_show_the_rulebook_this_test_runs():
    with open(RULEBOOK) as handle:
        assert handle.read() in docs_yaml(), "docs/eda.md does not show extensions/eda/rulebooks/repay_new_debts.yml as it is"


def test_the_controllers_rulebook_of_the_docs_is_valid_and_launches_the_awx_template():
    """docs/eda.md's rule action for Event-Driven Ansible controller, in the rulebook in place of run_playbook: valid
    for ansible-rulebook's schema, launching the job template that awx/configure_awx.yml creates."""
    action = yaml.safe_load(docs_yaml("# rulebooks/repay_new_debts.yml, the rule's action in the controller"))["action"]
    with open(RULEBOOK) as handle:
        rulebook = yaml.safe_load(handle)
    (rule,) = rulebook[0]["rules"]
    ran, rule["action"] = rule["action"]["run_playbook"], action
    Validate.rulebook(rulebook)
    with open(os.path.join(REPO, "awx", "example-vars.yml")) as handle:
        awx = yaml.safe_load(handle)
    launched = action["run_job_template"]
    assert (launched["name"], launched["organization"]) == (awx["okx_awx_job_template_name"], awx["okx_awx_organization"])
    # the same account's maintenance as the rulebook's run_playbook
    assert launched["job_args"]["extra_vars"] == ran["extra_vars"]


def wait_for(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out after %s s waiting for %s" % (timeout, what))


def source_reads(log):
    return [entry for entry in log if entry["agent"].endswith(SOURCE_AGENT) and entry["path"] == CURRENCY_LIST]


def lock_windows(log):
    """(start, end) monotonic instants of each run of the repay task while it held the account's lock: from its
    first request after its account config (the session reads the config, then takes the lock) to its last repay
    POST (it leaves the session, and the lock, once the POSTs are answered)."""
    windows, start, last_post = [], None, None
    task = [entry for entry in log if not entry["agent"].endswith(SOURCE_AGENT)]
    for before, entry in zip(task, task[1:]):
        if before["path"].split("?")[0] == CONFIG:
            if start is not None:
                windows.append((start, last_post))
            start, last_post = entry["monotonic"], None
        if entry["method"] == "POST" and entry["path"] == REPAY:
            last_post = entry["monotonic"]
    if start is not None:
        windows.append((start, last_post))
    return windows


def test_a_burst_of_new_debts_is_repaid_by_one_run_seconds_later(sim, playbook, tmp_path):
    sim.reset(state(account("main", uid="44800000000000001", api_key=MAIN["OKX_API_KEY"], secret=SECRET,
                            passphrase=PASSPHRASE, balances={"USDT": "5000", "BTC": "1", "USDC": "20"}),
                    prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"}))
    # docs/eda.md's inventory and variables, the source reading every 2 s rather than 10
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(docs_yaml("# inventory.yml"))
    variables = tmp_path / "vars.yml"
    shown = yaml.safe_load(docs_yaml("# vars.yml"))
    variables.write_text(yaml.safe_dump(dict(shown, okx_poll_interval=POLL_INTERVAL)))
    host = shown["okx_account"]
    env = playbook.environment()
    env.update(OKX_API_URL=sim.url, PATH=BIN + os.pathsep + env["PATH"])
    # As docs/eda.md runs it: the rulebook of the installed collection, by name.
    command = [os.path.join(BIN, "ansible-rulebook"), "-r", "cryptoops.okx.repay_new_debts", "-i", str(inventory),
               "-e", str(variables), "--print-events", "-v"]
    output = tmp_path / "ansible-rulebook.log"
    with open(output, "w") as handle:
        rulebook = subprocess.Popen(command, cwd=playbook.work, env=env, stdout=handle,  # pylint: disable=consider-using-with
                                    stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for("the source's first read", lambda: source_reads(sim.log()), 60)
        borrowed = time.monotonic()
        sim.borrow("main", {"USDC": "50", "ETH": "0.1"})
        wait_for("the debts repaid", lambda: not sim_account(sim)["debts"],
                 POLL_INTERVAL + throttle_seconds() + RUN_BUDGET)
        took = time.monotonic() - borrowed
        # The source reads again after the run, and finds nothing new to report.
        done = len(sim.log())
        wait_for("a read after the run", lambda: source_reads(sim.log()[done:]), 10)
    finally:
        os.killpg(rulebook.pid, signal.SIGINT)
        try:
            rulebook.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(rulebook.pid, signal.SIGKILL)
            rulebook.wait()
    text = output.read_text()
    print("repaid %.1f s after the debts appeared" % took)

    log = sim.log()
    assert not [entry for entry in log if entry["code"] == "50011"], "OKX's rate limit was hit"
    assert {entry["code"] for entry in log} == {"0"}, [entry for entry in log if entry["code"] != "0"]
    # The source and the task share the account's rate-limit slot of the currency list: 2 s apart at least.
    reads = [entry["monotonic"] for entry in log if entry["path"] == CURRENCY_LIST]
    assert min(b - a for a, b in zip(reads, reads[1:])) >= 2.0
    assert {entry["agent"].endswith(SOURCE_AGENT) for entry in log if entry["path"] == CURRENCY_LIST} == {True, False}

    # One run for the burst: one repay per debt.
    assert text.count("PLAY RECAP") == 1, text[-3000:]
    assert collections.Counter(entry["debt_ccy"] for entry in log if entry["path"] == REPAY) == {"USDC": 1, "ETH": 1}
    assert "repaid USDC 50" in text and "repaid ETH 0.1" in text, text[-3000:]

    # The source never read while the task held the lock: it tried (the lock window is longer than its interval),
    # waited, and read once the repays were posted.
    windows = lock_windows(log)
    assert len(windows) == 1 and windows[0][1] is not None, windows
    start, end = windows[0]
    assert end - start > POLL_INTERVAL, windows
    source = [entry["monotonic"] for entry in log if entry["agent"].endswith(SOURCE_AGENT)]
    assert not [moment for moment in source if start <= moment <= end], (windows, source)
    assert "okx_debts: a repay of %s runs on this machine: reading its debts once it is done" % host in text

    # What the events said, and that nothing said a secret.
    assert "'account': '%s'" % host in text
    for ccy, amount in (("USDC", "50"), ("ETH", "0.1")):
        assert "'debt_ccy': '%s'" % ccy in text and "'amount': '%s'" % amount in text
    assert "'repay_offered': {'BTC': '1', 'USDC': '20', 'USDT': '5000'}" in text, text[-3000:]
    assert "Traceback" not in text
    for secret in (SECRET, PASSPHRASE):
        assert secret not in text
        assert not [path for path, content in playbook.files() if secret in content]
    assert took <= POLL_INTERVAL + throttle_seconds() + RUN_BUDGET
