# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's simulator state: N Spot-mode accounts, each with K debts and enough USDT to repay them all."""

# Debt currencies, in the order accounts get them, with a USD price each: USDT repays any of them at that price.
DEBT_PRICES = {
    "USDC": "1", "BTC": "60000", "ETH": "3000", "SOL": "150", "OKB": "50", "DAI": "1",
    "XRP": "0.5", "DOGE": "0.1", "ADA": "0.4", "TRX": "0.1", "LTC": "80", "LINK": "15",
}
DEBT_USD = 100          # each debt is worth about this many USD
SETTLE_DELAY = 0.5      # the simulator's default: seconds a repay stays "running"


def account(index, debts_per_account):
    """Account number ``index`` (1-based): its own key, secret, passphrase and uid."""
    debts = {ccy: "%.8f" % (DEBT_USD / float(price)) for ccy, price in list(DEBT_PRICES.items())[:debts_per_account]}
    return {
        "name": "bench%05d" % index,
        "uid": str(44900000000 + index),
        "api_key": "bench-key-%05d" % index,
        "secret": "bench-secret-%05d" % index,
        "passphrase": "Bench-Pass-%05d" % index,
        "env": "live",
        "acctLv": "1",
        "perm": "read_only,trade",
        "enableSpotBorrow": True,
        "balances": {"USDT": str(DEBT_USD * debts_per_account * 2 + 1000)},
        "debts": debts,
        "history": [],
    }


def fleet(n_accounts, debts_per_account):
    """A simulator state (see tests/simulator/README.md) with ``n_accounts`` x ``debts_per_account`` debts."""
    if not 1 <= debts_per_account <= len(DEBT_PRICES):
        raise ValueError("debts per account must be between 1 and %d" % len(DEBT_PRICES))
    if n_accounts < 1:
        raise ValueError("at least one account")
    return {
        "accounts": [account(index, debts_per_account) for index in range(1, n_accounts + 1)],
        "prices": dict(DEBT_PRICES, USDT="1"),
        "settle_delay": SETTLE_DELAY,
    }
