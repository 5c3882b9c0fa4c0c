# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx/configure_awx.yml runs to its last task on the ansible-core it targets, as docs/awx.md says to run it.

No AWX controller (nor Galaxy, for awx.awx) can be reached here. A stand-in awx.awx collection, one action plugin per
module the playbook uses, records each task's arguments after Ansible templated them: what would fail before any
controller is contacted (templating, lookups, the variables file, vaulted values) fails here too.
"""

import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
RECORDER = '''
import json, os
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        with open(os.environ["AWX_STAND_IN_LOG"], "a") as handle:
            handle.write(json.dumps({"module": self._task.action, "args": self._task.args}, default=str) + "\\n")
        return {"changed": True}
'''


def awx_modules():
    with open(os.path.join(REPO, "awx", "configure_awx.yml")) as handle:
        tasks = yaml.safe_load(handle)[0]["tasks"]
    return sorted(set(key for task in tasks for key in task if key.startswith("awx.awx.")))


def test_configure_awx_templates_every_task_and_schedules_with_a_literal_rrule(tmp_path):
    plugins = tmp_path / "collections" / "ansible_collections" / "awx" / "awx" / "plugins" / "action"
    plugins.mkdir(parents=True)
    for module in awx_modules():
        (plugins / (module.split(".")[-1] + ".py")).write_text(RECORDER)
    log = tmp_path / "awx.jsonl"
    secrets = {"vault_okx_api_key": "k", "vault_okx_api_secret": "s", "vault_okx_api_passphrase": "p",
               "vault_okx_inventory_vault_password": "v"}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), AWX_STAND_IN_LOG=str(log),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", HOME=str(tmp_path))
    run = subprocess.run([os.path.join(BIN, "ansible-playbook"), "awx/configure_awx.yml", "-e", "@awx/example-vars.yml",
                          "-e", json.dumps(secrets)], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(set(call["module"] for call in calls)) == awx_modules()
    schedule = [call["args"] for call in calls if call["module"] == "awx.awx.schedule"][0]
    assert schedule["rrule"] == "DTSTART;TZID=UTC:20270101T000500 RRULE:FREQ=HOURLY;INTERVAL=1"
    credential_type = [call["args"] for call in calls if call["module"] == "awx.awx.credential_type"][0]
    assert credential_type["injectors"]["env"]["OKX_API_KEY"] == "{{ api_key }}"
