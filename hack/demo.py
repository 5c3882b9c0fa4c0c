"""`make demo`: the collection against the OKX simulator, as a user runs it, with no OKX account.

1. playbooks/example_repay.yml (one account, credentials from the environment): check mode, for real, again.
2. The role on examples/inventory (two accounts, vaulted credentials; the demo vault password is in
   examples/demo-vault-password): check mode, for real, again.

The simulator runs on 127.0.0.1 with the demo accounts of tests/simulator/states.py (demo()), and is stopped at the
end. Run from the repository root with it on PYTHONPATH (the Makefile does): `hack/demo.py [COLLECTIONS_PATH]`, where
COLLECTIONS_PATH holds the installed collection (`make build-install`'s build/installed by default). ansible-playbook
looks there and nowhere else (not in ~/.ansible/collections), with a private HOME and none of the caller's ANSIBLE_*
or OKX_* variables; it prints what a user's run prints, warnings included.
"""

import json
import os
import subprocess
import sys
import tempfile

from tests.simulator.harness import start_simulator
from tests.simulator.states import DEMO_ACCOUNTS, demo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def debts(sim):
    return {account["name"]: account["debts"] for account in sim.state()["accounts"]}


def run(title, command, env, sim):
    print("\n=== %s\n$ %s" % (title, " ".join(command)), flush=True)
    subprocess.run([os.path.join(BIN, command[0])] + command[1:], env=env, cwd=REPO, check=True)
    posts = [entry for entry in sim.log() if entry["method"] == "POST"]
    print("--> repay POSTs so far: %d; debts now: %s" % (len(posts), json.dumps(debts(sim))), flush=True)


def main():
    collections = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(REPO, "build", "installed")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "cryptoops", "okx")):
        sys.exit("the collection is not installed in %s: run `make build-install` first" % collections)
    main_account = DEMO_ACCOUNTS["okx-main"]
    with tempfile.TemporaryDirectory(prefix="okx-demo-") as tmp:
        sim = start_simulator(demo(), os.path.join(tmp, "sim"))
        try:
            env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "OKX_"))}
            env.update(ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                       ANSIBLE_PYTHON_INTERPRETER=sys.executable, HOME=tmp, OKX_API_URL=sim.url, OKX_DEMO="true")
            print("OKX simulator at %s (demo trading); debts: %s" % (sim.url, json.dumps(debts(sim))))

            one = dict(env, OKX_API_KEY=main_account["api_key"], OKX_API_SECRET=main_account["secret"],
                       OKX_API_PASSPHRASE=main_account["passphrase"])
            playbook = ["ansible-playbook", "-i", "localhost,", "cryptoops.okx.example_repay"]
            run("1. one account, credentials in the environment: what would be repaid", playbook + ["--check", "--diff"],
                one, sim)
            run("1. repay for real", playbook + ["--diff"], one, sim)
            run("1. again: nothing left to repay, nothing changes", playbook, one, sim)

            sim.reset(demo())
            role = ["ansible-playbook", "-i", "examples/inventory", "cryptoops.okx.one_click_repay",
                    "--vault-password-file", "examples/demo-vault-password"]
            run("2. the role on two accounts, vaulted credentials: what would be repaid", role + ["--check"], env, sim)
            run("2. repay for real", role, env, sim)
            run("2. again: nothing left to repay, nothing changes", role, env, sim)
        finally:
            sim.stop()
    print("\nSimulator stopped.")


if __name__ == "__main__":
    main()
