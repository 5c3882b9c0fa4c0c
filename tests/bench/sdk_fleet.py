# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One-click repay of every debt of many OKX accounts with OKX's official Python SDK (python-okx).

The benchmark's hand-written reference for what the role does: for each account, F accounts at a time,

1. read the one-click repay currency list v2 (the debts),
2. POST one-click repay v2 once per debt, repaying it from [the debt currency, USDT],
3. poll the one-click repay history v2 until every repay of the account is final (filled or failed),
4. read the currency list again (the debts left).

OKX allows each of these three endpoints 1 request / 2 s per account (uid). The script keeps 2 s between two
calls of an account to the same endpoint, counted from the previous call's reply (OKX received that request no
later), and sleeps no longer than that. It does not retry, except after a 50011 rate-limit reply, which it counts.

Run: python tests/bench/sdk_fleet.py ACCOUNTS.json --threads F [--out RESULTS.json]
ACCOUNTS.json: {"api_url": "http://127.0.0.1:PORT", "accounts": [{"name", "api_key", "secret", "passphrase",
"demo" (optional)}]}. Exit status 0 when every account ended without error and without debts.
"""

import argparse
import concurrent.futures
import json
import sys
import time

from okx.Trade import TradeAPI

INTERVAL = 2.0                      # OKX: 1 request / 2 s per uid on each one-click repay endpoint
CURRENCY_LIST, REPAY, HISTORY = "currency-list", "repay", "history"
RATE_LIMITED = "50011"
FINAL = ("filled", "failed")
TS_TOLERANCE_MS = 1000              # a history record's ts is a few ms off the POST reply's ts
WAIT_TIMEOUT = 60.0                 # give up waiting for the repays of one account after this many seconds


class OkxReplyError(Exception):
    """A reply whose code is not "0"."""


class Spaced:
    """Calls of one account, each endpoint at most once every INTERVAL seconds; counts 50011 replies."""

    def __init__(self):
        self.last_reply = {}
        self.rate_limited = 0
        self.requests = 0

    def call(self, endpoint, request):
        """Wait for the endpoint's slot, call ``request()`` (an SDK method), return the reply's data."""
        while True:
            last = self.last_reply.get(endpoint)
            if last is not None:
                wait = last + INTERVAL - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            reply = request()
            self.last_reply[endpoint] = time.monotonic()
            self.requests += 1
            if reply.get("code") == RATE_LIMITED:
                self.rate_limited += 1
                continue
            if reply.get("code") != "0":
                raise OkxReplyError("%s: code %s %s" % (endpoint, reply.get("code"), reply.get("msg")))
            return reply["data"]


def debts_of(data):
    """{debt currency: amount} of a currency list v2 reply's data."""
    return {debt["debtCcy"]: debt["debtAmt"] for entry in data for debt in entry.get("debtData") or []}


def find_record(records, debt_ccy, repay_ccy_list, ts):
    """The newest history record of the repay of ``debt_ccy`` POSTed at ``ts`` (ms), or None."""
    matches = [record for record in records
               if record.get("debtCcy") == debt_ccy and record.get("repayCcyList") == repay_ccy_list
               and int(record.get("ts") or 0) >= ts - TS_TOLERANCE_MS]
    return max(matches, key=lambda record: int(record["ts"]), default=None)


def repay_account(account, api_url):
    """Repay every debt of one account; a dict saying what happened."""
    started = time.monotonic()
    result = {"name": account["name"], "debts_before": {}, "repays": [], "debts_after": None, "error": None}
    trade = TradeAPI(account["api_key"], account["secret"], account["passphrase"],
                     flag="1" if account.get("demo") else "0", domain=api_url, debug=False)
    spaced = Spaced()
    try:
        result["debts_before"] = debts_of(spaced.call(CURRENCY_LIST, trade.get_oneclick_repay_list_v2))

        posted = []  # (debt currency, repay currency list, POST reply ts)
        for debt_ccy in result["debts_before"]:
            repay_ccy_list = list(dict.fromkeys([debt_ccy, "USDT"]))
            data = spaced.call(REPAY, lambda ccy=debt_ccy, ccys=repay_ccy_list: trade.oneclick_repay_v2(ccy, ccys))
            posted.append((debt_ccy, repay_ccy_list, int(data[0]["ts"])))

        if posted:
            since = min(ts for _ccy, _ccys, ts in posted) - TS_TOLERANCE_MS
            deadline = time.monotonic() + WAIT_TIMEOUT
            while True:
                records = spaced.call(HISTORY, lambda: trade.oneclick_repay_history_v2(before=str(since), limit="100"))
                found = [(ccy, find_record(records, ccy, ccys, ts)) for ccy, ccys, ts in posted]
                if all(record and record["status"] in FINAL for _ccy, record in found):
                    break
                if time.monotonic() > deadline:
                    raise OkxReplyError("repays not final after %.0f s: %s" % (
                        WAIT_TIMEOUT, [(ccy, record and record["status"]) for ccy, record in found]))
            result["repays"] = [{"debt_ccy": ccy, "status": record["status"], "fill_debt_sz": record["fillDebtSz"]}
                                for ccy, record in found]

        result["debts_after"] = debts_of(spaced.call(CURRENCY_LIST, trade.get_oneclick_repay_list_v2))
    except Exception as err:  # pylint: disable=broad-exception-caught  # one account's failure is reported, not fatal
        result["error"] = "%s: %s" % (type(err).__name__, err)
    finally:
        trade.close()
    result.update(requests=spaced.requests, rate_limited=spaced.rate_limited, seconds=round(time.monotonic() - started, 3))
    return result


def main(argv=None):
    """Repay the debts of every account of the accounts file, ``--threads`` accounts at a time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("accounts", help="JSON file: {api_url, accounts: [{name, api_key, secret, passphrase}]}")
    parser.add_argument("--threads", type=int, default=20, help="accounts handled at the same time (default 20)")
    parser.add_argument("--out", help="write the per-account results to this JSON file")
    args = parser.parse_args(argv)
    with open(args.accounts, encoding="utf-8") as handle:
        config = json.load(handle)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        results = list(pool.map(lambda account: repay_account(account, config["api_url"]), config["accounts"]))

    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
    failed = [result for result in results if result["error"] or result["debts_after"]]
    for result in failed:
        print("%s: error %s, debts left %s" % (result["name"], result["error"], result["debts_after"]), file=sys.stderr)
    print("accounts %d, failed %d, requests %d, 50011 replies %d" % (
        len(results), len(failed), sum(r["requests"] for r in results), sum(r["rate_limited"] for r in results)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
