# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared unit-test fixtures: an OKX client with a fake clock, stubbed HTTP (responses), and module runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import responses

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXClient, RateLimiter

URL = "https://www.okx.com"
KEY = "unit-key-0123"
SECRET = "UNIT-SECRET-9f8e7d6c"
PASSPHRASE = "Unit-Passphrase-42"
CREDENTIALS = dict(api_key=KEY, api_secret=SECRET, api_passphrase=PASSPHRASE)


class FakeClock:
    """time.time and time.sleep in one: sleeping moves the clock, and every sleep is recorded."""

    def __init__(self, start=1700000000.0):
        self.now = start
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Every test gets its own temporary directory, so the limiter's lock files are never shared."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def okx():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def make_client(clock, tmp_path):
    def make(**options):
        settings = dict(CREDENTIALS, api_url=URL, retries=3, clock=clock.time, sleep=clock.sleep)
        settings.update(options)
        settings.setdefault("limiter", RateLimiter(settings["api_key"], state_dir=str(tmp_path),
                                                   clock=clock.time, sleep=clock.sleep))
        return OKXClient(**settings)
    return make


def reply(data=None, code="0", msg="", status=200):
    """The JSON body and status of an OKX reply."""
    return dict(json={"code": code, "msg": msg, "data": data if data is not None else []}, status=status)


@pytest.fixture
def run_module(monkeypatch, capsys):
    """Run a module's main() with these arguments; return its JSON result. Sleeps are instant."""
    monkeypatch.setattr(_okx_client.time, "sleep", lambda seconds: None)

    def run(main, args, check_mode=False, diff=False):
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
            with pytest.raises(SystemExit):
                main()
        return json.loads(capsys.readouterr().out)
    return run
