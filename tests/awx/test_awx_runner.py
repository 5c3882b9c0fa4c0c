# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/one_click_repay.yml run by ansible-runner, the engine of AWX, with a private data dir laid out as
AWX lays it out: the OKX API credential injected as env vars, extravars, an inventory of several accounts."""

import glob
import json
import os
import shutil
import sys

import ansible_runner
import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.simulator.harness import start_simulator  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS_PATH = os.path.join(REPO, "build", "installed")
MAIN_SECRET = "AWX-MAIN-SECRET-7c1e"
SUB_SECRET = "AWX-SUB-SECRET-91ab"
PASSPHRASE = "Awx-Passphrase-3"

STATE = {
    "settle_delay": 0.2,
    "prices": {"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"},
    "accounts": [
        {"name": "main", "uid": "1", "api_key": "awx-main-key", "secret": MAIN_SECRET, "passphrase": PASSPHRASE,
         "env": "live", "acctLv": "1", "perm": "read_only,trade",
         "balances": {"USDT": "1000"}, "debts": {"USDC": "40", "ETH": "0.01"}},
        {"name": "sub", "uid": "2", "api_key": "awx-sub-key", "secret": SUB_SECRET, "passphrase": PASSPHRASE,
         "env": "live", "acctLv": "1", "perm": "read_only,trade",
         "balances": {"USDT": "10"}, "debts": {"USDT": "8"}},
        {"name": "margin", "uid": "3", "api_key": "awx-margin-key", "secret": SUB_SECRET, "passphrase": PASSPHRASE,
         "env": "live", "acctLv": "2", "perm": "read_only,trade",
         "balances": {"USDT": "10"}, "debts": {"USDT": "8"}},
    ],
}


@pytest.fixture
def sim(tmp_path):
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        pytest.fail("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)
    simulator = start_simulator(STATE, str(tmp_path / "sim"))
    yield simulator
    simulator.stop()


def private_data_dir(root, sim, accounts, host_vars=None):
    """Lay out a private data dir as AWX does for a job: env/, inventory/, project/."""
    for folder in ("env", "inventory", "project"):
        os.makedirs(os.path.join(root, folder))
    tmp = os.path.join(root, "tmp")
    os.makedirs(tmp)
    envvars = {
        # What the "OKX API" credential type (awx/credential_type.yml) injects for the job's credential.
        "OKX_API_KEY": "awx-main-key", "OKX_API_SECRET": MAIN_SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
        "OKX_API_URL": sim.url, "OKX_DEMO": "false",
        # The execution environment: where the collection is installed, and the venv's tools.
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "TMPDIR": tmp,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }
    hosts = {
        # Its credentials come from the injected env vars.
        "okx-main": {},
        # A sub-account: its own credentials from (in real life vaulted) host vars.
        "okx-sub": {"okx_repay_api_key": "awx-sub-key", "okx_repay_api_secret": SUB_SECRET,
                    "okx_repay_api_passphrase": PASSPHRASE},
        "okx-margin": {"okx_repay_api_key": "awx-margin-key", "okx_repay_api_secret": SUB_SECRET,
                       "okx_repay_api_passphrase": PASSPHRASE},
    }
    for name, variables in (host_vars or {}).items():
        hosts[name].update(variables)
    inventory = {"okx_accounts": {"hosts": dict((name, hosts[name]) for name in accounts)}}
    files = {
        "env/envvars": envvars,
        "env/extravars": {"okx_repay_hosts": "okx_accounts", "okx_repay_priority": ["USDT", "BTC"]},
        "env/settings": {"job_timeout": 600, "idle_timeout": 300},
        "inventory/hosts.yml": inventory,
    }
    for name, content in files.items():
        with open(os.path.join(root, name), "w") as handle:
            yaml.safe_dump(content, handle)
    shutil.copy(os.path.join(REPO, "playbooks", "one_click_repay.yml"), os.path.join(root, "project"))
    return root


def run_job(root, ident, cmdline=None):
    # AWX passes fact_cache_type="jsonfile" for job templates with use_fact_cache.
    return ansible_runner.run(private_data_dir=root, playbook="one_click_repay.yml", ident=ident, quiet=True,
                              fact_cache_type="jsonfile", cmdline=cmdline,
                              settings={"suppress_ansible_output": True})


def host_events(runner, event, task_suffix):
    return dict((e["event_data"]["host"], e["event_data"]) for e in runner.events
                if e["event"] == event and e["event_data"].get("task", "").endswith(task_suffix))


def stats_artifact(runner):
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


def test_scheduled_job_repays_every_account_then_changes_nothing(sim, tmp_path):
    root = private_data_dir(str(tmp_path / "pdd"), sim, ["okx-main", "okx-sub"])

    # A job in check mode (its own private data dir: runner keeps cmdline in env/cmdline for later runs).
    checked = run_job(private_data_dir(str(tmp_path / "pdd-check"), sim, ["okx-main", "okx-sub"]), "job-0",
                      cmdline="--check")
    assert (checked.status, checked.rc) == ("successful", 0)
    assert checked.stats["changed"] == {"okx-main": 1, "okx-sub": 1}
    assert stats_artifact(checked)["okx_repay"]["okx-main"]["check_mode"] is True
    assert not [e for e in sim.log() if e["method"] == "POST"], "check mode posted a repay"

    first = run_job(root, "job-1")
    assert (first.status, first.rc) == ("successful", 0)
    repays = host_events(first, "runner_item_on_ok", "Repay one debt after another (the module keeps OKX's rate limit)")
    assert sorted(repays) == ["okx-main", "okx-sub"]
    assert first.stats["changed"] == {"okx-main": 1, "okx-sub": 1}
    summary = stats_artifact(first)["okx_repay"]
    assert sorted(summary) == ["okx-main", "okx-sub"]
    assert sorted(r["debt_ccy"] for r in summary["okx-main"]["repaid"]) == ["ETH", "USDC"]
    assert all(r["ts"] and r["status"] == "filled" for r in summary["okx-main"]["repaid"]), summary
    assert summary["okx-main"]["debts_before"] == {"USDC": "40", "ETH": "0.01"}
    assert summary["okx-main"]["debts_left"] == {} and summary["okx-sub"]["debts_left"] == {}
    # AWX's fact cache (ansible-runner's jsonfile cache) holds each account's last maintenance.
    assert cached_fact(root, "job-1", "okx-sub", "okx_repay_summary")["repaid"][0]["debt_ccy"] == "USDT"

    second = run_job(root, "job-2")
    assert (second.status, second.rc) == ("successful", 0)
    assert not any(second.stats["changed"].values())
    assert len([e for e in sim.log() if e["method"] == "POST"]) == 3

    # The secrets reach the job's output and events masked, if at all. (The runner's artifacts/<ident>/command
    # keeps the environment, injected secrets included: AWX keeps that private; see docs/awx.md.)
    for runner in (first, second):
        text = runner.stdout.read() + json.dumps(list(runner.events))
        assert MAIN_SECRET not in text and SUB_SECRET not in text and PASSPHRASE not in text


def test_one_failing_account_does_not_hide_the_others(sim, tmp_path):
    root = private_data_dir(str(tmp_path / "pdd"), sim, ["okx-main", "okx-margin"])
    job = run_job(root, "job-1")
    assert (job.status, job.rc) == ("failed", 2)
    assert job.stats["failures"] == {"okx-margin": 1}
    summary = stats_artifact(job)["okx_repay"]
    assert summary["okx-main"]["debts_left"] == {}
    failed = host_events(job, "runner_on_failed", "Fail the account when a debt could not be repaid")
    assert list(failed) == ["okx-margin"]
    assert "Spot mode" in json.dumps(summary["okx-margin"]["failed"])


def test_one_failing_debt_does_not_stop_the_others(sim, tmp_path):
    debts = [{"debt_ccy": "USDC", "repay_ccy_list": ["NOPECOIN", "USDT"]},  # OKX rejects the unknown currency
             {"debt_ccy": "ETH", "repay_ccy_list": ["USDT"]}]
    root = private_data_dir(str(tmp_path / "pdd"), sim, ["okx-main"], {"okx-main": {"okx_repay_debts": debts}})
    job = run_job(root, "job-1")
    assert (job.status, job.rc) == ("failed", 2)
    summary = stats_artifact(job)["okx_repay"]["okx-main"]
    assert [r["debt_ccy"] for r in summary["repaid"]] == ["ETH"]
    assert [(f["debt_ccy"], f["okx_code"]) for f in summary["failed"]] == [("USDC", "51000")]
    assert summary["debts_left"] == {"USDC": "40"}
    failed = host_events(job, "runner_on_failed", "Fail the account when a debt could not be repaid")
    assert "USDC" in failed["okx-main"]["res"]["msg"]
