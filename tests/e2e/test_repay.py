# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users run it: ansible-playbook processes against the OKX simulator."""

import os

import pytest

from conftest import PASSPHRASE, SECRET, DEMO_SECRET

REPAY_PATH = "/api/v5/trade/one-click-repay-v2"

REPAY_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: repay
      cryptoops.okx.okx_one_click_repay:
        debt_ccy: {debt_ccy}
        repay_ccy_list: {repay_ccy_list}
        wait: {wait}
{extra}
"""


def repay_play(debt_ccy="USDC", repay_ccy_list="[USDC, BTC]", wait="true", **options):
    extra = "".join("        %s: %s\n" % item for item in options.items())
    return REPAY_PLAY.format(debt_ccy=debt_ccy, repay_ccy_list=repay_ccy_list, wait=wait, extra=extra)


def posts(sim):
    return [entry for entry in sim.log() if entry["method"] == "POST" and entry["path"].startswith(REPAY_PATH)]


def account(sim, name="main"):
    return next(acc for acc in sim.state()["accounts"] if acc["name"] == name)


def assert_clean_failure(run, task="repay"):
    entry = run.result(task)
    assert run.rc != 0
    assert entry["status"] == "failed"
    assert "Traceback" not in run.stdout + run.stderr
    assert "exception" not in entry["result"] or "Traceback" not in entry["result"]["exception"]
    return entry["result"]


def test_repay_then_second_run_changes_nothing(sim, playbook):
    first = playbook(repay_play())
    assert first.rc == 0, first.stdout
    result = first.result("repay")["result"]
    assert result["changed"] is True
    assert result["ts"].isdigit()
    assert result["debt_before"] == "100"
    assert result["status"] == "filled"
    assert result["debt_after"] == "0"
    assert len(posts(sim)) == 1
    assert "USDC" not in account(sim)["debts"] or float(account(sim)["debts"]["USDC"]) == 0

    second = playbook(repay_play())
    assert second.rc == 0, second.stdout
    assert second.result("repay")["result"]["changed"] is False
    assert len(posts(sim)) == 1, "the second run posted again"


def test_check_mode_posts_nothing_and_predicts(sim, playbook):
    run = playbook(repay_play(wait="false"), "--check", "--diff")
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert result["changed"] is True
    assert result["debt_before"] == "100" and result["debt_after"] == "0"
    assert result["diff"] == {"before": {"debt_ccy": "USDC", "debt": "100"}, "after": {"debt_ccy": "USDC", "debt": "0"}}
    assert '-    "debt": "100"' in run.stdout and '+    "debt": "0"' in run.stdout
    assert posts(sim) == []
    assert account(sim)["debts"]["USDC"] == "100"


def test_diff_shows_the_debt_before_and_after(sim, playbook):
    run = playbook(repay_play(), "--diff")
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["diff"]["after"]["debt"] == "0"
    assert '+    "debt": "0"' in run.stdout


def test_module_defaults_group_supplies_credentials(sim, playbook):
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
        """ % (sim.url, SECRET, PASSPHRASE), creds=False)
    assert run.rc == 0, run.stdout
    assert run.result("info")["result"]["debts"] == [{"debt_ccy": "USDC", "debt_amt": "100"}]
    assert run.result("repay")["result"]["changed"] is True
    assert len(posts(sim)) == 1


def test_demo_key_with_demo_flag_from_env(sim, playbook):
    run = playbook(repay_play("USDT", "[USDT]"), env={"OKX_API_KEY": "e2e-demo-key", "OKX_API_SECRET": DEMO_SECRET,
                                                      "OKX_DEMO": "true"})
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    assert [(entry["account"], entry["demo"]) for entry in posts(sim)] == [("demo", True)]


@pytest.mark.parametrize("env, code, hint", [
    ({"OKX_API_KEY": "no-such-key"}, "50111", "api_key"),
    ({"OKX_API_PASSPHRASE": "wrong-passphrase"}, "50105", "passphrase"),
    ({"OKX_API_SECRET": "wrong-secret"}, "50113", "api_secret"),
    ({"OKX_DEMO": "true"}, "50101", "demo"),
    ({"OKX_API_KEY": "e2e-demo-key", "OKX_API_SECRET": DEMO_SECRET}, "50101", "demo"),
], ids=["wrong-key", "wrong-passphrase", "wrong-secret", "live-key-on-demo", "demo-key-on-live"])
def test_credential_errors_say_what_to_fix(sim, playbook, env, code, hint):
    run = playbook(repay_play(), env=env)
    result = assert_clean_failure(run)
    assert result["okx_code"] == code
    assert result["http_status"] == 401
    assert hint in result["msg"]
    assert posts(sim) == []


def test_account_not_in_spot_mode(sim, playbook):
    run = playbook(repay_play("USDT", "[USDT]", force="true"), env={"OKX_API_KEY": "e2e-margin-key"})
    result = assert_clean_failure(run)
    assert "Spot mode" in result["msg"]
    assert result["okx_code"] and result["okx_code"] != "0"


@pytest.mark.parametrize("debt_ccy, repay_ccy_list, force", [
    ("NOPECOIN", "[USDT]", "true"),
    ("USDC", "[NOPECOIN, USDT]", "false"),
], ids=["debt-ccy", "repay-ccy"])
def test_unsupported_currency(sim, playbook, debt_ccy, repay_ccy_list, force):
    run = playbook(repay_play(debt_ccy, repay_ccy_list, force=force))
    result = assert_clean_failure(run)
    assert result["okx_code"] == "51000"
    assert "check debt_ccy and repay_ccy_list" in result["msg"]
    assert "NOPECOIN" not in account(sim)["debts"]
    assert account(sim)["history"] == []


