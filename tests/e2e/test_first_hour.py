# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new user's and contributor's first hour: the make targets work whatever the user's collections path holds and
wherever HOME is.

After the README's Install step (`ansible-galaxy collection install` of a tarball into ~/.ansible/collections),
`make build-install` used to find the collection "already installed" there, install nothing into build/installed,
and fail later with "cryptoops.okx.okx_one_click_repay was not found". The tests below put such a copy, altered so
that it shows if anything loads it, in a HOME under /tmp.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

import pytest
import yaml

from tests.e2e.helpers import BIN, COLLECTIONS_PATH, DEMO_SECRET, REPO, executed, posts, repay_play
from tests.simulator.states import account

# What `make build-install` built next to the collections path it installed into (the Makefile's $(BUILD)).
DIST = os.path.join(os.path.dirname(COLLECTIONS_PATH), "dist")
STALE = "STALE COPY FROM THE USER'S COLLECTIONS PATH"
FRESH_FILES = ("MANIFEST.json", "FILES.json")


def clean_environment(home):
    """A user's shell with HOME at ``home``: none of the caller's ANSIBLE_* or OKX_* variables, and none of the
    variables of the make that may be running these tests (its BUILD= would reach the inner make)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "OKX_")) and key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL",
                                                                       "MAKEOVERRIDES")}
    env["HOME"] = home
    return env


@pytest.fixture
def home_with_a_user_install():
    """A HOME under /tmp whose ~/.ansible/collections holds the collection as the README's Install step puts it there,
    then marked: its action plugins fail and its module docs say STALE, so that whatever loads it shows."""
    tarballs = glob.glob(os.path.join(DIST, "cryptoops-okx-*.tar.gz"))
    assert len(tarballs) == 1, "no tarball in %s: run `make build-install` first" % DIST
    home = tempfile.mkdtemp(prefix="okx-home-", dir="/tmp")
    try:
        assert home.startswith("/tmp/")
        env = clean_environment(home)
        install = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", tarballs[0]], env=env,
                                 cwd=home, capture_output=True, text=True, timeout=120, check=False)
        assert install.returncode == 0, install.stdout + install.stderr
        user_copy = os.path.join(home, ".ansible", "collections", "ansible_collections", "cryptoops", "okx")
        assert os.path.isfile(os.path.join(user_copy, "MANIFEST.json")), install.stdout
        for path in glob.glob(os.path.join(user_copy, "plugins", "action", "okx_*.py")):
            with open(path, "a") as handle:
                handle.write("\nraise RuntimeError(%r)\n" % STALE)
        for path in glob.glob(os.path.join(user_copy, "plugins", "modules", "okx_*.py")):
            with open(path) as handle:
                text = handle.read()
            with open(path, "w") as handle:
                handle.write(text.replace("short_description: ", "short_description: %s " % STALE, 1))
        yield home, env, user_copy
    finally:
        shutil.rmtree(home, ignore_errors=True)


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_build_install_installs_the_fresh_build_whatever_home_holds(home_with_a_user_install):
    home, env, user_copy = home_with_a_user_install
    build = tempfile.mkdtemp(prefix="okx-build-", dir="/tmp")
    try:
        # -o: the venv is left as it is (the one running these tests), never reinstalled from here.
        make = subprocess.run(["make", "--no-print-directory", "-o", os.path.join(REPO, ".venv", ".installed"),
                               "build-install", "BUILD=%s" % build], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        output = make.stdout + make.stderr
        assert make.returncode == 0, output[-4000:]
        assert "Nothing to do" not in output and "was not found" not in output, output[-4000:]

        # What is installed in BUILD/installed is the tarball just built, file for file.
        (tarball,) = glob.glob(os.path.join(build, "dist", "cryptoops-okx-*.tar.gz"))
        installed = os.path.join(build, "installed", "ansible_collections", "cryptoops", "okx")
        with tarfile.open(tarball) as archive:
            for name in FRESH_FILES:
                with open(os.path.join(installed, name), "rb") as handle:
                    assert archive.extractfile(name).read() == handle.read(), name
            files = json.load(archive.extractfile("FILES.json"))["files"]
        listed = [entry for entry in files if entry["ftype"] == "file"]
        assert len(listed) > 20
        for entry in listed:
            assert sha256(os.path.join(installed, entry["name"])) == entry["chksum_sha256"], entry["name"]

        # ansible-doc read that copy, not the user's.
        docs = sorted(glob.glob(os.path.join(build, "ansible-doc-okx_*.txt")))
        assert docs
        for path in docs:
            with open(path) as handle:
                assert STALE not in handle.read(), path
        # And the user's copy was left as it was.
        with open(os.path.join(user_copy, "plugins", "action", "okx_one_click_repay.py")) as handle:
            assert STALE in handle.read()
    finally:
        shutil.rmtree(build, ignore_errors=True)


def test_the_tests_playbooks_run_only_the_build(home_with_a_user_install, playbook):
    """The e2e and docs tests' ansible-playbook, given the user's HOME: the build's copy runs, never the user's."""
    home, _env, _user_copy = home_with_a_user_install
    run = playbook(repay_play(wait="false"), "--check", env={"HOME": home})
    assert run.rc == 0, run.stdout + run.stderr
    assert STALE not in run.stdout + run.stderr
    assert run.result("repay")["result"]["outcome"] == "planned"


# Where each recipe tells ansible-galaxy, ansible-doc, the tests or the demo to find the collection, as
# `make -n TARGET BUILD={build}` prints it.
TARGETS = {
    "build-install": "ANSIBLE_COLLECTIONS_PATH={build}/installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ",
    "e2e": "OKX_E2E_COLLECTIONS_PATH={build}/installed ",
    "runner": "OKX_E2E_COLLECTIONS_PATH={build}/installed ",
    "demo": "hack/demo.py {build}/installed",
    "bench": "OKX_BENCH_COLLECTIONS_PATH={build}/installed ",
    "molecule": "OKX_MOLECULE_COLLECTIONS_PATH={build}/installed ",
}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_that_runs_the_collection_names_the_build_it_installed(target, tmp_path):
    """`make TARGET BUILD=DIR` gives the tests and the demo DIR/installed, where its build-install installed."""
    build = str(tmp_path / "build")
    make = subprocess.run(["make", "--no-print-directory", "-n", target, "BUILD=%s" % build], cwd=REPO,
                          env=clean_environment(str(tmp_path)), capture_output=True, text=True, timeout=60,
                          check=False)
    assert make.returncode == 0, make.stdout + make.stderr
    assert TARGETS[target].format(build=build) in make.stdout, make.stdout
    assert os.path.join(REPO, "build", "installed") not in make.stdout


def test_molecule_gives_ansible_only_the_build():
    """molecule.yml sets the collections path itself: one directory, the one `make molecule BUILD=DIR` names
    (molecule substitutes ${VAR:-default} from the environment), else build/installed of the collection root, as seen
    from the scenario's directory, where molecule runs ansible-playbook; never ~/.ansible/collections."""
    scenario = os.path.join(REPO, "extensions", "molecule", "default")
    with open(os.path.join(scenario, "molecule.yml")) as handle:
        path = yaml.safe_load(handle)["provisioner"]["env"]["ANSIBLE_COLLECTIONS_PATH"]
    match = re.match(r"^\$\{OKX_MOLECULE_COLLECTIONS_PATH:-([^:}]+)\}$", path)
    assert match, path
    assert os.path.normpath(os.path.join(scenario, match.group(1))) == os.path.join(REPO, "build", "installed")


