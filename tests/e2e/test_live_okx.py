# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opt-in smoke test against the real OKX API, in demo trading. Skipped unless explicitly enabled:

    OKX_LIVE_TESTS=1 OKX_API_KEY=... OKX_API_SECRET=... OKX_API_PASSPHRASE=... make e2e
    # and, to also post a real repay of a demo-trading debt:
    OKX_LIVE_REPAY_CCY=USDT OKX_LIVE_REPAY_CCY_LIST=USDT,BTC ...

The key must be a demo-trading key (OKX_DEMO defaults to true here), on an account in Spot mode.
"""

import os

import pytest

from tests.e2e.helpers import PlaybookRunner

CREDENTIALS = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")

pytestmark = pytest.mark.skipif(
    os.environ.get("OKX_LIVE_TESTS") != "1" or not all(os.environ.get(name) for name in CREDENTIALS),
    reason="live OKX smoke test: set OKX_LIVE_TESTS=1 and OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE",
)


@pytest.fixture
def live_playbook(tmp_path):
    credentials = dict((name, os.environ[name]) for name in CREDENTIALS)
    credentials["OKX_DEMO"] = os.environ.get("OKX_DEMO", "true")
    if os.environ.get("OKX_API_URL"):
        credentials["OKX_API_URL"] = os.environ["OKX_API_URL"]
    runner = PlaybookRunner(tmp_path, credentials)
    yield runner
    runner.close()


def test_info_reads_the_account(live_playbook):
    run = live_playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: info
              cryptoops.okx.okx_one_click_repay_info:
                history: true
                history_limit: 5
        """)
    assert run.rc == 0, run.stdout
    result = run.result("info")["result"]
    assert isinstance(result["debts"], list) and isinstance(result["history"], list)
    for name in CREDENTIALS[1:]:
        assert os.environ[name] not in run.stdout + run.stderr


@pytest.mark.skipif(not os.environ.get("OKX_LIVE_REPAY_CCY"), reason="set OKX_LIVE_REPAY_CCY to allow a real repay")
def test_repay_in_demo_trading(live_playbook):
    repay_ccy_list = os.environ.get("OKX_LIVE_REPAY_CCY_LIST", os.environ["OKX_LIVE_REPAY_CCY"]).split(",")
    run = live_playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: repay
              cryptoops.okx.okx_one_click_repay:
                debt_ccy: %s
                repay_ccy_list: %s
                wait: true
        """ % (os.environ["OKX_LIVE_REPAY_CCY"], repay_ccy_list))
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert result["changed"] is False or result["status"] == "filled"