@pytest.mark.parametrize("debt_ccy, repay_ccy_list, message", [
    ('""', "[USDT]", "debt_ccy"),
    ("USDC", "[]", "repay_ccy_list must list at least one currency"),
    ("USDC", "[USDT, USDT]", "listed more than once"),
    ("USDC", "[usdt, ' USDT ']", "listed more than once"),
    ("USDC", '[USDT, ""]', "repay_ccy_list"),
    ("123", "[USDT]", "not an OKX currency symbol"),
    ("USDC", "[{a: 1}]", "not an OKX currency symbol"),
    ("'US DC'", "[USDT]", "not an OKX currency symbol"),
], ids=["empty-debt", "empty-list", "duplicate", "duplicate-after-normalizing", "empty-element", "digits-only",
        "non-string", "space-inside"])
def test_bad_input_fails_before_any_request(sim, playbook, debt_ccy, repay_ccy_list, message):
    run = playbook(repay_play(debt_ccy, repay_ccy_list))
    result = assert_clean_failure(run)
    assert message in result["msg"]
    assert sim.log() == []


def test_lower_case_codes_are_normalized(sim, playbook):
    run = playbook(repay_play(" usdc ", "[usdc, btc]"))
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert result["debt_ccy"] == "USDC" and result["repay_ccy_list"] == ["USDC", "BTC"]


def test_missing_options(sim, playbook):
    run = playbook("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: repay
              cryptoops.okx.okx_one_click_repay:
                debt_ccy: USDC
        """, env={"OKX_API_SECRET": ""}, creds=True)
    result = assert_clean_failure(run)
    assert "repay_ccy_list" in result["msg"]


def test_non_loopback_http_url_is_refused(sim, playbook):
    run = playbook(repay_play(), env={"OKX_API_URL": "http://okx.example.com"})
    result = assert_clean_failure(run)
    assert "https://" in result["msg"]
    assert sim.log() == []


def test_clock_skew_is_corrected(sim, playbook):
    sim.set_clock_skew(120)
    run = playbook(repay_play())
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    codes = [entry.get("code") for entry in sim.log()]
    assert "50102" in codes
    assert len(posts(sim)) == 1


def test_5xx_and_busy_replies_are_retried(sim, playbook):
    sim.set_faults([
        {"path": "/api/v5/trade/one-click-repay-currency-list-v2", "method": "GET", "kind": "http_500", "times": 1},
        {"path": REPAY_PATH, "method": "POST", "kind": "busy", "times": 1},
    ])
    run = playbook(repay_play())
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    assert [entry.get("http_status") for entry in posts(sim)] == [503, 200]


def test_lost_post_reply_never_repays_twice(sim, playbook):
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "slow", "delay": 4, "times": 1}])
    run = playbook(repay_play(timeout=1.5))
    assert run.rc == 0, run.stdout
    result = run.result("repay")["result"]
    assert result["reconciled"] is True
    assert result["status"] == "filled"
    assert len(posts(sim)) == 1
    assert len(account(sim)["history"]) == 1


def test_lost_post_that_did_not_run_is_posted_again(sim, playbook):
    sim.set_faults([{"path": REPAY_PATH, "method": "POST", "kind": "drop", "apply": False, "times": 1}])
    run = playbook(repay_play())
    assert run.rc == 0, run.stdout
    assert run.result("repay")["result"]["status"] == "filled"
    assert len(posts(sim)) == 2
    assert len(account(sim)["history"]) == 1


@pytest.fixture
def many_debts(state):
    """Six debts on the main account, for three forks that repay two each."""
    ccys = ["USDC", "ETH", "SOL", "XRP", "DOGE", "ADA"]
    state["accounts"][0]["debts"] = dict((ccy, "1") for ccy in ccys)
    state["accounts"][0]["balances"] = {"USDT": "100000"}
    state["prices"].update({"SOL": "150", "XRP": "0.5", "DOGE": "0.1", "ADA": "0.4"})
    return ccys


def test_rate_limit_loop_and_forks(many_debts, sim, playbook):
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
    all_posts = posts(sim)
    assert sorted(entry["debt_ccy"] for entry in all_posts) == sorted(many_debts)
    assert all(entry.get("code") != "50011" for entry in sim.log())
    times = sorted(entry["monotonic"] for entry in all_posts)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 2.0, gaps


def test_secrets_appear_nowhere(sim, playbook):
    ok = playbook(repay_play(), "-vvvv")
    failed = playbook(repay_play(), "-vvvv", env={"OKX_API_PASSPHRASE": PASSPHRASE + "-wrong"})
    assert ok.rc == 0 and failed.rc != 0
    texts = [ok.stdout, ok.stderr, failed.stdout, failed.stderr]
    for root in (str(playbook.tmp), str(playbook.work)):
        for folder, _dirs, files in os.walk(root):
            for name in files:
                with open(os.path.join(folder, name), "rb") as handle:
                    texts.append(handle.read().decode("utf-8", "replace"))
    for secret in (SECRET, PASSPHRASE):
        leaks = [text[:200] for text in texts if secret in text]
        assert not leaks, "secret found in output or files: %s" % leaks
