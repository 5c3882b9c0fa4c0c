# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/one_click_repay.yml run as an AWX job: through ansible-runner, the engine of AWX, with a private data
dir laid out as AWX lays it out, against the OKX simulator.

What AWX does for a job, and what these tests do the same way (awx/main/tasks/jobs.py):
- env/extravars and env/settings are files; the job's environment, with what the "OKX API" credential type
  (awx/credential_type.yml) injects, is passed to ansible-runner directly with suppress_env_files, so no secret is
  written to env/;
- inventory/hosts is an executable script printing the inventory as JSON; the sub-accounts' credentials are vaulted
  host vars, kept encrypted by AWX's inventory import ({"__ansible_vault": ...}), and the job's Vault credential
  answers the --ask-vault-pass prompt;
- project/ is the checkout of this repository, the playbook path as the job template names it;
- the jsonfile fact cache, as for a job template with use_fact_cache.

ansible-runner writes the job's environment, injected secrets included, to artifacts/<ident>/command: each private
data dir is removed after its test (see docs/awx.md).
"""

import glob
import json
import os
import shutil
import stat
import sys
import tempfile

import ansible_runner
import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.simulator.harness import start_simulator
from tests.simulator.states import account, state

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Where `make build-install` installs the built tarball: the collection as an execution environment holds it.
COLLECTIONS_PATH = os.environ.get("OKX_E2E_COLLECTIONS_PATH", os.path.join(REPO, "build", "installed"))
PLAYBOOK = "playbooks/one_click_repay.yml"
MAIN_SECRET = "AWX-MAIN-SECRET-7c1e"
SUB_SECRET = "AWX-SUB-SECRET-91ab"
PASSPHRASE = "Awx-Passphrase-3"
VAULT_PASSWORD = "Awx-Vault-Credential-5d"
SECRETS = (MAIN_SECRET, SUB_SECRET, PASSPHRASE, VAULT_PASSWORD)
REPAY_TASK = "Repay the account's debts (one read, a plan, one repay per debt, one read after)"

STATE = state(
    account("main", uid="1", api_key="awx-main-key", secret=MAIN_SECRET, passphrase=PASSPHRASE,
            balances={"USDT": "1000"}, debts={"USDC": "40", "ETH": "0.01"}),
    account("sub", uid="2", api_key="awx-sub-key", secret=SUB_SECRET, passphrase=PASSPHRASE,
            balances={"USDT": "10"}, debts={"USDT": "8"}),
    # Not in Spot mode: OKX refuses one-click repay there.
    account("margin", uid="3", api_key="awx-margin-key", secret=SUB_SECRET, passphrase=PASSPHRASE, acct_lv="2",
            balances={"USDT": "10"}, debts={"USDT": "8"}),
    prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"})


def simulator_for(state, tmp_path):
    """The OKX simulator on ``state``, for a job of the installed collection: yields it, stops it after."""
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        pytest.fail("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)
    simulator = start_simulator(state, str(tmp_path / "sim"))
    yield simulator
    simulator.stop()


@pytest.fixture
def sim(tmp_path):
    yield from simulator_for(STATE, tmp_path)


@pytest.fixture
def jobs():
    """Private data dirs, one per job as AWX makes them, removed after the test: their artifacts hold secrets.

    Each has its own tmp/, as each AWX job has its own container: the modules keep their rate-limit lock files
    there. The dirs sit in the system's temporary directory, not in pytest's deeper tmp_path: ansible-playbook puts
    a Unix socket under $TMPDIR, and a socket path may not exceed 107 characters.
    """
    roots = []

    def new_job_dir():
        roots.append(tempfile.mkdtemp(prefix="okx-awx-job-"))
        os.mkdir(os.path.join(roots[-1], "tmp"))
        return roots[-1]

    yield new_job_dir
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


def vaulted(value):
    """A host var as AWX's inventory import keeps a !vault value: still encrypted."""
    vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode("utf-8")))])
    return {"__ansible_vault": vault.encrypt(value).decode("ascii")}


def account_vars(name):
    if name == "okx-main":
        return {}  # its credentials come from the job's OKX API credential (env vars)
    key = {"okx-sub": "awx-sub-key", "okx-margin": "awx-margin-key"}[name]
    return {"okx_repay_api_key": key, "okx_repay_api_secret": vaulted(SUB_SECRET),
            "okx_repay_api_passphrase": vaulted(PASSPHRASE)}


