# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""python -m tests.simulator [--port N] [--state FILE] [--host H]: the OKX simulator for a person, in one command.

Checks its requirements, serves the demo accounts (states.demo()) or another state, prints the URL, a table of the
accounts and how to point a playbook at them, then serves until Ctrl-C. Run from the repository root.
"""

import argparse
import json
import os
import sys
import tempfile

MINIMUM_PYTHON = (3, 12)


def missing_requirements():
    """What is missing to serve over HTTP, in words (empty when nothing is)."""
    missing = []
    if sys.version_info < MINIMUM_PYTHON:
        missing.append("Python >= %d.%d (this is %d.%d: %s)" % (MINIMUM_PYTHON + sys.version_info[:2] + (sys.executable,)))
    try:
        import werkzeug  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        missing.append("werkzeug (not importable by %s)" % sys.executable)
    return missing


def table(rows):
    """Rows of texts as aligned columns."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def book(amounts):
    """{ccy: amount} as 'USDC 100, ETH 0.5' ('-' when empty)."""
    return ", ".join("%s %s" % item for item in amounts.items()) or "-"


def describe(url, state, state_path):
    """What a person needs to use the simulator: the accounts and how to point a playbook at them."""
    rows = [("name", "env", "api key", "secret", "passphrase", "debts", "balances")]
    rows += [(spec.get("name", ""), spec.get("env", "live"), spec["api_key"], spec["secret"], spec["passphrase"],
              book(spec.get("debts", {})), book(spec.get("balances", {}))) for spec in state["accounts"]]
    first = state["accounts"][0]
    demo = "true" if first.get("env") == "demo" else "false"
    return "\n".join([
        "State: %s (repays settle %s s after their POST)" % (state_path, state.get("settle_delay", 3.0)),
        "Accounts:",
        table(rows),
        "",
        "Point a playbook at it (api_url takes http:// on loopback hosts only; demo: true for an env demo account):",
        "  OKX_API_URL=%s OKX_DEMO=%s OKX_API_KEY=%s OKX_API_SECRET=%s OKX_API_PASSPHRASE=%s \\" % (
            url, demo, first["api_key"], first["secret"], first["passphrase"]),
        "    ansible-playbook -i localhost, cryptoops.okx.example_repay",
        "  or, per host: okx_repay_api_url: %s, okx_repay_demo: %s, okx_repay_api_key / _secret / _passphrase as above" % (url, demo),
        "  (the demo accounts are examples/inventory's: ansible-playbook -i examples/inventory cryptoops.okx.one_click_repay"
        " -e okx_repay_api_url=%s --vault-password-file examples/demo-vault-password)" % url,
        "Admin API: %s/__sim__/state, /__sim__/log (tests/simulator/README.md)" % url,
        "Serving until Ctrl-C.",
    ])


def main(argv=None):
    """Check the requirements, then serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", help="a state file to serve instead of the demo accounts (tests/simulator/README.md)")
    args = parser.parse_args(argv)
    missing = missing_requirements()
    if missing:
        sys.stderr.write("The OKX simulator needs %s.\nRun `make venv` and use .venv/bin/python -m tests.simulator, "
                         "or `pip install werkzeug` into a Python >= 3.12.\n" % " and ".join(missing))
        return 2
    from tests.simulator import okx_simulator, states  # pylint: disable=import-outside-toplevel

    with tempfile.TemporaryDirectory(prefix="okx-simulator-") as tmp:
        if args.state:
            state_path = os.path.abspath(args.state)
            with open(state_path, encoding="utf-8") as handle:
                state = json.load(handle)
        else:
            state, state_path = states.demo(), os.path.join(tmp, "state.json")
            with open(state_path, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=2)

        def ready(url, _simulator):
            print(okx_simulator.BANNER + url)
            print(describe(url, state, state_path), flush=True)

        okx_simulator.serve(state, args.host, args.port, os.path.join(tmp, "requests.jsonl"), ready=ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