# --- what a newcomer sees of a run: the role's default output, check mode predictions, diffs, error messages -------

ROLE_PLAY = """\
- hosts: okx_accounts
  gather_facts: false
  roles:
    - role: cryptoops.okx.one_click_repay
      vars:
        okx_repay_exclude: [ETH]
        okx_repay_min_debt: {USD: 1}
        okx_repay_usd_prices: {BTC: 60000}
"""


@pytest.fixture
def fleet(state, tmp_path):
    """Two more accounts, each a host of okx_accounts: one with a debt to repay, an excluded one and dust; one with a
    debt nothing can repay (no balance at all). Asked for before ``playbook``, so the simulator starts with them."""
    state["accounts"].extend([
        account("fleet-ok", balances={"USDT": "5000", "USDC": "20"},
                debts={"USDC": "100", "ETH": "0.5", "BTC": "0.000001"}),
        account("fleet-broke", balances={}, debts={"USDC": "10"}),
    ])
    specs = dict((spec["name"], spec) for spec in state["accounts"])
    hosts = dict((name, {"okx_repay_api_key": specs[name]["api_key"], "okx_repay_api_secret": specs[name]["secret"],
                         "okx_repay_api_passphrase": specs[name]["passphrase"]})
                 for name in ("fleet-ok", "fleet-broke"))
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"okx_accounts": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}))
    return str(inventory)


