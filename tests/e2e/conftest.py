# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end fixtures: the collection as users get it (built and installed), real ansible-playbook
processes, and the OKX simulator as a real HTTP server."""

import copy
import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, REPO)

from tests.simulator.harness import start_simulator  # noqa: E402  pylint: disable=wrong-import-position

# Where `make build-install` installs the built tarball.
COLLECTIONS_PATH = os.environ.get("OKX_E2E_COLLECTIONS_PATH", os.path.join(REPO, "build", "installed"))
BIN = os.path.dirname(sys.executable)

SECRET = "E2E-SECRET-3f9c1d0b7a"
PASSPHRASE = "E2E-Passphrase-81c2"
DEMO_SECRET = "E2E-DEMO-SECRET-55aa"

BASE_STATE = {
    "accounts": [
        {"name": "main", "uid": "44800000001", "api_key": "e2e-live-key", "secret": SECRET, "passphrase": PASSPHRASE,
         "env": "live", "acctLv": "1", "perm": "read_only,trade",
         "balances": {"USDT": "5000", "BTC": "1", "USDC": "20"}, "debts": {"USDC": "100"}},
        {"name": "demo", "uid": "44800000002", "api_key": "e2e-demo-key", "secret": DEMO_SECRET, "passphrase": PASSPHRASE,
         "env": "demo", "acctLv": "1", "perm": "read_only,trade",
         "balances": {"USDT": "1000"}, "debts": {"USDT": "50"}},
        {"name": "margin", "uid": "44800000003", "api_key": "e2e-margin-key", "secret": SECRET, "passphrase": PASSPHRASE,
         "env": "live", "acctLv": "3", "perm": "read_only,trade",
         "balances": {"USDT": "1000"}, "debts": {"USDT": "10"}},
    ],
    "prices": {"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"},
    "settle_delay": 0.3,
}


@pytest.fixture(scope="session", autouse=True)
def installed_collection():
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        pytest.fail("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)
    return COLLECTIONS_PATH


@pytest.fixture
def state():
    """A fresh copy of the simulator state; a test may change it before asking for `sim`."""
    return copy.deepcopy(BASE_STATE)


@pytest.fixture
def sim(state, tmp_path):
    simulator = start_simulator(state, str(tmp_path / "sim"))
    yield simulator
    simulator.stop()


class Run:
    """One finished ansible-playbook process and what it left behind."""

    def __init__(self, proc, results_file):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = []
        if os.path.exists(results_file):
            with open(results_file) as handle:
                self.results = [json.loads(line) for line in handle]

    def result(self, task):
        """The last result of the task named ``task``."""
        matches = [entry for entry in self.results if entry["task"] == task]
        assert matches, "no result for task %r in %s\n%s" % (task, [e["task"] for e in self.results], self.stdout)
        return matches[-1]


def playbook_runner(tmp_path, credentials):
    """A function that runs a playbook text with ansible-playbook: run(text, *args, env=..., creds=True).

    ``credentials`` (OKX_* variables) are in the environment unless creds=False; ``env`` adds or overrides.
    Everything a run writes stays under tmp_path, so tests can search it for leaked secrets.
    """
    work = tmp_path / "run"
    work.mkdir()
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()

    def run(text, *args, env=None, creds=True):
        path = work / "play.yml"
        path.write_text(textwrap.dedent(text))
        results_file = str(work / "results.jsonl")
        if os.path.exists(results_file):
            os.remove(results_file)
        run_env = {k: v for k, v in os.environ.items() if not k.startswith(("OKX_", "ANSIBLE_"))}
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_LOCAL_TEMP": str(private_tmp / "ansible-local"),
            "ANSIBLE_HOME": str(private_tmp / "ansible-home"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "TMPDIR": str(private_tmp),
            "RESULT_LOG": results_file,
        })
        if creds:
            run_env.update(credentials)
        run_env.update(env or {})
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)]
                              + list(args), cwd=str(work), env=run_env, capture_output=True, text=True, timeout=300, check=False)
        return Run(proc, results_file)

    run.tmp = private_tmp
    run.work = work
    return run


@pytest.fixture
def playbook(tmp_path, sim):
    """Run a playbook against the simulator, as the main account unless told otherwise."""
    return playbook_runner(tmp_path, {"OKX_API_URL": sim.url, "OKX_API_KEY": "e2e-live-key",
                                      "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE})
