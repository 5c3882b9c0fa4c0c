# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures (pytest loads this file; shared helpers, and MockOKX, the simulator's model of OKX in-process,
live in okx_model_mock.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import sys

import pytest

import ansible
from ansible import module_utils
from ansible.module_utils import _internal
from ansible.module_utils.common import warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXClient
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, URL, FakeClock, MockOKX, new_mock


@pytest.fixture
def clock(monkeypatch):
    """The clock of every client a test makes, modules' included: sleeping is instant and moves it."""
    fake = FakeClock()
    monkeypatch.setattr(_okx_client, "Clock", lambda: fake)
    return fake


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """A private state directory per test, for clients and modules alike (OKX_STATE_DIR)."""
    path = tmp_path / "state"
    monkeypatch.setenv("OKX_STATE_DIR", str(path))
    return StateDir(str(path))


@pytest.fixture
def okx():
    with new_mock() as mock:
        yield mock


@pytest.fixture
def make_sim(clock, okx):
    """``make_sim(**account)``: the simulator's model of OKX with one account (okx_model_mock.account_state: debts,
    balances, history, settle_delay, history_lag, acct_lv, ...) on the test's clock, answering every request."""
    def make(**account):
        return MockOKX(clock, **account).install(okx)
    return make


@pytest.fixture
def sim(make_sim):
    """The model of OKX with the default account: a USDC debt of 100, 5000 USDT; repays settle in the model's
    default seconds."""
    return make_sim()


@pytest.fixture
def make_client(clock, state_dir):
    def make(**options):
        settings = dict(CREDENTIALS, api_url=URL, retries=3, clock=clock, state=state_dir)
        settings.update(options)
        return OKXClient(**settings)
    return make


def module_result(result):
    """A module's result as the tests read it: without the ``invocation`` ansible-core < 2.21 adds to a module
    process's, ``warnings`` always a list of texts."""
    result.pop("invocation", None)
    result["warnings"] = [item if isinstance(item, str) else item["event"]["msg"] for item in result.get("warnings", [])]
    return result


@pytest.fixture
def run_in_process(clock, state_dir, capsys, monkeypatch):
    """Run a module's main() as a module process, as Ansible would, with these arguments; return its JSON result."""
    # A module process is not the controller: its warnings go to its result, not to the controller's display (which
    # importing controller code, as the action plugin's tests do, would otherwise switch on for this process).
    monkeypatch.setattr(_internal, "is_controller", False, raising=False)

    def run(main, args, check_mode=False, diff=False, no_log=False):
        warnings._global_warnings.clear()  # a module process starts with none
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_no_log=no_log)):
            with pytest.raises(SystemExit):
                main()
        return module_result(json.loads(capsys.readouterr().out))
    return run


def import_controller_code(name):
    """Import controller code (the action plugin's) from the tests of modules and module_utils too.

    ansible-test runs those with only ansible-core's module_utils and collection loader importable (a trimmed
    ``ansible`` package), as modules run on target Pythons. Their "worker" runs are the controller's by definition:
    this adds the rest of ansible-core to the trimmed packages, and leaves ``is_controller`` as that context has it.
    """
    real = os.path.dirname(os.path.dirname(os.path.realpath(module_utils.__file__)))
    trimmed = os.path.realpath(ansible.__path__[0]) != real
    if trimmed:
        for package in ("ansible", "ansible.utils", "ansible.config"):
            folder = os.path.join(real, *package.split(".")[1:])
            path = importlib.import_module(package).__path__
            if folder not in path:
                path.append(folder)
        if not hasattr(ansible, "__version__"):  # what the real ansible/__init__.py does: __version__, _vendor
            with open(os.path.join(real, "__init__.py")) as handle:
                exec(compile(handle.read(), handle.name, "exec"), ansible.__dict__)  # pylint: disable=exec-used
    before = _internal.is_controller
    try:
        return importlib.import_module(name)
    finally:
        if trimmed:
            _internal.is_controller = before


@pytest.fixture
def run_in_worker(clock, state_dir):
    """Run the module of ``main`` as its action plugin runs it in the controller's worker: its run() on a
    ControllerModule; return the result the action plugin gets."""
    if sys.version_info < (3, 11):
        pytest.skip("the controller, and so its worker, needs Python 3.11 or later")
    action = import_controller_code("ansible_collections.cryptoops.okx.plugins.plugin_utils._okx_action")

    def run(main, args, check_mode=False, diff=False, no_log=False):
        module = importlib.import_module(main.__module__)
        name = "cryptoops.okx." + main.__module__.rsplit(".", 1)[-1]
        with pytest.raises(action._ModuleExit) as done:
            module.run(action.ControllerModule(name, args, check_mode, diff, no_log=no_log, **module.MODULE))
        return module_result(done.value.result)
    return run


@pytest.fixture(params=["process", "worker"])
def run_module(request):
    """``run_in_process`` or ``run_in_worker``: every test using this runs once in each place a module runs."""
    return request.getfixturevalue("run_in_" + request.param)
