# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every documented example runs: the fenced blocks of the README, the role's README and docs/*.md, and the modules'
EXAMPLES, read from the files themselves, against the OKX simulator's demo accounts.

- A playbook, or a module's task list (wrapped in a play on localhost), runs in check and diff mode, for real, and
  again, which must change nothing. On localhost the credentials come from the environment; on the `okx_accounts`
  of examples/inventory from its vault.
- A playbook whose first line says how to run it (`# repay.yml: ansible-playbook -i localhost, repay.yml --check
  --diff`, as every playbook of the README does) is saved under that name and run with that command, as written,
  then without --check, then without --diff either.
- The README's examples run as a user's would, with ansible-core's warnings on, and print no `[WARNING]`.
- Role variables (a mapping of okx_repay_* variables) run the role's playbook on examples/inventory with them.
- `ansible-playbook` and `ansible-doc` commands run as written; `--ask-vault-pass` gets the demo password at a
  terminal prompt, as a user types it.
- A block that cannot run here is preceded by `<!-- not run by the docs test: REASON -->`; any other block fails.
"""

import ast
import glob
import os
import pty
import re
import shlex
import shutil
import subprocess
import warnings

import pytest
import yaml

from tests.e2e.helpers import BIN, REPO, PlaybookRunner, Run, commands, fenced_blocks, posts
from tests.simulator.states import DEMO_ACCOUNTS, demo

DOCS = ["README.md", "roles/one_click_repay/README.md"] + sorted(
    os.path.relpath(path, REPO) for path in glob.glob(os.path.join(REPO, "docs", "*.md")))
MODULES = sorted(glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))
VAULT_PASSWORD = open(os.path.join(REPO, "examples", "demo-vault-password")).read().strip()
INVENTORY = ["-i", "examples/inventory", "--vault-password-file", "examples/demo-vault-password"]
RUNNABLE_COMMANDS = ("ansible-playbook", "ansible-doc")
# "# repay.yml: ansible-playbook -i localhost, repay.yml --check --diff": the file name, the command that runs it.
DOCUMENTED_RUN = re.compile(r"\A# (\S+\.yml): (ansible-playbook .+?)\s*$", re.M)
# What the PlaybookRunner sets to keep other tests' output quiet, and a user does not: the warnings about an
# inventory with no host, and the discovery of the Python interpreter.
QUIETER = ("ANSIBLE_LOCALHOST_WARNING", "ANSIBLE_INVENTORY_UNPARSED_WARNING", "ANSIBLE_PYTHON_INTERPRETER")


def module_examples():
    for path in MODULES:
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES":
                yield "%s EXAMPLES" % os.path.relpath(path, REPO), "yaml", node.value.value, None


def kind_of(language, text):
    """What an example is, and so how it runs."""
    if language == "yaml":
        data = yaml.safe_load(text)
        if isinstance(data, list) and all(isinstance(item, dict) and "hosts" in item for item in data):
            return "playbook"
        if isinstance(data, list) and all(isinstance(item, dict) for item in data):
            return "tasks"
        if isinstance(data, dict) and data and all(key.startswith("okx_repay_") for key in data):
            return "role_vars"
    if language == "bash" and all(line.split()[0] in RUNNABLE_COMMANDS for line in commands(text)):
        return "commands"
    return None


EXAMPLES = list(fenced_blocks(DOCS)) + list(module_examples())
RUN = [pytest.param(where, kind_of(lang, text), text, id=where) for where, lang, text, reason in EXAMPLES
       if reason is None and kind_of(lang, text)]


def in_readme(where):
    return where.startswith("README.md:")


def test_every_example_runs_or_says_why_not():
    unclassified = [where for where, lang, text, reason in EXAMPLES if reason is None and kind_of(lang, text) is None]
    assert not unclassified, "examples the docs test cannot run; make them runnable or mark them: %s" % unclassified
    assert len(RUN) >= 9, "the docs test found fewer examples than the docs hold"


def test_every_readme_playbook_says_how_to_run_it():
    """So that test_the_example_runs runs it as the reader will, with the reader's command."""
    playbooks = [(where, text) for where, lang, text, reason in EXAMPLES
                 if in_readme(where) and reason is None and kind_of(lang, text) == "playbook"]
    assert playbooks, "the README has no playbook"
    unsaid = [where for where, text in playbooks if not DOCUMENTED_RUN.match(text)]
    assert not unsaid, "README playbooks without a first line '# NAME.yml: ansible-playbook ...': %s" % unsaid


@pytest.fixture
def docs_sim(state, sim):
    sim.reset(demo())
    return sim


@pytest.fixture
def user(tmp_path, docs_sim):
    """ansible-playbook as a user of the docs runs it: the repository as the working directory, the demo account's
    credentials in the environment, demo trading."""
    account = DEMO_ACCOUNTS["okx-main"]
    runner = PlaybookRunner(tmp_path / "ansible", {
        "OKX_API_URL": docs_sim.url, "OKX_DEMO": "true", "OKX_API_KEY": account["api_key"],
        "OKX_API_SECRET": account["secret"], "OKX_API_PASSPHRASE": account["passphrase"]})
    runner.cwd = REPO
    yield runner
    runner.close()


