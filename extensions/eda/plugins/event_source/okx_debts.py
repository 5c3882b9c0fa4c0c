# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cryptoops.okx.okx_debts: an ansible-rulebook event source for the new and grown debts of one OKX account.

It reads the debts with the collection's own client and module utils, in the state directory the modules use, so
that the source and the repays a rulebook triggers share OKX's rate-limit slots and the account's repay lock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import decimal
import logging
import math
import os
import sys
import time

# ansible-rulebook runs a source file with runpy.run_path, which puts nothing on sys.path: the collection's module
# utils are imported from the collections directory this file was installed in (.../ansible_collections/cryptoops/
# okx/extensions/eda/plugins/event_source), ahead of any other copy of the collection.
_MARK = os.sep + "ansible_collections" + os.sep
_HERE = os.path.dirname(os.path.abspath(__file__))
if _MARK in _HERE and _HERE.rsplit(_MARK, 1)[0] not in sys.path:
    sys.path.insert(0, _HERE.rsplit(_MARK, 1)[0])

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import USER_AGENT, OKXClient
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import (
    CREDENTIALS,
    OKX_COMMON_ARGSPEC,
    RANGES,
    OKXModuleMixin,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import CURRENCY_LIST, account_lock, read_overview
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_state import StateDir
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, okx_amount

DOCUMENTATION = r"""
---
short_description: Events for the new and grown debts of an OKX account
description:
  - An ansible-rulebook event source that reads the debts of one OKX account every O(interval) seconds, with OKX's
    one-click repay currency list (C(GET /api/v5/trade/one-click-repay-currency-list-v2)) and the collection's own
    client, and sends one event per debt that is new or grew.
  - A debt is new the first time the source sees it (every debt owed when the source starts is), and again after it
    was repaid and comes back. A debt already reported is reported again only when it grew by more than
    O(growth_threshold) since; while it is unchanged, or shrinks, nothing is sent.
  - "Each event is C(okx_debt): C(account) (O(account)), C(uid) (the account's OKX User ID), C(demo), C(debt_ccy),
    C(amount) (what OKX shows owed now), C(previous) (the amount last reported or seen since, null for a new debt)
    and C(repay_offered): the currencies OKX offers to repay the account's debts with, and the amount of each
    available (the C(repayData) of the currency list). Amounts are strings, as OKX writes them."
  - It shares the modules' state directory (E(OKX_STATE_DIR), else C(cryptoops.okx) under E(XDG_STATE_HOME)), so
    its reads and the repays of the modules and the role on this machine take turns in the same rate-limit slots
    (OKX allows 1 request per 2 seconds per User ID to the currency list), and it reads nothing while a task of the
    collection repays debts of the account (the account's lock is held); the read waits until the repay is done.
  - An OKX error or a network failure is logged (as a warning, credentials masked, never a traceback) and the next
    read waits longer, twice as long after each failure in a row, up to 300 seconds; the source keeps running.
    Options that are not valid, and a state directory the source cannot use, stop it at once, with a message that
    names the option or the directory.
options:
  account:
    description:
      - The name of the account that events carry as C(account), so that a rule can act on it (the account's host
        in the inventory of the role C(cryptoops.okx.one_click_repay), such as V(okx-main)).
      - If not set, events carry the account's OKX User ID.
    type: str
  api_key:
    description:
      - The OKX API key; it needs the Read permission. If not set, the value of the E(OKX_API_KEY) environment
        variable is used.
    type: str
  api_secret:
    description:
      - The secret key of the API key, used to sign every request; never sent nor logged. If not set, the value of the
        E(OKX_API_SECRET) environment variable is used.
    type: str
  api_passphrase:
    description:
      - The passphrase of the API key. If not set, the value of the E(OKX_API_PASSPHRASE) environment variable is
        used.
    type: str
  api_url:
    description:
      - Base URL of the OKX REST API, as for the modules (C(https://), or C(http://) for a loopback host only).
      - If not set, the value of the E(OKX_API_URL) environment variable is used.
    type: str
    default: https://www.okx.com
  demo:
    description:
      - Use OKX demo trading; needs an API key created in demo trading.
      - If not set, the value of the E(OKX_DEMO) environment variable is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_url).
    type: bool
    default: true
  timeout:
    description:
      - Seconds, from 0.1 to 300, that each read may take in all.
    type: float
    default: 10
  interval:
    description:
      - Seconds between two reads of the debts, from 2 (OKX's limit for the currency list, shared with the modules)
        to 3600.
    type: float
    default: 10
  growth_threshold:
    description:
      - A debt already reported is reported again when it has grown by more than this fraction of the amount last
        reported (or seen since, when it shrank). V(0.01) is 1 %, so an hour's interest alone is not a new event.
        V(0) reports any growth.
    type: float
    default: 0.01
notes:
  - Credentials are best given by the environment (what an Event-Driven Ansible credential injects);
    ansible-rulebook renders a source option written as a template with Jinja2's native types, so a variable that
    holds only digits reaches the source as a number, which it refuses for a credential.
  - One source reads one account. The rulebook C(cryptoops.okx.repay_new_debts) uses it to run the account's
    maintenance when a debt appears (docs/eda.md).
requirements:
  - requests >= 2.25.0
  - ansible-core (its module_utils), as the decision environment of ansible-rulebook has it
"""

EXAMPLES = r"""
- name: Repay new OKX debts
  hosts: all
  sources:
    - name: okx_debts
      cryptoops.okx.okx_debts:
        account: okx-main
        interval: 10
  rules:
    - name: Report a new debt
      condition: event.okx_debt is defined
      action:
        debug:
          msg: "{{ event.okx_debt.account }} owes {{ event.okx_debt.amount }} {{ event.okx_debt.debt_ccy }}"
"""

LOG = logging.getLogger("cryptoops.okx.okx_debts")
# Says in OKX's and a proxy's logs which requests the event source sent.
SOURCE_USER_AGENT = "%s okx_debts" % USER_AGENT
# The longest wait after failed reads; and how soon a read held back by a running repay tries again.
MAX_BACKOFF = 300.0
LOCK_RETRY = 1.0
INTERVAL_RANGE = (CURRENCY_LIST.min_interval, 3600.0)
# The source's options: the modules' connection options (their types, defaults and environment variables) and its
# own. ``retries`` is not one: a failed read is not retried while it holds the account's lock, the next read is.
CONNECTION = ("api_key", "api_secret", "api_passphrase", "api_url", "demo", "validate_certs", "timeout")
OPTIONS = dict(
    dict((name, OKX_COMMON_ARGSPEC[name]) for name in CONNECTION),
    account=dict(type="str"),
    interval=dict(type="float", default=10.0),
    growth_threshold=dict(type="float", default=0.01),
)


class Settings:
    """The source's options, checked: an option that is not valid is a ValueError that names it, never its value."""

    def __init__(self, args, environ=None):
        environ = os.environ if environ is None else environ
        unknown = sorted(name for name in args if name not in OPTIONS and not str(name).startswith("eda_"))
        if unknown:
            raise ValueError("okx_debts: unknown option %s; its options are %s" % (
                ", ".join(map(str, unknown)), ", ".join(sorted(OPTIONS))))
        self.values = {}
        for name, spec in OPTIONS.items():
            value = args.get(name)
            fallback = spec.get("fallback")
            if value in (None, "") and fallback:
                value = environ.get(fallback[1][0]) or None
            self.values[name] = self._check(name, spec, spec.get("default") if value in (None, "") else value)
        missing = [(name, env) for name, env in CREDENTIALS if not self.values[name]]
        if missing:
            raise ValueError("okx_debts: missing OKX credentials: set %s (or the environment variable%s %s)" % (
                ", ".join(name for name, _env in missing), "s" if len(missing) > 1 else "",
                ", ".join(env for _name, env in missing)))
        for name, (low, high) in dict(RANGES, interval=INTERVAL_RANGE).items():
            if name in OPTIONS and not low <= self.values[name] <= high:
                raise ValueError("okx_debts: %s must be a number from %s to %s" % (name, low, high))
        if self.values["growth_threshold"] < 0:
            raise ValueError("okx_debts: growth_threshold must be a number of at least 0")

    @staticmethod
    def _check(name, spec, value):
        if value is None:
            return None
        kind = spec["type"]
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError("okx_debts: %s must be a string, not a %s: a template that renders only digits "
                                 "becomes a number; give it in the environment variable instead%s" % (
                                     name, type(value).__name__,
                                     " (%s)" % spec["fallback"][1][0] if spec.get("fallback") else ""))
            return value
        if kind == "bool":
            try:
                return boolean(value)
            except TypeError:
                raise ValueError("okx_debts: %s must be true or false" % name)
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ValueError("okx_debts: %s must be a number" % name)
        return number

    def __getitem__(self, name):
        return self.values[name]

    def client(self):
        """The collection's client, on the modules' state directory; the source's requests say they are its own."""
        return OKXClient(api_key=self["api_key"], api_secret=self["api_secret"], api_passphrase=self["api_passphrase"],
                         api_url=self["api_url"], demo=self["demo"], validate_certs=self["validate_certs"],
                         timeout=self["timeout"], retries=0, state=StateDir(), user_agent=SOURCE_USER_AGENT)


class DebtWatch:
    """One account's debts as the source last reported them, and the read that tells what changed."""

    def __init__(self, client, account=None, growth_threshold=0.01):
        self.client = client
        self.account = account
        self.growth = decimal.Decimal(1) + decimal.Decimal(str(growth_threshold))
        # debt currency -> the amount last reported, or lower when the debt shrank since
        self.known = {}

    @property
    def label(self):
        """The account as log lines name it."""
        return self.account or "the account"

    def poll(self):
        """Read the debts unless a repay of the account runs on this machine: the events of the read, or None when
        the account's lock was held (nothing was sent to OKX). Synchronous: run it in a thread."""
        uid = self.client.user_id()  # before the lock: the lock's name needs it
        with self.client.state.lock(account_lock(self.client.account_id()), timeout=0) as held:
            if held is None:
                return None
            debts, repay = read_overview(self.client)
        return self.changes(uid, debts, repay)

    def changes(self, uid, debts, repay):
        """The events for what a read shows: new debts, and debts grown beyond the threshold."""
        events = []
        owed = dict((ccy, okx_amount(amount)) for ccy, amount in debts.items() if okx_amount(amount))
        for ccy in sorted(owed):
            before = self.known.get(ccy)
            reported = before is None or owed[ccy] > before * self.growth
            if reported:
                events.append({"okx_debt": {
                    "account": self.account or uid, "uid": uid, "demo": self.client.network == "demo",
                    "debt_ccy": ccy, "amount": debts[ccy], "previous": None if before is None else str(before),
                    "repay_offered": dict(repay)}})
            if reported or owed[ccy] < before:
                self.known[ccy] = owed[ccy]
        for ccy in [ccy for ccy in self.known if ccy not in owed]:
            del self.known[ccy]  # repaid: if it comes back, it is new
        return events


def backoff(interval, failures, retry_after=None):
    """How long to wait after ``failures`` failed reads in a row: twice as long each time, as long as OKX asks
    (Retry-After), at most MAX_BACKOFF."""
    return min(MAX_BACKOFF, max(interval * 2 ** failures, retry_after or 0.0))


def failure_text(client, err):
    """What a failed read says in the log: OKX's code and message and what to do, credentials masked."""
    if isinstance(err, OKXError):
        return client.mask(OKXModuleMixin.okx_failure_text(err))
    return client.mask("%s: %s" % (type(err).__name__, err))


async def watch_debts(queue, watch, interval, sleep=asyncio.sleep, clock=time.monotonic, in_thread=asyncio.to_thread):
    """Read the debts every ``interval`` seconds, forever, and put the events on ``queue``.

    Reads start at least ``interval`` apart; one held back by a running repay tries again every LOCK_RETRY seconds;
    after a failure the next waits ``backoff``. Nothing but cancellation ends it.
    """
    failures = 0
    deferred = False
    next_read = clock()
    while True:
        wait = next_read - clock()
        if wait > 0:
            await sleep(wait)
        started = clock()
        try:
            events = await in_thread(watch.poll)
        except Exception as err:  # pylint: disable=broad-exception-caught
            # Any failure, OKX's or not, is the next read's business: the rulebook keeps running.
            failures += 1
            delay = backoff(interval, failures, getattr(err, "retry_after", None))
            LOG.warning("okx_debts: reading the debts of %s failed (%s); reading again in %.0f s",
                        watch.label, failure_text(watch.client, err), delay)
            next_read = started + delay
            continue
        if events is None:
            if not deferred:
                LOG.info("okx_debts: a repay of %s runs on this machine: reading its debts once it is done",
                         watch.label)
            deferred = True
            next_read = max(next_read, clock() + LOCK_RETRY)
            continue
        if failures:
            LOG.warning("okx_debts: reading the debts of %s works again, after %d failed read%s",
                        watch.label, failures, "s" if failures > 1 else "")
        failures, deferred = 0, False
        for event in events:
            debt = event["okx_debt"]
            LOG.info("okx_debts: %s owes %s %s (%s)", debt["account"], debt["amount"], debt["debt_ccy"],
                     "new" if debt["previous"] is None else "was %s" % debt["previous"])
            await queue.put(event)
        next_read = started + interval


async def main(queue, args):
    """ansible-rulebook's entry point: check the options, then read the account's debts until cancelled."""
    settings = Settings(args)
    try:
        client = settings.client()
        # The directory is checked here, so that one the source cannot use stops it now rather than fail each read.
        state = client.state.path
    except OKXError as err:  # an api_url that is not valid, a state directory that cannot be used
        raise ValueError("okx_debts: %s" % err.msg)
    watch = DebtWatch(client, settings["account"], settings["growth_threshold"])
    LOG.info("okx_debts: reading the debts of %s every %s s, in the state directory %s", watch.label,
             settings["interval"], state)
    await watch_debts(queue, watch, settings["interval"])
