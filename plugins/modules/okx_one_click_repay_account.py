#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: okx_one_click_repay_account
short_description: Repay the debts of an OKX account with one-click repay, planned from one read
version_added: 0.1.0
description:
  - Repays the debts of one OKX account (Spot, Multi-currency margin or Portfolio margin mode) through OKX's
    one-click repay (new), the way package modules take a list of names. One task reads the debts, plans, repays
    each debt in turn within OKX's rate limit, waits for the outcomes and reports them. It is what the role
    P(cryptoops.okx.one_click_repay#role) runs for each account.
  - Explicit mode repays the debts listed in O(debts). Auto mode (O(debts) empty) repays every outstanding debt from
    its own currency first, then O(priority), keeping only the currencies OKX offers to repay with.
  - A currency OKX does not list for the account (a typo such as V(USDTT)), in O(debts) or in O(priority), is a
    warning naming it, and is not used; a repay list keeps only the currencies OKX lists as repay currencies (one it
    does not list would make OKX refuse the whole repay). A debt none of whose currencies has a balance fails with
    that reason, in check mode too, and is never posted.
  - Skips excluded debts (O(exclude)), dust (O(min_debt)), and any debt with a repay still in flight; never posts a
    second repay of a debt while one is in flight (see the collection's docs/safety.md).
  - Fails when any debt could not be repaid, after trying the others, and reports each failure.
  - Where OKX refuses the repay history (its pages say it shows it for Spot mode only), a repay is followed by OKX's
    reply, the journal and the debt; warns when OKX's own Spot auto-repay is on (see the collection's
    docs/okx-modes.md).
author:
  - cryptoops.okx developers (@cryptoops)
options:
  debts:
    description:
      - The debts to repay, each with its repay currencies in priority order. Empty means auto mode.
    type: list
    elements: dict
    default: []
    suboptions:
      debt_ccy:
        description: The debt currency, for example V(USDC).
        type: str
        required: true
      repay_ccy_list:
        description: The currencies to repay it with, first used first, for example V([USDC, BTC]).
        type: list
        elements: str
        required: true
  priority:
    description:
      - Auto mode, the repay currencies after the debt currency itself, in priority order. Each debt uses those OKX
        offers with a balance.
      - A currency OKX has never shown for the account (a typo such as V(USDTT)) is a warning naming it; the default
        ones are not warned of, an account need not hold them all.
    type: list
    elements: str
    default: [USDT, USDC, BTC, ETH]
  min_debt:
    description:
      - Dust thresholds. A debt below C(min_debt[CCY]) is skipped.
      - The key C(USD) sets a threshold in US dollars for currencies without their own threshold, at OKX's index
        price in USD (C(GET /api/v5/market/index-tickers), read at most every 30 s per machine), or at O(usd_prices)
        where it names the currency. A debt OKX gives no USD price for, and O(usd_prices) does not name, is not
        taken for dust (a warning names it).
    type: dict
    default: {}
  usd_prices:
    description:
      - US dollar prices per currency for the C(USD) threshold of O(min_debt), in place of OKX's index prices.
      - OKX's prices are read only when O(min_debt) has a C(USD) key and a debt's currency is not named here.
    type: dict
    default: {}
  exclude:
    description: Debt currencies never repaid.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Wait until each repay is C(filled) or C(failed) in OKX's repay history, and read the debts left.
    type: bool
    default: true
  wait_timeout:
    description:
      - The longest each wait lasts, in seconds, 1 to 3600; see O(cryptoops.okx.okx_one_click_repay#module:wait_timeout).
    type: int
    default: 60
  release_open_repays:
    description:
      - Debt currencies whose earlier repay from this machine has an open outcome (reported under RV(failed_debts)
        with C(outcome=unknown)) to release, so that the task may repay them again.
      - Set it only after checking OKX's one-click repay history and finding no repay of that debt at that time; see
        O(cryptoops.okx.okx_one_click_repay#module:release_open_repay).
    type: list
    elements: str
    default: []
  journal:
    description:
      - The account's open journal entries as an earlier task returned them (RV(journal)), from another machine. An
        AWX job starts in a fresh execution environment, so the role carries them in the host's fact
        C(okx_repay_journal), which AWX's fact cache keeps between jobs.
      - They are added to this machine's journal for debts it has none of; they can only keep a debt waiting for
        OKX's history, never release one. A value this version cannot read fails the task.
    type: dict
  summary_as:
    description:
      - Also return what the task did as the host's facts and the job's statistics, so that a role needs no
        bookkeeping tasks of its own (one task per account; AWX shows both).
      - The cacheable facts C(<summary_as>_summary) (RV(summary)) and C(<summary_as>_journal) (RV(journal), kept as
        it was in O(journal) when the journal could not be read), and the statistics C(<summary_as>), one entry per
        account under O(account_name), as M(ansible.builtin.set_stats) with C(aggregate=true) and C(per_host=false);
        with RV(costs), also C(<summary_as>_cost_usd), and per currency C(<summary_as>_change_<CCY>) and
        C(<summary_as>_fee_<CCY>) (for example C(okx_repay_change_BTC)), numbers that Ansible adds up over the job's
        accounts.
      - ansible-core applies the facts and statistics of a task that succeeded; the role
        P(cryptoops.okx.one_click_repay#role) records those of a failed one itself.
    type: str
  account_name:
    description:
      - The account's name in RV(summary) and in the statistics of O(summary_as), usually C(inventory_hostname).
    type: str
extends_documentation_fragment:
  - cryptoops.okx.okx
  - cryptoops.okx.okx.action_group
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - cryptoops.okx.okx.flow
attributes:
  check_mode:
    support: full
    details:
      - Reads the debts and the history and reports what it would repay under RV(would_repay), and what it would
        leave and why; never posts. It predicts what the real run would do from the same plan; a debt that none of
        its repay currencies can repay is predicted as failing, with the reason. Each repay it would post has a
        C(prediction) of the conversions, amounts and fees from OKX's market data (RV(would_repay)).
  diff_mode:
    support: full
    details:
      - Shows each debt of the account before and after (C(debts), by currency). After is what OKX shows once the
        repays are final; in check mode and without O(wait), it is predicted (a planned repay as its C(prediction)
        leaves the debt at worst, or, without one, an accepted or planned repay taken as repaying the whole debt).
  platform:
    platforms: posix
seealso:
  - module: cryptoops.okx.okx_one_click_repay
  - module: cryptoops.okx.okx_one_click_repay_info
"""

EXAMPLES = r"""
- name: Repay every debt of the account, from its own currency, then USDT, then USDC
  cryptoops.okx.okx_one_click_repay_account:
    priority: [USDT, USDC]
    min_debt:
      USD: 1  # at OKX's index prices
  delegate_to: localhost
  register: okx_maintenance

- name: Repay two debts from the listed currencies
  cryptoops.okx.okx_one_click_repay_account:
    debts:
      - debt_ccy: USDC
        repay_ccy_list: [USDC, USDT]
      - debt_ccy: ETH
        repay_ccy_list: [USDT]
  delegate_to: localhost
"""

RETURN = r"""
debts_before:
  description: The debts before, principal and interest, as OKX reports them.
  returned: always
  type: dict
  sample: {"USDC": "100", "ETH": "0.5"}
repaid:
  description:
    - The repays OKX accepted, with their final state when waited for (C(status), C(fill_debt_sz), C(orders)).
    - Where OKX does not show the repay history in the account's mode, C(debt_cleared=true) instead of C(status) once
      OKX showed the debt gone (the collection's docs/okx-modes.md).
    - A final repay has C(cost), what it cost (the collection's docs/market.md), when OKX's market data, the
      account's trade fee and the orders could be read; so has one OKX reports failed after one of its orders
      filled (under RV(failed_debts)). C(cost.balance_changes) is what the repay did to each
      balance, exactly (the orders' fills, OKX's fee taken from the currency an order brings, the debt repaid);
      C(cost.fees) the fees per currency; C(cost.orders) each order with the market price read before the repays
      (C(market_px), the middle of the best bid and ask, at most 30 s old) and its C(slippage) against it (a fraction,
      positive when worse); when one other currency was sold, C(cost.sold_ccy), C(cost.effective_price) (debt currency
      per unit sold, fees counted), C(cost.market_price) and C(cost.slippage); C(cost.cost_usd), the USD value the
      account lost less the debt it no longer owes, at OKX's USD index prices.
  returned: always
  type: list
  elements: dict
  sample:
    - {debt_ccy: USDC, repay_ccy_list: [USDC, USDT], debt: "100", outcome: accepted, ts: "1742192217514",
       reconciled: false, status: filled, fill_debt_sz: "100", orders: [],
       cost: {balance_changes: {USDC: "-100"}, fees: {}, orders: [], cost_usd: "0"}}
would_repay:
  description:
    - In check mode, the repays that would be posted, in the order they would be.
    - Each has C(prediction) when OKX's market data could be read (the collection's docs/market.md), what OKX would
      do with it now. Each figure is a range of two ends, C(at_market) (the best for the account, the orders filling
      at the best bid and ask) and C(at_worst) (the worst, at the edge of OKX's IOC price band).
      C(prediction.route), the orders from each repay currency in priority order (through USDT);
      C(prediction.debt_repaid) and C(prediction.debt_left); C(prediction.balance_changes) and C(prediction.fees) per
      currency; C(prediction.covers), whether the holdings suffice even at worst (what is left then is a residue of
      OKX's lot sizes); C(prediction.below_min_size), orders that may fall under OKX's minimum size, which OKX cancels.
    - While prices stay within the band, the debt repaid and every balance's change come out between the two ends,
      whether the balances cover the debts or not (under the assumptions of docs/market.md).
  returned: always
  type: list
  elements: dict
  sample:
    - {debt_ccy: USDC, repay_ccy_list: [BTC], debt: "100",
       prediction: {route: [{repay_ccy: BTC, orders: [sell BTC-USDT, buy USDC-USDT]}],
                    debt_repaid: {at_market: "100", at_worst: "99.9995"}, debt_left: {at_market: "0", at_worst: "0.0005"},
                    balance_changes: {BTC: {at_market: "-0.00168678", at_worst: "-0.00168678"},
                                      USDT: {at_market: "1.0054922", at_worst: "0.0000004"}},
                    fees: {USDT: {at_market: "0.1006", at_worst: "0.1011"}, USDC: {at_market: "0.1001", at_worst: "0.1001"}},
                    covers: true, below_min_size: []}}
in_flight:
  description: Debts with a repay already in flight (nothing posted for them), with that repay's C(ts) and state.
  returned: always
  type: list
  elements: dict
  sample: [{debt_ccy: ETH, repay_ccy_list: [USDT], outcome: in_flight, ts: "1742192215511", status: running}]
skipped_debts:
  description: Debts not repaid and why (C(excluded), C(no debt), below O(min_debt), in flight).
  returned: always
  type: list
  elements: dict
  sample: [{debt_ccy: BTC, debt: "0.000001", reason: "worth less than min_debt USD 1"}]
failed_debts:
  description:
    - Debts that could not be repaid, each with C(msg), and C(okx_code) and C(outcome) when known.
    - C(outcome=unknown) means the repay may have run; see the collection's docs/safety.md.
  returned: always
  type: list
  elements: dict
  sample: [{debt_ccy: SOL, debt: "2", msg: "none of SOL, USDT can repay it now (USDT: OKX does not list it as a repay
             currency of the account; SOL: no balance); OKX offers: BTC"}]
report:
  description:
    - One line saying what the task repaid (in check mode, would repay), what it left and why (excluded, dust, a repay
      in flight), what failed and why, and the debts left. The role P(cryptoops.okx.one_click_repay#role) prints it
      for each account.
  returned: unless the task failed before calling OKX (an option that is not valid)
  type: str
  sample: "repaid USDC 100 from USDC, USDT (filled 100); left BTC 0.000001: worth less than min_debt USD 1; debts
    left: BTC 0.000001"
costs:
  description:
    - What the task's filled repays cost in all, summed over RV(repaid)'s C(cost) (the collection's docs/market.md).
    - C(balance_changes) and C(fees) per currency; C(cost_usd) in USD at OKX's index prices (null when OKX prices
      not every currency a repay touched).
  returned: when a repay filled and its cost could be read
  type: dict
  sample: {balance_changes: {BTC: "-0.00168", USDC: "0.0001", USDT: "0.01"}, fees: {USDC: "0.1", USDT: "0.1"},
           cost_usd: "0.95"}
debts_left:
  description: The debts after the repays, read again once they are final (the debts before when nothing was posted).
  returned: always
  type: dict
  sample: {}
released:
  description: The open repays O(release_open_repays) released.
  returned: always
  type: list
  elements: dict
  sample: [{debt_ccy: USDC, sent_at: "2026-11-26T10:00:00.123Z", ts: null}]
summary:
  description:
    - What the task did, for the host's facts and the job's statistics (O(summary_as)), and for AWX.
    - RV(debts_before), RV(repaid), RV(would_repay), RV(in_flight), RV(skipped_debts), RV(failed_debts),
      RV(debts_left), RV(costs) and RV(report), with C(account) (O(account_name)), C(check_mode), C(finished) (UTC)
      and C(error) (why the task failed, or null).
  returned: unless the task failed before calling OKX (an option that is not valid)
  type: dict
  sample: {account: okx-main, check_mode: false, finished: "2026-12-02T10:00:00Z", error: null, debts_before: {},
           repaid: [], would_repay: [], in_flight: [], skipped_debts: [], failed_debts: [], debts_left: {},
           report: "repaid nothing; debts left: none"}
journal:
  description:
    - The account's open journal entries after the task, to pass as O(journal) to the next task on another machine.
      Its format is private to the collection.
  returned: when the journal could be read
  type: dict
  sample: {version: 1, account: 0f3c5e..., entries: {}}
"""

import datetime

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import OKXModule
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import RepaySession, unseen_currencies
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay_market import (
    Costs,
    MarketReads,
    interest_first_when_short,
    predict_repays,
    with_okx_prices,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay_plan import (
    DEFAULT_PRIORITY,
    PolicyError,
    describe,
    make_policy,
    plan_repays,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, okx_amount

# OKX's codes for a request it could not authenticate: the key, the secret, the passphrase or the environment.
AUTH_CODES = frozenset(["50101", "50103", "50104", "50105", "50106", "50111", "50113", "50114"])

MODULE = dict(
    argument_spec=dict(
        debts=dict(type="list", elements="dict", default=[], options=dict(
            debt_ccy=dict(type="str", required=True),
            repay_ccy_list=dict(type="list", elements="str", required=True),
        )),
        priority=dict(type="list", elements="str", default=list(DEFAULT_PRIORITY)),
        min_debt=dict(type="dict", default={}),
        usd_prices=dict(type="dict", default={}),
        exclude=dict(type="list", elements="str", default=[]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=60),
        release_open_repays=dict(type="list", elements="str", default=[]),
        journal=dict(type="dict"),
        summary_as=dict(type="str"),
        account_name=dict(type="str"),
    ),
    supports_check_mode=True,
)


def run(module):
    """One read, one plan, one repay per debt (never a second while one is in flight), one read after."""
    wait_timeout = module.in_range("wait_timeout", 1, 3600)
    try:
        policy = make_policy(**dict((name, module.as_written(name))
                                    for name in ("debts", "priority", "min_debt", "usd_prices", "exclude")))
    except PolicyError as err:
        module.fail_json(msg=str(err))
    release = [module.currency("release_open_repays", ccy) for ccy in module.as_written("release_open_repays")]
    result = dict(changed=False, debts_before={}, repaid=[], would_repay=[], in_flight=[], skipped_debts=[],
                  failed_debts=[], debts_left={}, released=[])
    session = RepaySession(module.client, wait_timeout, warn=module.warn, carried=module.params["journal"],
                           release=release, check_mode=module.check_mode)
    market = MarketReads(module.client, module.warn)
    costs = Costs(market)
    debts = None
    try:
        with session:
            result["released"] = session.released
            debts, repay = session.read_debts()
            result["debts_before"] = result["debts_left"] = debts
            policy = with_okx_prices(market, policy, debts)
            plan = plan_repays(debts, repay, policy, in_flight=session.flights)
            interest_first_when_short(market, policy, plan, repay)
            # A currency OKX never showed for the account is most likely a typo (USDCC): it counts as not available.
            # The default priority's currencies are not the user's choice: an account without ETH is not warned of.
            if policy.debts:
                unseen = unseen_currencies([ccy for item in policy.debts for ccy in [item[0]] + item[1]], debts,
                                           repay, session.records)
                option = "debts"
            else:
                unseen = unseen_currencies([ccy for ccy in policy.priority if ccy not in DEFAULT_PRIORITY], debts,
                                           repay, session.records)
                option = "priority"
            if unseen:
                module.warn(unseen + ": check %s; a currency OKX does not list is not used" % option)
            result.update(skipped_debts=plan["skipped"], failed_debts=plan["failed"])
            if module.check_mode:
                predict_repays(market, plan["repay"], repay)
                result.update(would_repay=plan["repay"], changed=bool(plan["repay"]))
            else:
                if plan["repay"]:
                    costs.read_market()
                for item in plan["repay"]:
                    session.post(item["debt_ccy"], item["repay_ccy_list"])
    except OKXError as err:
        if session.outcomes:
            what = "could not repay the account's debts"
        elif err.code in AUTH_CODES:
            what = "OKX did not accept the credentials (authentication failed: check api_key, api_secret, " \
                   "api_passphrase and demo)"
        else:
            what = "could not read the account's debts"
        finish(module, session, result, debts, err, what, costs=costs)
    reread = False
    try:
        waited = [outcome for outcome in session.outcomes + list(session.flights.values())
                  if outcome.state in ("accepted", "in_flight") and not outcome.msg]
        if module.params["wait"] and waited:
            session.wait(waited)
            result["debts_left"] = session.read_debts()[0]
            reread = True
    except OKXError as err:
        finish(module, session, result, debts, err, "repays were posted, but the debts left could not be read",
               costs=costs)
    finish(module, session, result, debts, reread=reread, costs=costs)


def finish(module, session, result, debts, error=None, what=None, reread=False, costs=None):
    """Exit with every repay filed (also after a failure: what OKX did is reported, then the error)."""
    # An earlier repay from this machine whose outcome is open (or whose record OKX does not show) fails its debt.
    stuck = [flight for flight in session.flights.values() if flight.state == "unknown" or flight.msg]
    in_flight = [flight for flight in session.flights.values() if flight not in stuck and flight.debt_ccy in (debts or {})]
    file_outcomes(result, session.outcomes + stuck, in_flight)
    if costs is not None:
        account_costs = costs.add(result)
        if account_costs is not None:
            result["costs"] = account_costs
    journal = session.export()
    if journal is not None:
        result["journal"] = journal
    if debts is not None:
        result["report"] = describe(result, module.check_mode)
        if module._diff:
            result["diff"] = debts_diff(result, reread)
    if error is not None:  # a journal refusal says all it means itself: it stops every debt of the account
        what = None if error.kind == "journal" else what
        text = module.okx_failure_text(error, what)
        result["report"] = "%s; then stopped: %s" % (result["report"], text) if debts is not None else text
        summarize(module, result, text)
        module.fail_json_okx(error, msg=what, **result)
    failed = result["failed_debts"]
    if failed:
        msg = "OKX one-click repay failed for %d debt(s) of the account: %s" % (
            len(failed), "; ".join("%s: %s" % (item["debt_ccy"], item["msg"]) for item in failed))
        summarize(module, result, msg)
        module.fail_json(msg=msg, **result)
    summarize(module, result)
    module.exit_json(**result)


SUMMARY_KEYS = ("debts_before", "repaid", "would_repay", "in_flight", "skipped_debts", "failed_debts", "debts_left",
                "costs", "report")


def summarize(module, result, error=None):
    """The task's summary (RV(summary)), and with summary_as its facts and job statistics."""
    summary = dict((key, result[key]) for key in SUMMARY_KEYS if key in result)
    summary.update(account=module.params["account_name"], check_mode=module.check_mode, error=error,
                   finished=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    result["summary"] = summary
    prefix = module.params["summary_as"]
    if prefix:
        # An open repay is never forgotten by a failure: the journal carried in stays when it could not be read.
        result["ansible_facts"] = {prefix + "_summary": summary,
                                   prefix + "_journal": result.get("journal", module.params["journal"])}
        data = {prefix: {summary["account"]: summary}}
        # Numbers, which Ansible adds up over the fleet (dicts it would merge, strings join): per currency, one each.
        costs = result.get("costs", {})
        if costs.get("cost_usd") is not None:
            data[prefix + "_cost_usd"] = float(costs["cost_usd"])
        for kind, amounts in (("change", costs.get("balance_changes", {})), ("fee", costs.get("fees", {}))):
            data.update(("%s_%s_%s" % (prefix, kind, ccy), float(amount)) for ccy, amount in amounts.items())
        result["ansible_stats"] = dict(data=data, per_host=False, aggregate=True)


def debts_diff(result, reread):
    """Each debt before and after: as OKX showed it after the repays, or (check mode, not waited for) predicted:
    a planned debt as its prediction leaves it at worst, else (accepted and not yet final, or no prediction) taken as
    repaid, the others as they were."""
    before = dict(result["debts_before"])
    if reread:
        after = dict((ccy, result["debts_left"].get(ccy, "0")) for ccy in before)
        after.update(result["debts_left"])
    else:
        after = dict(before)
        for item in result["would_repay"] + result["repaid"]:
            if item["debt_ccy"] in after and item.get("status") in (None, "running"):
                after[item["debt_ccy"]] = item.get("prediction", {}).get("debt_left", {}).get("at_worst", "0")
    return dict(before=dict(debts=before), after=dict(debts=dict((ccy, amount) for ccy, amount in after.items()
                                                                 if ccy in before or okx_amount(amount))))


def file_outcomes(result, outcomes, in_flight):
    """File each repay under repaid or failed, and the in-flight ones under in_flight; set changed."""
    result["in_flight"] = [flight.report() for flight in in_flight]
    for outcome in outcomes:
        report = dict(outcome.report(), debt=result["debts_before"].get(outcome.debt_ccy, "0"))
        failure = failure_message(outcome)
        if failure:
            report["msg"] = failure
            if outcome.error is not None:
                report["okx_code"] = outcome.error.code
            result["failed_debts"].append(report)
        else:
            result["repaid"].append(report)
    result["changed"] = result["changed"] or any(outcome.changed for outcome in outcomes)


def failure_message(outcome):
    """Why a posted repay did not do its job, or None when OKX accepted it (and, if waited for, filled it)."""
    cause = outcome.error.msg if outcome.error is not None else None
    if outcome.state == "not_executed":
        return "OKX did not repay it: %s" % (cause or outcome.msg)
    if outcome.state == "unknown":
        return ("it may or may not have run (%s%s): sent at %s (OKX time); check OKX's one-click repay history before "
                "repaying by hand, then release it with release_open_repays if it did not run"
                % (cause + "; " if cause else "", outcome.msg, outcome.report()["sent_at"]))
    if outcome.later_error is not None:
        return "OKX accepted the repay made at ts %s, but then: %s" % (outcome.ts, outcome.later_error.msg)
    if outcome.record is not None and outcome.record.status == "failed":
        return ("OKX reports the repay made at ts %s as failed, without a reason: it repaid nothing (fillDebtSz %s) "
                "from %s, whose balances may have gone to the task's earlier repays: check them in OKX"
                % (outcome.ts, outcome.record.fill_debt_sz, ", ".join(outcome.repay_ccy_list)))
    if outcome.msg:
        return "the repay made at ts %s is %s" % (outcome.ts, outcome.msg)
    return None


def main():
    run(OKXModule(**MODULE))


if __name__ == "__main__":
    main()
