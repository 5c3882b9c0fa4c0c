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

from tests.e2e.helpers import BIN, COLLECTIONS_PATH, DEMO_SECRET, REPO, posts, repay_play

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


@pytest.mark.parametrize("env, advice", [
    ({"OKX_DEMO": "true"}, "this is a live API key used with demo: true"),
    ({"OKX_API_KEY": "e2e-demo-key", "OKX_API_SECRET": DEMO_SECRET},
     "this is a demo-trading API key used with demo: false"),
], ids=["live-key-sent-to-demo", "demo-key-sent-to-live"])
def test_a_live_demo_mismatch_says_which_way_and_what_to_change(playbook, sim, env, advice):
    result = playbook(repay_play(), env=env).failed("repay")
    assert result["okx_code"] == "50101" and advice in result["msg"], result["msg"]
    assert posts(sim) == []
