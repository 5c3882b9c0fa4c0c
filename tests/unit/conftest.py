# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test fixtures (pytest loads this file; shared helpers live in okx_fakes.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import _internal
from ansible.module_utils.common import warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXClient
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir
from ansible_collections.cryptoops.okx.tests.unit.okx_fakes import CREDENTIALS, URL, FakeClock, FakeOKX, new_mock


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
def fake_okx(clock, okx):
    """FakeOKX on the test's clock, answering every request; change its settings before the first request."""
    return FakeOKX(clock).install(okx)


@pytest.fixture
def make_client(clock, state_dir):
    def make(**options):
        settings = dict(CREDENTIALS, api_url=URL, retries=3, clock=clock, state=state_dir)
        settings.update(options)
        return OKXClient(**settings)
    return make


@pytest.fixture
def run_module(clock, state_dir, capsys, monkeypatch):
    """Run a module's main() as Ansible would, with these arguments; return its JSON result, its warnings as texts."""
    # A module process is not the controller: its warnings go to its result, not to the controller's display (which
    # importing controller code, as the action plugin's tests do, would otherwise switch on for this process).
    monkeypatch.setattr(_internal, "is_controller", False, raising=False)

    def run(main, args, check_mode=False, diff=False, no_log=False):
        warnings._global_warnings.clear()  # a module process starts with none
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_no_log=no_log)):
            with pytest.raises(SystemExit):
                main()
        result = json.loads(capsys.readouterr().out)
        result["warnings"] = [item if isinstance(item, str) else item["event"]["msg"]
                              for item in result.get("warnings", [])]
        return result
    return run