def write_job_dir(root, accounts, host_vars=None):
    """env/, inventory/ and project/ as AWX writes them before it starts ansible-runner."""
    for folder in ("env", "inventory", "project/playbooks"):
        os.makedirs(os.path.join(root, folder))
    hostvars = dict((name, account_vars(name)) for name in accounts)
    for name, variables in (host_vars or {}).items():
        hostvars[name].update(variables)
    inventory = {"all": {"children": ["okx_accounts"]}, "okx_accounts": {"hosts": list(accounts)},
                 "_meta": {"hostvars": hostvars}}
    script = os.path.join(root, "inventory", "hosts")
    with open(script, "w") as handle:
        handle.write("#!%s\nimport sys\nsys.stdout.write(%r)\n" % (sys.executable, json.dumps(inventory)))
    os.chmod(script, stat.S_IRWXU)
    # The job template's extra vars (see awx/example-vars.yml) and AWX's runner settings.
    files = {"env/extravars": {"okx_repay_hosts": "okx_accounts", "okx_repay_priority": ["USDT", "BTC"]},
             "env/settings": {"job_timeout": 600, "idle_timeout": 300, "suppress_ansible_output": True}}
    for name, content in files.items():
        with open(os.path.join(root, name), "w") as handle:
            yaml.safe_dump(content, handle)
    shutil.copy(os.path.join(REPO, PLAYBOOK), os.path.join(root, "project", PLAYBOOK))
    return root


def run_job(root, sim, ident, check=False):
    envvars = {
        # What the job's "OKX API" credential injects (awx/credential_type.yml).
        "OKX_API_KEY": "awx-main-key", "OKX_API_SECRET": MAIN_SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
        "OKX_API_URL": sim.url, "OKX_DEMO": "False",
        # The execution environment: the installed collection, and the venv's ansible-playbook.
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "TMPDIR": os.path.join(root, "tmp"),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }
    # A job template of job type "check" adds --check; the Vault credential adds --ask-vault-pass and its answer.
    cmdline = "--ask-vault-pass" + (" --check" if check else "")
    return ansible_runner.run(private_data_dir=root, playbook=PLAYBOOK, ident=ident, quiet=True,
                              envvars=envvars, suppress_env_files=True, cmdline=cmdline,
                              passwords={r"Vault password:\s*?$": VAULT_PASSWORD}, fact_cache_type="jsonfile")


def assert_job(runner, status, rc):
    """The job's status and rc, as AWX shows them; the job's output when they are not the expected ones."""
    assert (runner.status, runner.rc) == (status, rc), runner.stdout.read()[-4000:]


def host_events(runner, event, task):
    return dict((e["event_data"]["host"], e["event_data"]) for e in runner.events
                if e["event"] == event and e["event_data"].get("task") == task)


def stats_artifact(runner):
    """The job's set_stats data, as AWX shows it on the job (artifacts)."""
    stats = [e for e in runner.events if e["event"] == "playbook_on_stats"]
    return stats[-1]["event_data"]["artifact_data"]


def cached_fact(root, ident, host, name):
    """A fact from the job's jsonfile fact cache. ansible-core 2.19+ names entries with a schema prefix (s1_HOST)
    and wraps them in a payload of tagged values."""
    cached = glob.glob(os.path.join(root, "artifacts", ident, "fact_cache", "*" + host))
    assert len(cached) == 1, cached
    with open(cached[0]) as handle:
        entry = json.load(handle)
    facts = json.loads(entry["__payload__"]) if "__payload__" in entry else entry
    value = facts[name]
    return value["value"] if isinstance(value, dict) and "__ansible_type" in value else value


def files_holding_secrets(root):
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                content = handle.read()
            if any(secret.encode("utf-8") in content for secret in SECRETS):
                found.append(os.path.relpath(path, root))
    return sorted(found)


def assert_no_secret_in_output(runner):
    text = runner.stdout.read() + json.dumps(list(runner.events))
    for secret in SECRETS:
        assert secret not in text


