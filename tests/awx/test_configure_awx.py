# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""awx/configure_awx.yml runs to its last task on the ansible-core it targets, as docs/awx.md says to run it.

No AWX controller (nor Galaxy, for awx.awx) can be reached here. A stand-in awx.awx collection, one action plugin per
module the playbook uses, records each task's arguments after Ansible templated them: what would fail before any
controller is contacted (templating, lookups, the variables file, vaulted values) fails here too.
"""

import json
import os
import shutil
import subprocess
import sys

import yaml

from tests.e2e.helpers import fenced_blocks

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


def configure_awx(tmp_path, cwd=REPO, extra=()):
    """Run awx/configure_awx.yml, as docs/awx.md says, from ``cwd``, with the stand-in awx.awx: the calls it made."""
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
                          "-e", json.dumps(secrets)] + list(extra), cwd=str(cwd), env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def args_of(calls, module):
    return [call["args"] for call in calls if call["module"] == module]


def test_configure_awx_templates_every_task_and_schedules_with_a_literal_rrule(tmp_path):
    calls = configure_awx(tmp_path)
    assert sorted(set(call["module"] for call in calls)) == awx_modules()
    schedule = [call["args"] for call in calls if call["module"] == "awx.awx.schedule"][0]
    assert schedule["rrule"] == "DTSTART;TZID=UTC:20270101T000500 RRULE:FREQ=HOURLY;INTERVAL=1"
    credential_type = [call["args"] for call in calls if call["module"] == "awx.awx.credential_type"][0]
    assert credential_type["injectors"]["env"]["OKX_API_KEY"] == "{{ api_key }}"
    # Not signed unless told: no GPG Public Key credential, no signature validation.
    assert [args["credential_type"] for args in args_of(calls, "awx.awx.credential")] == ["OKX API", "Vault"]
    assert "signature_validation_credential" not in args_of(calls, "awx.awx.project")[0]


def test_a_signed_repository_is_verified_with_the_documented_variables(tmp_path):
    """docs/awx.md's variables for a signed repository, with the exported key next to configure_awx.yml."""
    blocks = [text for _where, _lang, text, reason in fenced_blocks(["docs/awx.md"])
              if reason and reason.startswith("variables of awx/configure_awx.yml")]
    assert len(blocks) == 1, blocks
    (tmp_path / "signed-vars.yml").write_text(blocks[0])
    work = tmp_path / "repo"
    shutil.copytree(os.path.join(REPO, "awx"), work / "awx")
    key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ2stand+in\n-----END PGP PUBLIC KEY BLOCK-----\n"
    (work / "awx" / "gitops-signing-key.asc").write_text(key)
    calls = configure_awx(tmp_path, cwd=work, extra=["-e", "@%s" % (tmp_path / "signed-vars.yml")])
    signing = [args for args in args_of(calls, "awx.awx.credential") if args["credential_type"] == "GPG Public Key"]
    assert signing == [{"name": "okx-gitops-signing-key", "organization": "Default", "credential_type": "GPG Public Key",
                        "inputs": {"gpg_public_key": key.rstrip("\n")}, "update_secrets": False}]
    assert args_of(calls, "awx.awx.project")[0]["signature_validation_credential"] == "okx-gitops-signing-key"
    assert args_of(calls, "awx.awx.inventory_source")[0]["source_path"] == "inventory"
