# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A signed GitOps project: examples/signed-project signed and verified with ansible-sign and gpg, real processes.

The commands are the documented ones, read from docs/awx.md (the README shows some of them) and run as written by
bash, in a directory that holds a copy of the project (a git checkout, as AWX's project update clones it), with a
throw-away key in a GnuPG home of its own: no network, no terminal (standard input is /dev/null, as in CI), the
passphrase only in the environment. Then what AWX must refuse (a file changed, added or removed: exit 2; a signature
that is not the key's: exit 3), the two pitfalls docs/awx.md describes, and the verified project's playbook running
against the OKX simulator.
"""

import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from tests.e2e.helpers import BIN, MAIN, REPO, PlaybookRunner, commands, fenced_blocks, posts

PROJECT = "examples/signed-project"
RUN_HERE = "tests/e2e/test_signing.py runs it"
SIGNING_PASSPHRASE = "E2E-signing-passphrase-7d1e"
SIGNED = "GPG signing successful!"
SIGNATURE_OK = "GPG signature verification succeeded."
CHECKSUMS_OK = "Checksum validation succeeded."
SIGNATURE_BAD = "GPG signature verification failed."
CHECKSUMS_BAD = "Checksum validation failed."
# The documented signing command sets the passphrase variable first: the pitfalls change only that.
PASSPHRASE_VARIABLE = re.compile(r"^ANSIBLE_SIGN_GPG_PASSPHRASE=\S+\s+")


def documented(name):
    """The command lines of the blocks of ``name`` that this test runs, in order."""
    return [line for _where, _lang, text, reason in fenced_blocks([name]) if reason == RUN_HERE
            for line in commands(text)]


DOCUMENTED = documented("docs/awx.md")
MAKE_KEY = [line for line in DOCUMENTED if " --quick-generate-key " in line]
SIGN = [line for line in DOCUMENTED if " gpg-sign " in line]
VERIFY_AS_AWX = [line for line in DOCUMENTED if " gpg-verify --gnupg-home " in line]


def bash(line, env, cwd):
    """One documented command line, as a shell without a terminal runs it."""
    return subprocess.run(["bash", "-c", line], cwd=str(cwd), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120, check=False)


def output(proc):
    return proc.stdout + proc.stderr


def signing_env(gnupg_home):
    """The environment of a signer with no terminal: the key's GnuPG home, the passphrase in SIGNING_PASSPHRASE,
    neither GPG_TTY nor ANSIBLE_SIGN_GPG_PASSPHRASE (the documented commands set what they need)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("GPG_TTY", "ANSIBLE_SIGN_GPG_PASSPHRASE", "GNUPGHOME", "NO_COLOR")}
    env.update(PATH=BIN + os.pathsep + env["PATH"], GNUPGHOME=gnupg_home, SIGNING_PASSPHRASE=SIGNING_PASSPHRASE)
    return env


# gpg-agent's sockets, which a GnuPG home holds while its agent runs: not files to copy.
AGENT_FILES = shutil.ignore_patterns("S.gpg-agent*", "*.lock")


@pytest.fixture(scope="module")
def scratch():
    """A new directory with a short path in the system's temporary directory, for a GnuPG home or for where the
    documented commands make one (awx-gnupg): gpg-agent starts on its own in a GnuPG home and puts its sockets
    there, and a socket path may not exceed 107 characters. ``keys_of``: a copy of that directory, without its
    agent (so without the passphrase the agent holds). At the end, each one's agents are stopped."""
    made = []

    def new(keys_of=None):
        folder = tempfile.mkdtemp(prefix="okx-sign-")
        if keys_of:
            shutil.copytree(keys_of, folder, symlinks=True, dirs_exist_ok=True, ignore=AGENT_FILES)
        os.chmod(folder, 0o700)
        made.append(folder)
        return folder

    yield new
    for folder in made:
        for home in (folder, os.path.join(folder, "awx-gnupg")):
            subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


class Signed:
    """The documented commands' results, where they ran, and the signer's environment."""

    def __init__(self, root, env, runs, scratch):
        self.root, self.env, self.runs, self.scratch = root, env, runs, scratch

    def copy(self):
        """A copy of the signed checkout, and of the AWX-like GnuPG home beside it, to tamper with."""
        return pathlib.Path(self.scratch(keys_of=self.root))


@pytest.fixture(scope="module")
def signed(scratch):
    root = scratch()
    project = os.path.join(root, PROJECT)
    shutil.copytree(os.path.join(REPO, PROJECT), project)
    git = ["git", "-c", "user.name=GitOps", "-c", "user.email=gitops@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "The project"]):
        subprocess.run(git + args, cwd=project, check=True, capture_output=True)
    env = signing_env(scratch())
    return Signed(root, env, [(line, bash(line, env, root)) for line in DOCUMENTED], scratch)


def project_files():
    return sorted(os.path.relpath(os.path.join(folder, name), os.path.join(REPO, PROJECT))
                  for folder, _dirs, names in os.walk(os.path.join(REPO, PROJECT)) for name in names)


def signed_files(root):
    with open(os.path.join(str(root), PROJECT, ".ansible-sign", "sha256sum.txt")) as handle:
        return sorted(line.split("  ", 1)[1] for line in handle.read().splitlines())


def test_the_docs_show_one_signing_and_the_verification_as_awx_does():
    assert len(MAKE_KEY) == 1 and len(SIGN) == 1 and len(VERIFY_AS_AWX) == 1, DOCUMENTED
    assert PASSPHRASE_VARIABLE.match(SIGN[0]), "the documented signing command sets ANSIBLE_SIGN_GPG_PASSPHRASE"
    readme = documented("README.md")
    assert readme and set(readme) <= set(DOCUMENTED), "the README shows commands docs/awx.md does not: %s" % readme


def test_the_docs_show_the_example_manifest():
    shown = [text for _where, _lang, text, reason in fenced_blocks(["docs/awx.md"])
             if reason and reason.startswith("%s/MANIFEST.in" % PROJECT)]
    with open(os.path.join(REPO, PROJECT, "MANIFEST.in")) as handle:
        directives = [line for line in handle.read().splitlines() if line and not line.startswith("#")]
    assert shown == ["\n".join(directives) + "\n"]


def test_the_documented_commands_sign_and_verify(signed):
    for line, proc in signed.runs:
        assert proc.returncode == 0, "%s\n%s" % (line, output(proc))
        assert "Traceback" not in output(proc)
        if " gpg-sign " in line:
            assert SIGNED in proc.stdout, proc.stdout
        if " gpg-verify " in line:
            assert SIGNATURE_OK in proc.stdout and CHECKSUMS_OK in proc.stdout, proc.stdout
    # Every file of the project is signed, and nothing else (git's directory is pruned).
    assert signed_files(signed.root) == project_files()


@pytest.mark.parametrize("change, says", [
    ("edit playbooks/one_click_repay.yml", "Checksum mismatch: playbooks/one_click_repay.yml"),
    ("add playbooks/more.yml", "'added': ['playbooks/more.yml']"),
    ("add README.md", "'added': ['README.md']"),  # a file no line of MANIFEST.in names
    ("remove inventory/hosts.yml", "'removed': ['inventory/hosts.yml']"),
])
def test_a_changed_project_fails_verification_with_2(signed, change, says):
    copy = signed.copy()
    action, path = change.split()
    target = copy / PROJECT / path
    if action == "remove":
        target.unlink()
    else:
        with open(target, "a") as handle:
            handle.write("- ansible.builtin.import_playbook: someone.else.playbook\n")
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 2, output(proc)
    assert SIGNATURE_OK in proc.stdout and CHECKSUMS_BAD in proc.stdout and says in proc.stdout, proc.stdout


def test_a_manifest_edited_to_match_a_change_fails_verification_with_3(signed):
    copy = signed.copy()
    playbook = copy / PROJECT / "playbooks" / "one_click_repay.yml"
    playbook.write_text(playbook.read_text() + "- ansible.builtin.import_playbook: someone.else.playbook\n")
    manifest = copy / PROJECT / ".ansible-sign" / "sha256sum.txt"
    digest = hashlib.sha256(playbook.read_bytes()).hexdigest()
    manifest.write_text(re.sub(r"^\w+(  playbooks/one_click_repay\.yml)$", digest + r"\1", manifest.read_text(),
                               flags=re.M))
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 3, output(proc)
    assert SIGNATURE_BAD in proc.stdout, proc.stdout


def test_a_project_signed_with_another_key_fails_verification_with_3(signed):
    """Someone else makes a key with the same user ID, and signs the project with it."""
    copy = signed.copy()
    env = signing_env(signed.scratch())
    for line in MAKE_KEY + SIGN:
        proc = bash(line, env, copy)
        assert proc.returncode == 0, "%s\n%s" % (line, output(proc))
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 3, output(proc)
    assert SIGNATURE_BAD in proc.stdout, proc.stdout


def test_signing_with_neither_the_passphrase_variable_nor_gpg_tty_crashes(signed):
    copy = signed.copy()
    playbook = copy / PROJECT / "playbooks" / "one_click_repay.yml"
    playbook.write_text(playbook.read_text() + "# a change to sign\n")
    proc = bash(PASSPHRASE_VARIABLE.sub("", SIGN[0]), signed.env, copy)
    assert proc.returncode == 1, output(proc)
    assert "Traceback" in proc.stderr and "OSError: [Errno 25] Inappropriate ioctl for device" in proc.stderr, \
        proc.stderr
    # It crashed after writing the new checksum manifest, which the old signature does not match.
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 3, output(proc)


def test_an_empty_passphrase_variable_writes_a_signature_that_verifies_as_bad(signed, tmp_path):
    copy = signed.copy()
    env = signing_env(signed.scratch(keys_of=signed.env["GNUPGHOME"]))
    empty = PASSPHRASE_VARIABLE.sub("ANSIBLE_SIGN_GPG_PASSPHRASE= ", SIGN[0])
    signature = copy / PROJECT / ".ansible-sign" / "sha256sum.txt.sig"

    # The key needs its passphrase (a new gpg-agent holds none): signing fails, and leaves no signature.
    proc = bash(empty, env, copy)
    assert proc.returncode == 4 and "GPG signing FAILED!" in proc.stdout, output(proc)
    assert not signature.exists()
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 1 and "Signature file does not exist" in proc.stdout, output(proc)

    # Once gpg-agent holds the passphrase (a signing minutes ago), or for a key without one, it "succeeds".
    proc = bash(SIGN[0], env, copy)
    assert proc.returncode == 0, output(proc)
    proc = bash(empty, env, copy)
    assert proc.returncode == 0 and SIGNED in proc.stdout, output(proc)
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 3, output(proc)
    assert SIGNATURE_BAD in proc.stdout, proc.stdout

    # Why: gpg read the passphrase from its input (--passphrase-fd 0), where only the manifest came, so it took the
    # manifest's first line as the passphrase and signed the rest.
    manifest = copy / PROJECT / ".ansible-sign" / "sha256sum.txt"
    rest = tmp_path / "rest"
    rest.write_text("".join(manifest.read_text().splitlines(True)[1:]))
    proc = subprocess.run(["gpg", "--status-fd", "1", "--verify", str(signature), str(rest)], env=env,
                          capture_output=True, text=True, check=False)
    assert "[GNUPG:] GOODSIG" in proc.stdout, output(proc)


def test_the_verified_project_runs_against_the_simulator(signed, tmp_path, sim):
    copy = signed.copy()
    proc = bash(VERIFY_AS_AWX[0], signed.env, copy)
    assert proc.returncode == 0, output(proc)
    runner = PlaybookRunner(tmp_path / "ansible", dict(MAIN, OKX_API_URL=sim.url))
    try:
        # The command the playbook's first lines give.
        run = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "inventory", "playbooks/one_click_repay.yml",
                              "--check"], cwd=str(copy / PROJECT), env=runner.environment(), capture_output=True,
                             text=True, timeout=600, check=False)
    finally:
        runner.close()
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"okx-main\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", run.stdout), run.stdout
    assert '"okx-main": "would repay USDC 100 from USDC, USDT' in run.stdout, run.stdout
    assert posts(sim) == [], "check mode posted a repay"