def summary(run):
    """The role's one summary of the play, as the default callback printed it: {account: line}."""
    tasks = re.findall(r"^TASK \[cryptoops\.okx\.one_click_repay : Say what each account .*?\n(.*?)\n\n", run.stdout,
                       re.M | re.S)
    assert len(tasks) == 1, run.stdout
    assert tasks[0].count("=> {") == 1, tasks[0]  # one task for the play, whatever the number of accounts
    return json.loads(tasks[0].split(" => ", 1)[1])["msg"]


def test_the_role_says_in_its_default_output_what_each_account_would_repay_then_repaid_and_what_it_left(
        fleet, playbook, sim):
    check = playbook(ROLE_PLAY, "-i", fleet, "--check", env={"OKX_API_URL": sim.url})
    assert posts(sim) == []
    lines = summary(check)
    assert lines["fleet-ok"] == ("would repay USDC 100 from USDC, USDT (predicted: repays 100, takes USDC 19.999999081, "
                                 "USDT 80.480481405); would leave ETH 0.5: excluded; would leave BTC 0.000001: worth "
                                 "less than min_debt USD 1")
    assert lines["fleet-broke"] == ("would repay nothing; would fail USDC 10: none of USDC, USDT, BTC, ETH can repay it "
                                    "now (USDC, USDT, BTC, ETH: OKX does not list them as repay currencies of the "
                                    "account); OKX offers: none")
    assert check.rc != 0  # the broke account fails in check mode as it will for real

    run = playbook(ROLE_PLAY, "-i", fleet, env={"OKX_API_URL": sim.url})
    lines = summary(run)
    assert lines["fleet-ok"] == ("repaid USDC 100 from USDC, USDT (filled 100, cost 0.08008 USD); left ETH 0.5: excluded; left BTC "
                                 "0.000001: worth less than min_debt USD 1; debts left: BTC 0.000001, ETH 0.5")
    assert lines["fleet-broke"].startswith("repaid nothing; failed USDC 10: none of USDC, USDT, BTC, ETH can repay it "
                                           "now"), lines
    assert lines["fleet-broke"].endswith("debts left: USDC 10")
    assert [(entry["account"], entry["debt_ccy"]) for entry in posts(sim)] == [("fleet-ok", "USDC")]  # none for broke
    assert "Traceback" not in run.stdout + run.stderr


def account_play(**options):
    extra = "".join("        %s: %s\n" % item for item in options.items())
    return ("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: account\n"
            "      cryptoops.okx.okx_one_click_repay_account:\n%s" % (extra or "        {}\n"))


@pytest.fixture
def main_account(state, request):
    """The main account's debts and balances as the test's parameter sets them, before the simulator starts."""
    main = next(spec for spec in state["accounts"] if spec["name"] == "main")
    main.update(request.param)
    return main


