# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end helpers: the collection as users get it (built and installed), real ansible-playbook processes, and
what the OKX simulator saw. Imported by the tests; fixtures are in conftest.py."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap

from tests.simulator.states import account, state

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# Where `make build-install` installs the built tarball.
COLLECTIONS_PATH = os.environ.get("OKX_E2E_COLLECTIONS_PATH", os.path.join(REPO, "build", "installed"))
BIN = os.path.dirname(sys.executable)

SECRET = "E2E-SECRET-3f9c1d0b7a"
PASSPHRASE = "E2E-Passphrase-81c2"
DEMO_SECRET = "E2E-DEMO-SECRET-55aa"
REPAY_PATH = "/api/v5/trade/one-click-repay-v2"
MAIN = dict(OKX_API_KEY="e2e-live-key", OKX_API_SECRET=SECRET, OKX_API_PASSPHRASE=PASSPHRASE)
# The comment before a docs block the docs test (test_docs.py) does not run, and why.
NOT_RUN = re.compile(r"<!-- not run by the docs test: (.+?) -->\s*$")


def base_state():
    """The accounts most tests use: main (live, owes 100 USDC), demo (demo trading), margin (Spot and futures mode,
    acctLv 2: OKX refuses one-click repay there)."""
    return state(
        account("main", uid="44800000000000001", api_key="e2e-live-key", secret=SECRET, passphrase=PASSPHRASE,
                balances={"USDT": "5000", "BTC": "1", "USDC": "20"}, debts={"USDC": "100"}),
        account("demo", uid="44800000000000002", api_key="e2e-demo-key", secret=DEMO_SECRET, passphrase=PASSPHRASE,
                env="demo", balances={"USDT": "1000"}, debts={"USDT": "50"}),
        account("margin", uid="44800000000000003", api_key="e2e-margin-key", secret=SECRET, passphrase=PASSPHRASE,
                acct_lv="2", balances={"USDT": "1000"}, debts={"USDT": "10"}),
        prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"})


def repay_play(debt_ccy="USDC", repay_ccy_list="[USDC, BTC]", wait="true", name="repay", **options):
    """A play of one okx_one_click_repay task on localhost, the task named ``name``."""
    extra = "".join("        %s: %s\n" % item for item in options.items())
    return ("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: %s\n"
            "      cryptoops.okx.okx_one_click_repay:\n        debt_ccy: %s\n        repay_ccy_list: %s\n"
            "        wait: %s\n%s" % (name, debt_ccy, repay_ccy_list, wait, extra))


def fenced_blocks(names):
    """(where, language, text, reason not run or None) of each fenced block of the markdown files ``names``."""
    for name in names:
        with open(os.path.join(REPO, name)) as handle:
            text = handle.read()
        for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
            before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            reason = NOT_RUN.search(before)
            where = "%s:%d" % (name, text[:match.start()].count("\n") + 1)
            yield where, match.group(1), match.group(2), reason.group(1) if reason else None


def commands(text):
    """The command lines of a shell block, without comments."""
    lines = [line.split("#", 1)[0].strip() for line in text.replace("\\\n", " ").splitlines()]
    return [line for line in lines if line]


def posts(sim):
    """The repay POSTs the simulator received, executed or not."""
    return [entry for entry in sim.log() if entry["method"] == "POST" and entry["path"].startswith(REPAY_PATH)]


def executed(sim, name="main"):
    """The repays OKX ran for an account: its history records."""
    return sim_account(sim, name)["history"]


def sim_account(sim, name="main"):
    return next(acc for acc in sim.state()["accounts"] if acc["name"] == name)


class Run:
    """One finished ansible-playbook process and what it left behind."""

    def __init__(self, returncode, stdout, stderr, results_file):
        self.rc, self.stdout, self.stderr = returncode, stdout, stderr
        self.results = []
        if os.path.exists(results_file):
            with open(results_file) as handle:
                self.results = [json.loads(line) for line in handle]

    def result(self, task):
        """The last result of the task named ``task``."""
        matches = [entry for entry in self.results if entry["task"] == task]
        assert matches, "no result for task %r in %s\n%s" % (task, [e["task"] for e in self.results], self.stdout)
        return matches[-1]

    def failed(self, task):
        """The result of a task that failed cleanly: a message, never a traceback."""
        entry = self.result(task)
        assert self.rc != 0 and entry["status"] == "failed", self.stdout
        assert "Traceback" not in self.stdout + self.stderr
        return entry["result"]


class PlaybookRunner:
    """Runs playbook texts with ansible-playbook against the installed collection, in a private HOME and TMPDIR.

    ``credentials`` (OKX_* variables) are in the environment unless creds=False; ``env`` adds or overrides.
    Everything a run writes (the state directory included) stays under ``root`` and its TMPDIR, so tests can search
    them for secrets. TMPDIR is short, in the system's temporary directory: ansible-playbook puts a Unix socket there,
    and a socket path may not exceed 107 characters. ``close()`` removes it.
    """

    def __init__(self, root, credentials):
        self.root = str(root)
        self.credentials = credentials
        self.home = os.path.join(self.root, "home")
        self.work = os.path.join(self.root, "run")
        for folder in (self.home, self.work):
            os.makedirs(folder, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="okx-e2e-")
        self.cwd = self.work  # where ansible-playbook runs; play files are written to work
        self.count = 0

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def environment(self, env=None, creds=True, results_file=None):
        run_env = {k: v for k, v in os.environ.items() if not k.startswith(("OKX_", "ANSIBLE_"))}
        run_env.update({
            "HOME": self.home,
            "TMPDIR": self.tmp,
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CONNECTION_PLUGINS": os.path.join(HERE, "connection_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            "RESULT_LOG": results_file or os.devnull,
        })
        if creds:
            run_env.update(self.credentials)
        run_env.update(env or {})
        return run_env

    def command(self, text, args):
        self.count += 1
        path = os.path.join(self.work, "play%d.yml" % self.count)
        with open(path, "w") as handle:
            handle.write(textwrap.dedent(text))
        results_file = os.path.join(self.work, "results%d.jsonl" % self.count)
        return [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path] + list(args), results_file

    def __call__(self, text, *args, env=None, creds=True):
        command, results_file = self.command(text, args)
        proc = subprocess.run(command, cwd=self.cwd, env=self.environment(env, creds, results_file),
                              capture_output=True, text=True, timeout=600, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr, results_file)

    def start(self, text, *args, env=None, creds=True):
        """Start ansible-playbook in its own process group; ``finish(proc)`` waits for it and returns its Run."""
        command, results_file = self.command(text, args)
        proc = subprocess.Popen(command, cwd=self.cwd, env=self.environment(env, creds, results_file),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        proc.results_file = results_file
        return proc

    @staticmethod
    def finish(proc, timeout=600):
        stdout, stderr = proc.communicate(timeout=timeout)
        return Run(proc.returncode, stdout, stderr, proc.results_file)

    @staticmethod
    def interrupt(proc, sig):
        """Send ``sig`` as a terminal would: SIGINT to the whole group (Ctrl-C), SIGKILL to ansible-playbook only."""
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        proc.communicate(timeout=60)

    def files(self):
        """Every file the runs left (under this runner's root and TMPDIR), as text."""
        for top in (self.root, self.tmp):
            for folder, _dirs, names in os.walk(top):
                for name in names:
                    with open(os.path.join(folder, name), "rb") as handle:
                        yield os.path.join(folder, name), handle.read().decode("utf-8", "replace")
