# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build simulator states (README.md, "State file") in a line or two, so tests do not write accounts by hand.

    from tests.simulator.states import account, fleet, state

    state(account("main", balances={"USDT": "5000"}, debts={"USDC": "100"}), account("demo", env="demo"))
    fleet(1000, 3)   # 1,000 accounts with 3 debts each, for benchmarks
"""

import copy
import hashlib
import uuid
from decimal import Decimal

from tests.simulator.okx_model import DEFAULT_PRICES

# Uids have 17 digits, as OKX's. Derived from a name they fall in [40000000000000000, 44800000000000000): below the
# simulator's own defaults (448000000000000NN, okx_model.DEFAULT_UID_BASE + index) and the fleet's
# (45000000000000000 + index), so the three never meet.
DERIVED_UID_BASE, DERIVED_UID_SPAN = 40000000000000000, 4800000000000000
FLEET_UID_BASE = 45000000000000000
SETTLE_DELAY = 2.0  # seconds a repay runs before it settles: OKX's take seconds (its example: 3.6 s)
# Fleet debt currencies, in the order accounts get them, with the USD price each is repaid at (USDT is 1).
FLEET_PRICES = {"USDC": "1", "BTC": "60000", "ETH": "3000", "SOL": "150", "OKB": "50", "DAI": "1",
                "XRP": "0.5", "DOGE": "0.1", "ADA": "0.4", "TRX": "0.1", "LTC": "80", "LINK": "15"}
FLEET_DEBT_USD = 100  # each fleet debt is worth this many USD


def derived(purpose, name):
    """A hex digest that is the same for the same name and differs from one name to another."""
    return hashlib.sha256(("okx-simulator:%s:%s" % (purpose, name)).encode("utf-8")).hexdigest()


def book(amounts):
    """A state's {currency: "amount"}: amounts written as strings, as OKX writes numbers."""
    return {ccy: str(amount) for ccy, amount in (amounts or {}).items()}


def account(name, *, uid=None, api_key=None, secret=None, passphrase=None, env="live", acct_lv="1",
            perm="read_only,trade", balances=None, debts=None, **extra):
    """One account of a state. The uid, API key, secret and passphrase not given are derived from ``name``: the same
    name always gives the same ones, two names different ones. ``extra`` adds other fields as they are
    (``mainUid``, ``enableSpotBorrow``, ``history``)."""
    spec = {
        "name": name,
        "uid": str(DERIVED_UID_BASE + int(derived("uid", name), 16) % DERIVED_UID_SPAN if uid is None else uid),
        "api_key": api_key or str(uuid.UUID(derived("api_key", name)[:32])),
        "secret": secret or derived("secret", name)[:32].upper(),
        "passphrase": passphrase or "Sim-" + derived("passphrase", name)[:12],
        "env": env,
        "acctLv": str(acct_lv),
        "perm": perm,
        "balances": book(balances),
        "debts": book(debts),
    }
    spec.update(extra)
    return spec


def state(*accounts, prices=None, settle_delay=SETTLE_DELAY, history_lag=0, **extra):
    """A state with these accounts (an account dict, or a name for ``account(name)``); ``extra`` adds other fields
    (``currencies``). Two accounts with the same name, uid or API key are refused here rather than by the simulator."""
    specs = [account(spec) if isinstance(spec, str) else copy.deepcopy(spec) for spec in accounts]
    for field in ("name", "uid", "api_key"):
        values = [str(spec[field]) for spec in specs if field in spec]
        if len(set(values)) != len(values):
            raise ValueError("two accounts share a %s" % field)
    result = {"accounts": specs, "settle_delay": settle_delay, "history_lag": history_lag}
    if prices is not None:
        result["prices"] = book(prices)
    result.update(extra)
    return result