def test_scheduled_job_repays_every_account_then_changes_nothing(sim, jobs):
    accounts = ["okx-main", "okx-sub"]

    checked = run_job(write_job_dir(jobs(), accounts), sim, "1", check=True)
    assert_job(checked, "successful", 0)
    assert checked.stats["changed"] == {"okx-main": 1, "okx-sub": 1}
    would = stats_artifact(checked)["okx_repay"]
    assert would["okx-main"]["check_mode"] is True and would["okx-main"]["repaid"] == []
    assert sorted(r["debt_ccy"] for r in would["okx-main"]["would_repay"]) == ["ETH", "USDC"]
    assert [r["debt_ccy"] for r in would["okx-sub"]["would_repay"]] == ["USDT"]
    assert not [e for e in sim.log() if e["method"] == "POST"], "check mode posted a repay"

    root = write_job_dir(jobs(), accounts)
    first = run_job(root, sim, "2")
    assert_job(first, "successful", 0)
    assert first.stats["changed"] == {"okx-main": 1, "okx-sub": 1}
    assert first.stats["failures"] == {}
    repays = host_events(first, "runner_on_ok", REPAY_TASK)
    assert sorted(repays) == ["okx-main", "okx-sub"]
    # One event per host and task: the role ran for each account, on the controller.
    assert [(r["debt_ccy"], r["status"]) for r in repays["okx-sub"]["res"]["repaid"]] == [("USDT", "filled")]
    summary = stats_artifact(first)["okx_repay"]
    assert sorted(summary) == accounts
    assert summary["okx-main"]["debts_before"] == {"USDC": "40", "ETH": "0.01"}
    assert sorted(r["debt_ccy"] for r in summary["okx-main"]["repaid"]) == ["ETH", "USDC"]
    assert all(r["ts"] and r["status"] == "filled" for r in summary["okx-main"]["repaid"]), summary
    assert summary["okx-main"]["debts_left"] == {} and summary["okx-sub"]["debts_left"] == {}
    # Over the fleet, the job's statistics add up the accounts' costs: in USD and per currency.
    artifact, costs = stats_artifact(first), [record["costs"] for record in summary.values()]
    assert artifact["okx_repay_cost_usd"] == pytest.approx(sum(float(cost["cost_usd"]) for cost in costs))
    changed = set(ccy for cost in costs for ccy in cost["balance_changes"])
    assert changed >= {"USDC", "ETH", "USDT"}, costs
    for ccy in changed:
        total = sum(float(cost["balance_changes"].get(ccy, "0")) for cost in costs)
        assert artifact["okx_repay_change_" + ccy] == pytest.approx(total), ccy
    # AWX's fact cache (the job's jsonfile cache) holds each account's last maintenance.
    assert cached_fact(root, "2", "okx-sub", "okx_repay_summary")["repaid"][0]["debt_ccy"] == "USDT"

    second = run_job(write_job_dir(jobs(), accounts), sim, "3")
    assert_job(second, "successful", 0)
    assert not any(second.stats["changed"].values())
    assert stats_artifact(second)["okx_repay"]["okx-main"]["repaid"] == []
    assert len([e for e in sim.log() if e["method"] == "POST"]) == 3

    # The secrets reach neither the job's output nor its events. On disk they are only in the runner's record of
    # the environment (the sub-account's secret is nowhere in plain text: its host vars stay vaulted).
    for runner in (checked, first, second):
        assert_no_secret_in_output(runner)
    assert files_holding_secrets(root) == ["artifacts/2/command"]
    with open(os.path.join(root, "artifacts", "2", "command")) as handle:
        command = handle.read()
    assert SUB_SECRET not in command and VAULT_PASSWORD not in command
    assert sorted(os.listdir(os.path.join(root, "env"))) == ["extravars", "settings"]


def test_one_failing_account_does_not_hide_the_others(sim, jobs):
    job = run_job(write_job_dir(jobs(), ["okx-main", "okx-margin"]), sim, "1")
    assert_job(job, "failed", 2)
    assert job.stats["failures"] == {"okx-margin": 1}
    summary = stats_artifact(job)["okx_repay"]
    assert summary["okx-main"]["debts_left"] == {}
    failed = host_events(job, "runner_on_failed", REPAY_TASK)
    assert list(failed) == ["okx-margin"]
    assert summary["okx-margin"]["failed_debts"] == [] and "acctLv 1, 3, 4" in summary["okx-margin"]["error"]
    assert_no_secret_in_output(job)


def test_one_failing_debt_does_not_stop_the_others(sim, jobs):
    debts = [{"debt_ccy": "USDC", "repay_ccy_list": ["USDT"]}, {"debt_ccy": "ETH", "repay_ccy_list": ["USDT"]}]
    # OKX refuses the first repay (USDC's) with a parameter error, and runs the second.
    sim.set_faults([{"path": "/api/v5/trade/one-click-repay-v2", "method": "POST", "kind": "malformed", "apply": False,
                     "body": {"code": "51000", "msg": "Parameter repayCcyList error", "data": []}}])
    job = run_job(write_job_dir(jobs(), ["okx-main"], {"okx-main": {"okx_repay_debts": debts}}), sim, "1")
    assert_job(job, "failed", 2)
    summary = stats_artifact(job)["okx_repay"]["okx-main"]
    assert [r["debt_ccy"] for r in summary["repaid"]] == ["ETH"]
    assert [(f["debt_ccy"], f["okx_code"], f["outcome"]) for f in summary["failed_debts"]] == [
        ("USDC", "51000", "not_executed")]
    assert summary["debts_left"] == {"USDC": "40"}
    failed = host_events(job, "runner_on_failed", REPAY_TASK)
    assert "USDC" in failed["okx-main"]["res"]["msg"]
