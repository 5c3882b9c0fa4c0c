# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends every task result as a JSON line to $RESULT_LOG, for the end-to-end tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: result_log
type: notification
short_description: Write each task result as a JSON line to the file named by RESULT_LOG (tests only)
description:
  - Used by the end-to-end tests to assert on module results without parsing the human output.
requirements:
  - the RESULT_LOG environment variable
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "result_log"
    CALLBACK_NEEDS_ENABLED = True

    def _log(self, result, status):
        path = os.environ.get("RESULT_LOG")
        if not path:
            return
        entry = dict(task=result.task_name, host=result.host.get_name(), status=status, result=result.result)
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._log(result, "changed" if result.result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._log(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._log(result, "skipped")

    def v2_runner_item_on_ok(self, result):
        self._log(result, "item_changed" if result.result.get("changed") else "item_ok")

    def v2_runner_item_on_failed(self, result):
        self._log(result, "item_failed")