@pytest.mark.parametrize("main_account", [dict(debts={"ETH": "0.5"}, balances={"USDT": "5000"})], indirect=True)
def test_a_priority_typo_is_a_warning_and_a_debt_nothing_can_repay_fails_with_why_in_check_mode_and_for_real(
        main_account, playbook, sim):
    for args in (["--check"], []):
        run = playbook(account_play(priority="[USDTT]"), *args)
        result = run.failed("account")
        assert any("OKX lists no USDTT" in warning and "check priority" in warning
                   for warning in result.get("warnings", [])), result
        (failed,) = result["failed_debts"]
        assert failed["debt_ccy"] == "ETH" and failed["msg"] == (
            "none of ETH, USDTT can repay it now (ETH, USDTT: OKX does not list them as repay currencies of the "
            "account); OKX offers: USDT"), failed
        assert "ETH: " in result["msg"] and "USDTT" in result["msg"]
        assert result["changed"] is False and result["would_repay"] == []
    assert posts(sim) == []


def test_a_repay_ccy_list_typo_is_a_warning_and_not_posted_by_either_module(playbook, sim):
    account_task = account_play(debts='[{debt_ccy: USDC, repay_ccy_list: [USDCC, USDT]}]')
    check = playbook(account_task, "--check").result("account")["result"]
    assert [item["repay_ccy_list"] for item in check["would_repay"]] == [["USDT"]]
    assert any("USDCC" in warning for warning in check["warnings"])
    single = playbook(repay_play("USDC", "[USDCC, USDT]"), "--check").result("repay")["result"]
    assert single["outcome"] == "planned" and single["repay_ccy_list"] == ["USDT"]
    assert any("USDCC" in warning for warning in single["warnings"])
    nothing = playbook(repay_play("USDC", "[USDCC]"), "--check").failed("repay")
    assert "USDCC: OKX does not list it as a repay currency" in nothing["msg"], nothing["msg"]
    assert posts(sim) == []

    run = playbook(repay_play("USDC", "[USDCC, USDT]"))
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    assert [record["repayCcyList"] for record in executed(sim)] == [["USDT"]]


@pytest.mark.parametrize("main_account", [dict(debts={"USDC": "100", "ETH": "0.5"}, balances={"USDT": "5000"})],
                         indirect=True)
def test_the_account_module_shows_each_debt_before_and_after_with_diff(main_account, playbook, sim):
    task = account_play(exclude="[ETH]")
    check = playbook(task, "--check", "--diff")
    assert check.rc == 0, check.stdout
    assert check.result("account")["result"]["diff"] == {"before": {"debts": {"USDC": "100", "ETH": "0.5"}},
                                                         "after": {"debts": {"USDC": "0", "ETH": "0.5"}}}
    assert re.search(r'^-\s+"USDC": "100"', check.stdout, re.M) and re.search(r'^\+\s+"USDC": "0"', check.stdout,
                                                                              re.M), check.stdout
    run = playbook(task, "--diff")
    assert run.rc == 0, run.stdout
    diff = run.result("account")["result"]["diff"]
    assert diff["before"] == {"debts": {"USDC": "100", "ETH": "0.5"}}
    assert diff["after"]["debts"]["ETH"] == "0.5" and not float(diff["after"]["debts"].get("USDC", "0"))


@pytest.mark.parametrize("env, advice", [
    ({"OKX_DEMO": "true"}, "this is a live API key used with demo: true"),
    ({"OKX_API_KEY": "e2e-demo-key", "OKX_API_SECRET": DEMO_SECRET},
     "this is a demo-trading API key used with demo: false"),
], ids=["live-key-sent-to-demo", "demo-key-sent-to-live"])
def test_a_live_demo_mismatch_says_which_way_and_what_to_change(playbook, sim, env, advice):
    result = playbook(repay_play(), env=env).failed("repay")
    assert result["okx_code"] == "50101" and advice in result["msg"], result["msg"]
    assert posts(sim) == []


@pytest.mark.parametrize("env", [{"OKX_API_SECRET": "wrong-secret"}, {"OKX_API_PASSPHRASE": "wrong-passphrase"},
                                 {"OKX_API_KEY": "no-such-key"}], ids=["secret", "passphrase", "key"])
def test_an_authentication_failure_of_the_account_module_says_so(playbook, sim, env):
    result = playbook(account_play(), env=env).failed("account")
    assert result["msg"].startswith("OKX did not accept the credentials (authentication failed"), result["msg"]
    assert "could not read the account's debts" not in result["msg"]
