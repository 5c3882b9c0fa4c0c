# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process path: a module's run() in the controller's worker validates, masks and reports as the module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.utils.display import Display

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import NO_LOG_WARNING
from ansible_collections.cryptoops.okx.plugins.modules import okx_one_click_repay
from ansible_collections.cryptoops.okx.plugins.plugin_utils._okx_action import (
    ControllerModule,
    OKXAction,
    _ModuleExit,
)
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import CREDENTIALS, SECRET, URL

NAME = "cryptoops.okx.okx_one_click_repay"
ARGS = dict(CREDENTIALS, api_url=URL, debt_ccy="USDC", repay_ccy_list=["USDT"])


def in_worker(args, check_mode=False, diff=False):
    with pytest.raises(_ModuleExit) as done:
        okx_one_click_repay.run(ControllerModule(NAME, args, check_mode, diff, **okx_one_click_repay.MODULE))
    return done.value.result


def test_the_module_runs_in_the_worker_with_the_same_result(sim, clock, run_in_worker, run_in_process):
    worker = run_in_worker(okx_one_click_repay.main, dict(ARGS, wait=True))
    sim.add_debt("USDC", 100)
    clock.now += 10
    process = run_in_process(okx_one_click_repay.main, dict(ARGS, wait=True))
    assert sorted(worker) == sorted(process)
    assert (worker["changed"], worker["outcome"], worker["status"]) == (True, "accepted", "filled")


def test_options_are_validated_as_ansible_module_does(okx):
    assert in_worker(dict(ARGS, colour="blue"))["msg"] == (
        "Unsupported parameters for (%s) module: colour. Supported parameters include: " % NAME
        + ", ".join(sorted(list(okx_one_click_repay.MODULE["argument_spec"]) + list(CREDENTIALS) + [
            "api_url", "demo", "retries", "sync_time", "timeout", "validate_certs"])) + ".")
    assert in_worker({k: v for k, v in ARGS.items() if k != "debt_ccy"})["msg"] == \
        "missing required arguments: debt_ccy"
    assert "repay_ccy_list: True" in in_worker(dict(ARGS, repay_ccy_list=["USDT", True]))["msg"]
    assert len(okx.calls) == 0


def test_secrets_are_masked_in_what_the_worker_returns():
    module = ControllerModule(NAME, ARGS, False, False, **okx_one_click_repay.MODULE)
    with pytest.raises(_ModuleExit) as done:
        module.fail_json(msg="something quoted %s" % SECRET, detail=SECRET)
    assert SECRET not in repr(done.value.result)
    assert done.value.result["failed"] is True


def test_warnings_go_to_the_result_masked_never_to_the_display(monkeypatch):
    monkeypatch.setattr(Display, "warning", lambda *args, **kwargs: pytest.fail("a warning reached the display"))
    module = ControllerModule(NAME, ARGS, False, False, **okx_one_click_repay.MODULE)
    module.warn("the secret is %s" % SECRET)
    module.warn("the secret is %s" % SECRET)
    module.warn("another")
    with pytest.raises(_ModuleExit) as done:
        module.exit_json(changed=False)
    assert done.value.result["warnings"] == ["the secret is ********", "another"], "masked, each once"
    with pytest.raises(_ModuleExit) as done:
        ControllerModule(NAME, ARGS, False, False, **okx_one_click_repay.MODULE).exit_json(changed=False)
    assert "warnings" not in done.value.result, "none, as a module process returns none"


def test_a_warning_of_a_no_log_task_says_only_that_it_was_hidden(sim, run_module):
    """ansible-core prints a no_log task's warnings (it keeps them when it hides the result), in both paths."""
    shown = run_module(okx_one_click_repay.main, dict(ARGS, debt_ccy="USDCC"))
    hidden = run_module(okx_one_click_repay.main, dict(ARGS, debt_ccy="USDCC"), no_log=True)
    assert any("OKX lists no USDCC" in warning for warning in shown["warnings"])
    assert hidden["warnings"] == [NO_LOG_WARNING]
    assert hidden["outcome"] == shown["outcome"] == "none", "only the warnings differ"


