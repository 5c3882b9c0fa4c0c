# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this plugin util may change without notice and is not a public API.
"""The action plugin of every cryptoops.okx module: run the module's own code in the controller's worker.

A task that runs on the controller (``connection: local``, or ``delegate_to: localhost``: the usual case, since the
modules only talk to OKX's API) would otherwise start a new Python for the module, unpack its payload and import
``requests`` again: about 0.3 s of CPU a task. Here the module's ``run(module)`` runs in the worker that Ansible
forked for the task, on the same options, checks and results. A task that runs elsewhere (delegated to a bastion
whose IP the API key is bound to, with become, or async) executes the module there as ansible-core's own ``normal``
action would, async included.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import importlib
import os

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_module
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import REQUESTS_IMPORT_ERROR
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import OKXModuleMixin, okx_argument_spec


class _ModuleExit(Exception):
    """How ``exit_json`` and ``fail_json`` end the module's ``run`` in the worker, as they end a module process."""

    def __init__(self, result):
        super(_ModuleExit, self).__init__()
        self.result = result


class _WorkerModuleBase:
    """What AnsibleModule gives ``OKXModuleMixin`` below it, in the worker: warnings and the end of ``run``.

    Warnings go to the task result, as a module's do (never to the worker's display, which ansible-core would show
    even for a no_log task); identical ones once, as AnsibleModule keeps them. The result, warnings included, is
    masked with the no_log values of the options.
    """

    def warn(self, warning, **_kwargs):
        if warning not in self._warnings:
            self._warnings.append(warning)

    def exit_json(self, **result):
        raise _ModuleExit(self._finish(result))

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise _ModuleExit(self._finish(result))

    def _finish(self, result):
        if self._warnings:
            result["warnings"] = list(self._warnings)
        return remove_values(result, self.no_log_values)


class ControllerModule(OKXModuleMixin, _WorkerModuleBase):
    """The part of AnsibleModule a cryptoops.okx module uses, for its ``run(module)`` in the controller's worker:
    the same argument validation (ModuleArgumentSpecValidator, as AnsibleModule), env fallbacks, no_log masking,
    warnings in the result. ``no_log`` is the task's, as AnsibleModule's ``no_log`` (``_ansible_no_log``)."""

    def __init__(self, name, args, check_mode, diff, argument_spec, supports_check_mode=False, no_log=False):
        self._name = name
        self.check_mode = check_mode
        self._diff = diff
        self.no_log = bool(no_log)
        self._warnings = []
        self.raw_params = copy.deepcopy(args)
        self.no_log_values = set()
        self.params = {}
        validation = ModuleArgumentSpecValidator(okx_argument_spec(argument_spec)).validate(args)
        self.no_log_values.update(validation._no_log_values)
        self.params = validation.validated_parameters
        if validation.error_messages:
            message = validation.errors.msg
            if type(validation.errors[0]).__name__ == "UnsupportedError":
                message = "Unsupported parameters for (%s) module: %s" % (name, message)
            self.fail_json(msg=message)
        if check_mode and not supports_check_mode:
            self.exit_json(skipped=True, msg="module (%s) does not support check mode" % name)
        if _okx_module.REQUESTS_IMPORT_ERROR:  # as OKXModule; the action plugin runs the module as a process then
            self.fail_json(msg=missing_required_lib("requests"), exception=_okx_module.REQUESTS_IMPORT_ERROR)
        self.okx_setup()


class OKXAction(ActionBase):
    """Runs the module of the task's own name in this worker when the task runs on the controller."""

    TRANSFERS_FILES = False
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(OKXAction, self).run(tmp, task_vars)
        del tmp  # no effect: _execute_module shares self._connection._shell.tmpdir
        module_name = self._task.resolved_action or self._task.action
        if not self._runs_on_controller():
            # As ansible-core's normal action: async_wrapper unless the connection runs async itself, and the
            # temporary directory left to the async job, which still needs it, when it is wrapped.
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result = merge_hash(result, self._execute_module(module_name=module_name, module_args=self._task.args,
                                                             task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        module = importlib.import_module("ansible_collections.%s.%s.plugins.modules.%s" % tuple(module_name.split(".")))
        environment = {}
        self._compute_environment_string(environment)
        saved = dict(os.environ)
        os.environ.update(dict((key, str(value)) for key, value in environment.items()))
        try:
            module.run(ControllerModule(module_name, self._task.args, self._task.check_mode, self._task.diff,
                                        no_log=self._task.no_log, **module.MODULE))
        except _ModuleExit as done:
            result.update(done.result)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return result

    def _runs_on_controller(self):
        """Whether the module would run here, as this user and this Python could run it: then it runs in-process."""
        return (self._connection.transport == "local" and not self._task.become and not self._task.async_val
                and not REQUESTS_IMPORT_ERROR)