def fleet(n_accounts, debts_per_account, *, prefix="acct", settle_delay=SETTLE_DELAY, history_lag=0, **extra):
    """``n_accounts`` Spot-mode accounts (``acct0000``, ``acct0001``, ...; uids 45000000000000000 + index), each owing the
    first ``debts_per_account`` currencies of FLEET_PRICES (about 100 USD each, prices given in the state) with
    enough USDT to repay them all: the state for benchmarks and scale tests."""
    if not 0 <= debts_per_account <= len(FLEET_PRICES):
        raise ValueError("debts_per_account must be between 0 and %d" % len(FLEET_PRICES))
    owed = list(FLEET_PRICES)[:debts_per_account]
    debts = {ccy: format((Decimal(FLEET_DEBT_USD) / Decimal(FLEET_PRICES[ccy])).quantize(Decimal("0.00000001")).normalize(), "f")
             for ccy in owed}
    usdt = str(FLEET_DEBT_USD * debts_per_account * 2 + 1000)
    width = len(str(max(n_accounts - 1, 0)))
    accounts = [account("%s%0*d" % (prefix, max(width, 4), index), uid=FLEET_UID_BASE + index, balances={"USDT": usdt},
                        debts=debts) for index in range(n_accounts)]
    prices = dict({ccy: FLEET_PRICES[ccy] for ccy in owed}, USDT=DEFAULT_PRICES["USDT"])
    return state(*accounts, prices=prices, settle_delay=settle_delay, history_lag=history_lag, **extra)


# --- the named states of the project's demo and scenarios: one place for each --------------------------------------

# The demo accounts: examples/inventory holds their credentials, vaulted with the password in
# examples/demo-vault-password. Simulator accounts of demo trading, never real ones.
DEMO_ACCOUNTS = {
    "okx-main": dict(uid="44800000000000042", api_key="demo-4f1c2a7e-0b9d-4e43-9a55-5c1e0d2b7f10",
                     secret="DEMO0000SIMULATOR0000NOT0000REAL", passphrase="Demo-Passphrase-1"),
    "okx-sub-hedging": dict(uid="44800000000000043", api_key="demo-7d2e9b41-6c3a-4f58-8e17-2a9c4b0d5e63",
                            secret="DEMO1111SIMULATOR1111NOT1111REAL", passphrase="Demo-Passphrase-2"),
}


def demo():
    """`make demo` and the documentation's examples: the example inventory's two accounts, in demo trading.

    okx-main owes USDC and ETH (and BTC dust); okx-sub-hedging owes USDT and BTC (BTC is excluded in its host vars).
    """
    return state(
        account("okx-main", env="demo", balances={"USDT": "5000", "BTC": "0.1", "USDC": "20"},
                debts={"USDC": "100", "ETH": "0.5", "BTC": "0.000001"}, **DEMO_ACCOUNTS["okx-main"]),
        account("okx-sub-hedging", env="demo", balances={"USDT": "300", "ETH": "1"}, debts={"USDT": "250", "BTC": "0.01"},
                **DEMO_ACCOUNTS["okx-sub-hedging"]),
        prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"})


def molecule():
    """The role's molecule scenario (extensions/molecule/default): its two hosts' accounts."""
    return state(
        account("main", uid="44800000000000101", api_key="molecule-main-key", secret="MOLECULE-MAIN-SECRET",
                passphrase="Molecule-Main-1", balances={"USDT": "5000", "BTC": "0.5"},
                debts={"USDC": "120", "ETH": "0.2", "BTC": "0.000001"}),
        account("sub", uid="44800000000000102", api_key="molecule-sub-key", secret="MOLECULE-SUB-SECRET",
                passphrase="Molecule-Sub-1", balances={"USDT": "30", "ETH": "1"}, debts={"USDT": "250"}),
        prices={"BTC": "60000", "ETH": "3000", "USDT": "1", "USDC": "1"})


NAMED = {"demo": demo, "molecule": molecule}


def main(argv=None):
    """Print a named state as JSON: python -m tests.simulator.states {demo,molecule} | fleet N K."""
    import argparse
    import json
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("name", choices=sorted(NAMED) + ["fleet"])
    parser.add_argument("size", nargs="*", type=int, help="fleet: accounts and debts per account")
    args = parser.parse_args(argv)
    print(json.dumps(fleet(*args.size) if args.name == "fleet" else NAMED[args.name](), indent=2))


if __name__ == "__main__":
    main()
