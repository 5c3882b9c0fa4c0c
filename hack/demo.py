"""`make demo`: the example playbook against the OKX simulator, in check mode, for real, and again.

Needs no OKX account and no network: the simulator runs on 127.0.0.1 with the seeded demo account of
tests/simulator/demo-state.json, and is stopped at the end.
"""

import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.simulator.harness import start_simulator  # noqa: E402  pylint: disable=wrong-import-position


def debts(sim):
    return {account["name"]: account["debts"] for account in sim.state()["accounts"]}


def main():
    collections = os.path.join(REPO, "build", "installed")
    with open(os.path.join(REPO, "tests", "simulator", "demo-state.json")) as handle:
        state = json.load(handle)
    account = state["accounts"][0]
    with tempfile.TemporaryDirectory(prefix="okx-demo-") as tmp:
        sim = start_simulator(state, os.path.join(tmp, "sim"))
        try:
            print("OKX simulator at %s; debts: %s" % (sim.url, debts(sim)))
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                       ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", TMPDIR=tmp,
                       OKX_API_URL=sim.url, OKX_API_KEY=account["api_key"], OKX_API_SECRET=account["secret"],
                       OKX_API_PASSPHRASE=account["passphrase"], OKX_DEMO=str(account.get("env") == "demo").lower())
            steps = [("check mode: what would be repaid", ["--check", "--diff"]),
                     ("repay for real", ["--diff"]),
                     ("again: nothing left to repay, nothing changes", [])]
            for title, args in steps:
                print("\n=== %s: ansible-playbook cryptoops.okx.example_repay %s" % (title, " ".join(args)), flush=True)
                subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                                "cryptoops.okx.example_repay"] + args, env=env, check=True)
                posts = [entry for entry in sim.log() if entry["method"] == "POST"]
                print("--> repay POSTs so far: %d; debts now: %s" % (len(posts), debts(sim)))
        finally:
            sim.stop()
    print("\nSimulator stopped.")


if __name__ == "__main__":
    main()