class Stub:
    def __init__(self, **attributes):
        self.__dict__.update(attributes)


@pytest.mark.parametrize("transport, become, async_val, in_worker", [
    ("local", False, 0, True),
    ("ssh", False, 0, False),
    ("local", True, 0, False),
    ("local", False, 30, False),
], ids=["on-the-controller", "delegated-to-a-bastion", "become", "async"])
def test_the_module_runs_in_the_worker_only_where_it_would_run_the_same(transport, become, async_val, in_worker):
    action = OKXAction.__new__(OKXAction)
    action._connection = Stub(transport=transport)
    action._task = Stub(become=become, async_val=async_val)
    assert action._runs_on_controller() is in_worker


def action_for(monkeypatch, transport="local", become=False, async_val=0, native_async=False, no_log=False, **args):
    """An OKXAction on stub task and connection, whose _execute_module and _remove_tmp_path record their calls."""
    action = OKXAction.__new__(OKXAction)
    action._connection = Stub(transport=transport, has_native_async=native_async, _shell=Stub(tmpdir="/remote/tmp"))
    action._task = Stub(action=NAME, resolved_action=NAME, args=dict(ARGS, **args), become=become,
                        async_val=async_val, check_mode=False, diff=False, no_log=no_log)
    action.calls = []

    def execute_module(**kwargs):
        action.calls.append(("execute", kwargs))
        return dict(changed=True, ansible_job_id="j1") if kwargs["wrap_async"] else dict(changed=True, outcome="accepted")
    monkeypatch.setattr(action, "_execute_module", execute_module, raising=False)
    monkeypatch.setattr(action, "_remove_tmp_path", lambda path: action.calls.append(("remove", path)), raising=False)
    monkeypatch.setattr(action, "_compute_environment_string", lambda environment: None, raising=False)
    return action


@pytest.mark.parametrize("options, wrap_async", [
    (dict(async_val=30), True),
    (dict(async_val=30, native_async=True), False),
    (dict(transport="ssh"), False),
    (dict(become=True), False),
], ids=["async", "async-on-a-connection-with-native-async", "delegated", "become"])
def test_a_task_off_the_worker_executes_the_module_as_the_normal_action_does(monkeypatch, options, wrap_async):
    action = action_for(monkeypatch, **options)
    result = action.run(task_vars={"x": 1})  # ActionBase.run refuses async unless _supports_async
    (call, kwargs), rest = action.calls[0], action.calls[1:]
    assert call == "execute" and bool(kwargs.pop("wrap_async")) is wrap_async
    assert kwargs == dict(module_name=NAME, module_args=action._task.args, task_vars={"x": 1})
    if wrap_async:
        assert result == dict(changed=True, ansible_job_id="j1")
        assert rest == [], "the async job still needs its temporary directory"
    else:
        assert result == dict(changed=True, outcome="accepted")
        assert rest == [("remove", "/remote/tmp")]


def test_the_worker_path_passes_the_task_no_log_and_returns_the_warnings(sim, monkeypatch):
    shown, hidden = action_for(monkeypatch, debt_ccy="USDCC"), action_for(monkeypatch, debt_ccy="USDCC", no_log=True)
    shown_result, hidden_result = shown.run(task_vars={}), hidden.run(task_vars={})
    assert shown.calls == hidden.calls == [], "run in the worker, not executed as a module"
    assert shown_result["warnings"] and all("USDCC" in warning for warning in shown_result["warnings"])
    assert hidden_result["warnings"] == [NO_LOG_WARNING] and "USDCC" not in json.dumps(hidden_result["warnings"])
    assert hidden_result["outcome"] == shown_result["outcome"] == "none"