def playbook_text(kind, text):
    if kind == "tasks":
        return "- name: The module's EXAMPLES\n  hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(
            "    " + line + "\n" for line in text.strip("\n").splitlines())
    return text


def as_a_user(env):
    """The environment of a run as a user makes it: ansible-core's warnings on."""
    return {key: value for key, value in env.items() if key not in QUIETER}


# ansible-core's own bug, not the docs': `ansible-doc -t role` (2.20, 2.21) warns that its internal collection
# ansible._protomatter has no MANIFEST.json (https://github.com/ansible/ansible/issues/85689).
ANSIBLE_CORE_WARNING = re.compile(r"\[WARNING\]: Collection at '\S+/ansible_collections/ansible/_protomatter' does not have "
                                  r"a MANIFEST\.json file")


def no_warning(output):
    warned = [line for line in output.splitlines() if "[WARNING]" in line and not ANSIBLE_CORE_WARNING.search(line)]
    assert not warned, "ansible-core warned, as it would warn the reader:\n%s" % "\n".join(warned)


def documented_runs(runner, name, command, text):
    """Run the playbook ``text`` saved as ``name`` with the documented ``command`` (which names --check, and may name
    --diff) in a directory of its own, as a reader does: as written, then for real, then again without --diff."""
    path = os.path.join(runner.work, name)
    with open(path, "w") as handle:
        handle.write(text)
    args = shlex.split(command)
    assert "--check" in args and name in args, "the documented command runs %s in check mode first: %s" % (
        name, command)
    real = [arg for arg in args if arg != "--check"]
    again = [arg for arg in real if arg != "--diff"]
    for count, argv in enumerate((args, real, again)):
        results_file = os.path.join(runner.work, "results-%s-%d.jsonl" % (name, count))
        env = as_a_user(runner.environment(results_file=results_file))
        proc = subprocess.run([os.path.join(BIN, argv[0])] + argv[1:], cwd=runner.work, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        yield Run(proc.returncode, proc.stdout, proc.stderr, results_file)


def changed_nothing(run):
    """The play recap lists hosts, none with a change."""
    counts = re.findall(r"changed=(\d+)", run.stdout)
    return counts and set(counts) == {"0"}


def run_at_a_terminal(command, env, answer):
    """Run a command with a terminal as its controlling tty; answer its password prompt. (rc, output)."""
    with warnings.catch_warnings():  # forking a threaded process is safe here: the child only execs
        warnings.simplefilter("ignore", DeprecationWarning)
        pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose terminal is the pty
        os.chdir(REPO)
        os.execve(shutil.which(command[0], path=env["PATH"]), command, env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if output.rstrip().endswith(b"password:"):
            os.write(fd, answer.encode("utf-8") + b"\n")
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.parametrize("where, kind, text", RUN)
def test_the_example_runs(where, kind, text, user, docs_sim, tmp_path):
    if kind == "commands":
        # At a terminal ansible-doc pages its output: a reader scrolls, the test reads it whole.
        env = dict(user.environment(), PAGER="cat")
        if in_readme(where):
            env = as_a_user(env)
        env["PATH"] = BIN + os.pathsep + env["PATH"]
        for line in commands(text):
            rc, output = run_at_a_terminal(shlex.split(line), env, VAULT_PASSWORD)
            assert rc == 0, "%s\n%s" % (line, output[-3000:])
            assert "Traceback" not in output
            if in_readme(where):
                no_warning(output)
        return
    documented = DOCUMENTED_RUN.match(text) if kind == "playbook" else None
    if documented:
        for count, run in enumerate(documented_runs(user, documented.group(1), documented.group(2), text)):
            assert run.rc == 0, run.stdout + run.stderr
            assert run.results, "the documented command ran no task:\n%s" % run.stdout
            if in_readme(where):
                no_warning(run.stdout + run.stderr)
            if count == 0:
                assert posts(docs_sim) == [], "check mode posted a repay"
        assert changed_nothing(run), run.stdout
        return
    if kind == "role_vars":
        path = tmp_path / "vars.yml"
        path.write_text(text)
        text, args = "- import_playbook: cryptoops.okx.one_click_repay\n", INVENTORY + ["-e", "@%s" % path]
    else:
        args = INVENTORY if "okx_accounts" in text else []
    text = playbook_text(kind, text)
    checked = user(text, "--check", "--diff", *args)
    assert checked.rc == 0, checked.stdout + checked.stderr
    assert posts(docs_sim) == [], "check mode posted a repay"
    real = user(text, "--diff", *args)
    assert real.rc == 0, real.stdout + real.stderr
    again = user(text, *args)
    assert again.rc == 0, again.stdout + again.stderr
    assert changed_nothing(again), again.stdout
