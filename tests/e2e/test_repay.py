# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules as users run them: ansible-playbook with the installed collection against the OKX simulator.

What needs the controller is proven here: module_defaults, the environment, both execution paths (the controller's
worker, and the module on a "remote" connection), OKX's authentication, limits and clock. The unit tests prove the
rest (options, hints, reply validation, the lost-reply matrix).
"""

import os
import shutil

import pytest

from tests.e2e.helpers import (
    COLLECTIONS_PATH,
    DEMO_SECRET,
    PASSPHRASE,
    SECRET,
    executed,
    posts,
    repay_play,
    sim_account,
)


def test_a_debt_is_repaid_in_the_worker_then_nothing_changes(sim, playbook):
    first = playbook(repay_play(), "-vvv")
    assert first.rc == 0, first.stdout + first.stderr
    result = first.result("repay")["result"]
    assert (result["changed"], result["outcome"], result["status"]) == (True, "accepted", "filled")
    assert (result["debt_before"], result["debt_after"]) == ("100", "0")
    assert "AnsiballZ" not in first.stdout, "the module ran as a process, not in the controller's worker"
    second = playbook(repay_play())
    assert second.rc == 0 and second.result("repay")["result"]["outcome"] == "none"
    assert len(posts(sim)) == 1 and "USDC" not in sim_account(sim)["debts"]


def test_a_task_delegated_elsewhere_runs_the_module_with_the_same_result(sim, playbook):
    run = playbook(repay_play() + "      vars:\n        ansible_connection: elsewhere\n", "-vvv")
    assert run.rc == 0, run.stdout
    assert "AnsiballZ_okx_one_click_repay.py" in run.stdout
    result = run.result("repay")["result"]
    assert (result["changed"], result["outcome"], result["status"], result["debt_after"]) == (
        True, "accepted", "filled", "0")


def test_check_mode_posts_nothing_and_diff_predicts(sim, playbook):
    run = playbook(repay_play(wait="false"), "--check", "--diff")
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert (result["changed"], result["outcome"], result["debt_after"]) == (True, "planned", "0")
    assert '-    "debt": "100"' in run.stdout and '+    "debt": "0"' in run.stdout
    assert posts(sim) == [] and sim_account(sim)["debts"]["USDC"] == "100"


def test_module_defaults_group_supplies_the_options_of_every_module(sim, playbook):
    run = playbook("""
        - hosts: localhost
          gather_facts: false
          module_defaults:
            group/cryptoops.okx.okx:
              api_url: %s
              api_key: e2e-live-key
              api_secret: %s
              api_passphrase: %s
          tasks:
            - name: info
              cryptoops.okx.okx_one_click_repay_info:
            - name: repay
              cryptoops.okx.okx_one_click_repay:
                debt_ccy: USDC
                repay_ccy_list: [USDC, BTC]
            - name: account
              cryptoops.okx.okx_one_click_repay_account:
                wait: false
        """ % (sim.url, SECRET, PASSPHRASE), creds=False)
    assert run.rc == 0, run.stdout
    assert run.result("info")["result"]["debts"] == [{"debt_ccy": "USDC", "debt_amt": "100"}]
    assert run.result("repay")["result"]["changed"] is True
    assert run.result("account")["result"]["in_flight"] == [] or run.result("account")["result"]["changed"] is False
    assert len(posts(sim)) == 1


def test_the_task_environment_feeds_the_options(sim, playbook):
    """environment: on a task reaches the env fallbacks in the worker as it would reach a module process."""
    run = playbook(repay_play() + "      environment:\n        OKX_API_PASSPHRASE: %s\n" % PASSPHRASE,
                   env={"OKX_API_PASSPHRASE": "not-the-passphrase"})
    assert run.rc == 0, run.stdout


def test_a_demo_key_with_the_demo_flag_from_the_environment(sim, playbook):
    run = playbook(repay_play("USDT", "[USDT]"), env={"OKX_API_KEY": "e2e-demo-key", "OKX_API_SECRET": DEMO_SECRET,
                                                      "OKX_DEMO": "true"})
    assert run.rc == 0, run.stdout
    assert [(entry["account"], entry["demo"]) for entry in posts(sim)] == [("demo", True)]


@pytest.mark.parametrize("env, code, hint", [
    ({"OKX_API_PASSPHRASE": "wrong-passphrase"}, "50105", "api_passphrase"),
    ({"OKX_API_SECRET": "wrong-secret"}, "50113", "api_secret"),
    ({"OKX_DEMO": "true"}, "50101", "live API key used with demo: true"),
], ids=["wrong-passphrase", "wrong-secret", "live-key-on-demo"])
def test_authentication_errors_say_what_to_fix(sim, playbook, env, code, hint):
    result = playbook(repay_play(), env=env).failed("repay")
    assert (result["okx_code"], result["http_status"]) == (code, 401)
    assert hint in result["msg"] and posts(sim) == []


def test_an_account_not_in_spot_mode(sim, playbook):
    result = playbook(repay_play("USDT", "[USDT]"), env={"OKX_API_KEY": "e2e-margin-key"}).failed("repay")
    assert result["okx_code"] == "51010" and "(acctLv 1, 3, 4)" in result["msg"]


def test_a_yaml_boolean_in_a_currency_list_is_refused_before_any_request(sim, playbook):
    result = playbook(repay_play(repay_ccy_list="[USDT, true]")).failed("repay")
    assert "repay_ccy_list: True is not an OKX currency symbol" in result["msg"]
    assert sim.log() == []


@pytest.mark.parametrize("skew", [600, -600], ids=["okx-10-min-ahead", "okx-10-min-behind"])
def test_clock_skew_both_ways_is_corrected(sim, playbook, skew):
    sim.set_clock_skew(skew)
    run = playbook(repay_play())
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    assert "50102" in [entry.get("code") for entry in sim.log()]
    assert len(posts(sim)) == 1


def test_5xx_and_busy_replies_are_retried(sim, playbook):
    sim.set_faults([
        {"path": "/api/v5/trade/one-click-repay-currency-list-v2", "method": "GET", "kind": "http_500"},
        {"path": "/api/v5/trade/one-click-repay-v2", "method": "POST", "kind": "busy"},
    ])
    run = playbook(repay_play())
    assert run.rc == 0, run.stdout
    assert [entry["http_status"] for entry in posts(sim)] == [503, 200]
    assert len(executed(sim)) == 1


@pytest.fixture
def many_debts(state):
    """Six debts on the main account, for three forks that repay two each."""
    ccys = ["USDC", "ETH", "SOL", "XRP", "DOGE", "ADA"]
    state["accounts"][0].update(debts=dict((ccy, "1") for ccy in ccys), balances={"USDT": "100000"})
    state["prices"].update({"SOL": "150", "XRP": "0.5", "DOGE": "0.1", "ADA": "0.4"})
    return ccys


def spaced(sim):
    """The smallest gap between two calls of one user to one rate-limited endpoint, and how many 50011s."""
    by_user = {}
    for entry in sim.log():
        if "one-click-repay" in entry["path"]:
            by_user.setdefault((entry["uid"], entry["path"].split("?")[0]), []).append(entry["monotonic"])
    gaps = [b - a for times in by_user.values() for a, b in zip(sorted(times), sorted(times)[1:])]
    return min(gaps), sum(entry.get("code") == "50011" for entry in sim.log())


def test_rate_limit_across_loops_and_forks(many_debts, sim, playbook):
    run = playbook("""
        - hosts: all
          gather_facts: false
          vars:
            ccys: %s
          tasks:
            - name: repay
              cryptoops.okx.okx_one_click_repay:
                debt_ccy: "{{ item }}"
                repay_ccy_list: [USDT]
              loop: "{{ ccys[ansible_play_hosts_all.index(inventory_hostname) * 2:][:2] }}"
        """ % many_debts, "-i", "acct1,acct2,acct3", "--forks", "3")
    assert run.rc == 0, run.stdout
    assert sorted(entry["debt_ccy"] for entry in posts(sim)) == sorted(many_debts)
    smallest, rate_limited = spaced(sim)
    assert smallest >= 2.0 and rate_limited == 0


def test_two_api_keys_of_one_account_share_its_rate_limit(many_debts, state, sim, playbook):
    """OKX limits per User ID: the second key's calls wait for the first's, instead of meeting 50011."""
    second = dict(state["accounts"][0], name="main-key2", api_key="e2e-live-key-2")
    sim.reset(dict(state, accounts=state["accounts"] + [second]))
    sim.set_faults([])
    run = playbook("""
        - hosts: all
          gather_facts: false
          tasks:
            - name: repay
              cryptoops.okx.okx_one_click_repay:
                api_key: "{{ 'e2e-live-key' if inventory_hostname == 'k1' else 'e2e-live-key-2' }}"
                debt_ccy: "{{ 'USDC' if inventory_hostname == 'k1' else 'ETH' }}"
                repay_ccy_list: [USDT]
        """, "-i", "k1,k2", "--forks", "2")
    assert run.rc == 0, run.stdout
    smallest, rate_limited = spaced(sim)
    assert smallest >= 2.0 and rate_limited == 0


def test_no_secret_in_output_or_in_any_file_left_behind(sim, playbook):
    ok = playbook(repay_play(), "-vvvv")
    failed = playbook(repay_play(), "-vvvv", env={"OKX_API_PASSPHRASE": PASSPHRASE + "-wrong"})
    assert ok.rc == 0 and failed.rc != 0
    texts = [("output", ok.stdout + ok.stderr + failed.stdout + failed.stderr)] + list(playbook.files())
    assert any(os.sep + "cryptoops.okx" + os.sep in path for path, _text in texts), "the state dir was searched"
    for secret in (SECRET, PASSPHRASE):
        assert not [path for path, text in texts if secret in text]


def test_a_module_routed_to_the_shared_action_plugin_runs_in_the_worker(sim, playbook, tmp_path):
    """docs/architecture.md: a new module needs no action plugin file of its own, only a routing line."""
    collections = tmp_path / "collections"
    shutil.copytree(os.path.join(COLLECTIONS_PATH, "ansible_collections"), str(collections / "ansible_collections"))
    root = collections / "ansible_collections" / "cryptoops" / "okx"
    os.remove(str(root / "plugins" / "action" / "okx_one_click_repay.py"))
    with open(str(root / "meta" / "runtime.yml"), "a") as handle:
        handle.write("plugin_routing:\n  modules:\n    okx_one_click_repay:\n"
                     "      action_plugin: cryptoops.okx.okx_one_click_repay_info\n")
    run = playbook(repay_play(), "-vvv", env={"ANSIBLE_COLLECTIONS_PATH": str(collections)})
    assert run.rc == 0, run.stdout
    assert "AnsiballZ" not in run.stdout
    assert run.result("repay")["result"]["outcome"] == "accepted"
