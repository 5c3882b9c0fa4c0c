#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: okx_one_click_repay
short_description: Repay an OKX debt with one-click repay
version_added: 0.1.0
description:
  - Repays the debt of an OKX account in one currency from a priority list of other currencies, through OKX's
    one-click repay (new), C(POST /api/v5/trade/one-click-repay-v2). OKX documents it for accounts in Spot,
    Multi-currency margin and Portfolio margin mode (C(acctLv) 1, 3, 4); its history only for Spot mode, and where
    OKX refuses the history the repay is followed by OKX's reply, the journal and the debt (docs/okx-modes.md).
  - Warns when OKX's own Spot auto-repay (C(spotBorrowAutoRepay)) is on, since the two compete for the same debts.
  - Declarative and idempotent. It reads the account's debts first (C(GET /api/v5/trade/one-click-repay-currency-list-v2));
    with no debt in O(debt_ccy) it changes nothing and posts nothing.
  - Never posts a second repay of a debt while one is in flight. It reads OKX's repay history first, and its own
    journal of repays whose final state it has not seen yet; a repay of the debt still running (or posted moments
    ago and not in the history yet) is reported, not repeated (RV(outcome=in_flight)).
  - A repay whose reply is lost or cannot be read is never posted again. Its outcome is read from OKX's repay history
    for up to O(wait_timeout) seconds; when it cannot be known, the task fails with RV(outcome=unknown), and that debt
    stays blocked on this machine until OKX's history shows the repay, or you release it with
    O(release_open_repay=true) after checking the history. Silence is never taken as proof that it did not run. The
    collection's docs/safety.md explains the guarantee and what to do after RV(outcome=unknown).
  - OKX accepts the repay and settles it asynchronously; O(wait=true) reads the repay history until it is final.
author:
  - cryptoops.okx developers (@cryptoops)
options:
  debt_ccy:
    description:
      - The currency of the debt to repay, for example V(USDC). Trimmed and upper-cased; it must be written as a
        string (a YAML boolean or number is refused).
    type: str
    required: true
  repay_ccy_list:
    description:
      - The currencies to repay with, in priority order; OKX uses the first one first, for example V([USDC, BTC]).
      - Codes are trimmed and upper-cased; an empty list, an element that is not a string (such as YAML's V(true)),
        an empty code or a code listed twice is an error.
      - A currency OKX does not list as a repay currency of the account (a typo such as V(USDCC)) is not posted, as
        OKX would refuse the whole repay; one OKX has never shown for the account is also a warning naming it. When
        none of the currencies has a balance, the task fails with the reason for each and posts nothing (check mode
        too). With O(force=true) the list is posted as written.
    type: list
    elements: str
    required: true
  force:
    description:
      - Post the repay without first reading the debt.
      - It still never posts while a repay of the debt is in flight. The task reports RV(changed) whenever OKX accepts
        the repay, and is no longer idempotent.
    type: bool
    default: false
  wait:
    description:
      - Wait until OKX reports the repay as C(filled) or C(failed) in the repay history, and return what it filled.
      - The task fails when the repay failed.
    type: bool
    default: false
  release_open_repay:
    description:
      - Release an earlier repay of O(debt_ccy) that this machine posted and whose outcome is still open
        (RV(outcome=unknown)), so that the task may repay the debt again. Set it only after checking OKX's one-click
        repay history (for example with M(cryptoops.okx.okx_one_click_repay_info) and O(cryptoops.okx.okx_one_click_repay_info#module:history=true))
        and finding no repay of that debt at that time. If that repay did run, a second one is posted.
      - When the history does show that repay, it is reported as usual and nothing is released. The release is
        reported in RV(released) and as a warning; in check mode nothing is released.
    type: bool
    default: false
  journal:
    description:
      - The account's open journal entries as an earlier task returned them (RV(journal)), from another machine; see
        O(cryptoops.okx.okx_one_click_repay_account#module:journal). They can only keep a debt waiting for OKX's
        history, never release one. A value this version cannot read fails the task.
    type: dict
  wait_timeout:
    description:
      - The longest, in seconds (1 to 3600), that each wait of the task lasts. It waits for the repay to be final
        (O(wait=true)), for OKX's history to show a repay whose reply was lost, and for another task on this machine
        that is repaying debts of the same account. The history is read at most once every 2 seconds (OKX's limit).
    type: int
    default: 60
extends_documentation_fragment:
  - cryptoops.okx.okx
  - cryptoops.okx.okx.action_group
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - cryptoops.okx.okx.flow
attributes:
  check_mode:
    support: full
    details: Reads the debts and the history and reports whether a repay would be posted; never posts.
  diff_mode:
    support: full
    details: Shows the debt before and the debt after (predicted in check mode, and without O(wait)).
  platform:
    platforms: posix
seealso:
  - module: cryptoops.okx.okx_one_click_repay_account
  - module: cryptoops.okx.okx_one_click_repay_info
  - name: OKX API, one-click repay (new)
    description: The endpoint this module calls.
    link: https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-trade-one-click-repay-new
"""

EXAMPLES = r"""
- name: Repay the USDC debt, from USDC first, then USDT
  cryptoops.okx.okx_one_click_repay:
    debt_ccy: USDC
    repay_ccy_list:
      - USDC
      - USDT
  delegate_to: localhost

- name: Repay the ETH debt from USDT and wait for the outcome
  cryptoops.okx.okx_one_click_repay:
    debt_ccy: ETH
    repay_ccy_list: [USDT]
    wait: true
    wait_timeout: 120
  delegate_to: localhost
  register: repay

- name: Show what happened
  ansible.builtin.debug:
    msg: "{{ repay.debt_ccy }}: {{ repay.outcome }}, filled {{ repay.fill_debt_sz | default('nothing yet') }}"

- name: Repay with credentials given once for every OKX task of the block
  module_defaults:
    group/cryptoops.okx.okx:
      api_key: "{{ lookup('ansible.builtin.env', 'OKX_API_KEY') }}"
      api_secret: "{{ lookup('ansible.builtin.env', 'OKX_API_SECRET') }}"
      api_passphrase: "{{ lookup('ansible.builtin.env', 'OKX_API_PASSPHRASE') }}"
  block:
    - name: Repay the USDT debt, if any
      cryptoops.okx.okx_one_click_repay:
        debt_ccy: USDT
        repay_ccy_list: [USDT, ETH]
      delegate_to: localhost
"""

RETURN = r"""
changed:
  description: Whether this task posted a repay that OKX ran or may have run (or, in check mode, would post one).
  returned: always
  type: bool
  sample: true
outcome:
  description:
    - What happened to the repay. V(none) no debt, nothing to do. V(planned) check mode, a repay would be posted.
      V(accepted) OKX accepted the repay this task posted. V(in_flight) a repay of the debt was already in flight
      (still running, or posted moments ago); this task posted nothing. V(not_executed) OKX did not run the repay
      (the task fails). V(unknown) the repay may or may not have run (the task fails; see docs/safety.md).
  returned: always
  type: str
  sample: accepted
debt_ccy:
  description: The debt currency, normalized.
  returned: always
  type: str
  sample: USDC
repay_ccy_list:
  description: The repay currencies in priority order, normalized.
  returned: always
  type: list
  elements: str
  sample: [USDC, BTC]
ts:
  description:
    - OKX's request time of the repay, milliseconds since the epoch, as OKX sends it (a string).
    - When the reply to the POST was lost and the repay was found in the history, the history record's C(ts). For
      RV(outcome=in_flight), the C(ts) of the repay in flight.
  returned: when OKX accepted the repay, or one is in flight
  type: str
  sample: "1742192217514"
journal:
  description:
    - The account's open journal entries after the task, to pass as O(journal) to the next task on another machine
      (an AWX job in a fresh execution environment). Its format is private to the collection.
  returned: when the journal could be read
  type: dict
  sample: {version: 1, account: 0f3c5e..., entries: {}}
released:
  description: The open repay that O(release_open_repay=true) released, when there was one.
  returned: when a repay was released
  type: list
  elements: dict
  sample: [{debt_ccy: USDC, sent_at: "2026-11-26T10:00:00.123Z", ts: null}]
sent_at:
  description: When the POST of a repay whose outcome is unknown was sent, in OKX's time (ISO 8601, UTC).
  returned: when RV(outcome=unknown)
  type: str
  sample: "2026-11-26T10:00:00.123Z"
debt_before:
  description: The debt in O(debt_ccy) before the repay, principal and interest, as OKX reports it.
  returned: unless O(force=true)
  type: str
  sample: "100"
debt_after:
  description:
    - The debt in O(debt_ccy) after the repay, read again from OKX once the repay is final.
    - In check mode, the predicted debt, assuming the repay currencies cover it.
  returned: when there was no debt, in check mode, and with O(wait=true)
  type: str
  sample: "0"
status:
  description: The state of the repay in OKX's history, V(running), V(filled) or V(failed).
  returned: with O(wait=true), and for a repay in flight
  type: str
  sample: filled
fill_debt_sz:
  description: How much of the debt the repay filled.
  returned: with O(wait=true) when OKX accepted the repay
  type: str
  sample: "100"
debt_cleared:
  description:
    - True when OKX does not show the repay history in the account's mode (Multi-currency or Portfolio margin) and the
      repay was followed by the debt instead, which OKX then showed gone (see the collection's docs/okx-modes.md).
      RV(status) and RV(fill_debt_sz) are not returned then.
  returned: when the repay was followed by the debt
  type: bool
  sample: true
reconciled:
  description: True when the reply to the repay POST was lost and the repay was found in OKX's history instead.
  returned: when RV(outcome=accepted)
  type: bool
  sample: false
reconciled_by:
  description:
    - How the history record was matched to the repay whose reply was lost, naming the rule (docs/safety.md,
      "Attribution"). V(window) the only record of the debt in the POST's send window with its repay currencies.
      V(only_record) the only record of the debt since the POST, shown outside its window (delivered late, or OKX's
      clock moved), taken as this POST's because no other task of this machine posted a repay of the debt since.
  returned: when RV(reconciled=true)
  type: str
  sample: window
orders:
  description: The conversion orders OKX placed to repay, from the repay history (C(ordIdInfo)), in snake_case.
  returned: with O(wait=true) when OKX accepted the repay
  type: list
  elements: dict
  sample:
    - ord_id: "2497838213429444608"
      inst_id: BTC-USDC
      ord_type: ioc
      side: sell
      px: "60000"
      sz: "0.001"
      fill_px: "60000"
      fill_sz: "0.001"
      state: filled
      c_time: "1742192217514"
"""

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import OKXModule
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    Outcome,
    RepaySession,
    okx_time_text,
    unseen_currencies,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay_plan import unavailable
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, okx_amount

MODULE = dict(
    argument_spec=dict(
        debt_ccy=dict(type="str", required=True),
        repay_ccy_list=dict(type="list", elements="str", required=True),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=60),
        release_open_repay=dict(type="bool", default=False),
        journal=dict(type="dict"),
    ),
    supports_check_mode=True,
)


def run(module):
    """Read, compare, repay (at most one repay in flight per debt), report."""
    wait_timeout = module.in_range("wait_timeout", 1, 3600)
    debt_ccy = module.currency("debt_ccy")
    repay_ccy_list = module.currency_list("repay_ccy_list")
    result = dict(changed=False, debt_ccy=debt_ccy, repay_ccy_list=repay_ccy_list)
    session = RepaySession(module.client, wait_timeout, warn=module.warn, debt_ccys=[debt_ccy],
                           release=[debt_ccy] if module.params["release_open_repay"] else (),
                           carried=module.params["journal"], check_mode=module.check_mode)
    outcome = None
    try:
        with session:
            if session.released:
                result["released"] = session.released
            outcome = session.flights.get(debt_ccy)
            if not module.params["force"]:
                debts, repay = session.read_debts()
                result["debt_before"] = debts.get(debt_ccy, "0")
                unseen = unseen_currencies([debt_ccy] + repay_ccy_list, debts, repay, session.records)
                if unseen:
                    module.warn(unseen + ": check debt_ccy and repay_ccy_list; a currency OKX does not list is not "
                                         "used")
                if outcome is None and not okx_amount(result["debt_before"]):
                    result.update(outcome="none", debt_after=result["debt_before"])
                    module.exit_json(**with_journal(result, session))
                if outcome is None and not any(okx_amount(repay.get(ccy, "0")) for ccy in repay_ccy_list):
                    eligible = sorted(ccy for ccy, amount in repay.items() if okx_amount(amount))
                    module.fail_json(msg="none of repay_ccy_list %s has a balance OKX can repay the %s %s debt with "
                                         "(%s); currencies OKX offers for repay now: %s"
                                         % (", ".join(repay_ccy_list), result["debt_before"], debt_ccy,
                                            unavailable(repay_ccy_list, repay), ", ".join(eligible) or "none"),
                                     outcome="not_executed", **with_journal(result, session))
                # Only the currencies OKX lists as repay currencies: one it does not list (a typo) would make OKX
                # refuse the whole repay (51000).
                repay_ccy_list = [ccy for ccy in repay_ccy_list if ccy in repay]
            if outcome is None and module.check_mode:
                outcome = Outcome(debt_ccy, repay_ccy_list, "planned")
            elif outcome is None:
                outcome = session.post(debt_ccy, repay_ccy_list)
        if module.params["wait"] and outcome.state in ("accepted", "in_flight") and not outcome.msg:
            session.wait([outcome])
            if outcome.final and "debt_before" in result:
                result["debt_after"] = session.read_debts()[0].get(debt_ccy, "0")
    except OKXError as err:
        if outcome is not None:  # what OKX already did is reported, then the failure
            result.update(outcome.report(), changed=outcome.changed)
        module.fail_json_okx(err, **with_journal(result, session))
    report(module, outcome, with_journal(result, session))


def with_journal(result, session):
    """The result with the account's open journal entries, to carry to another machine (when they can be read)."""
    journal = session.export()
    if journal is not None:
        result["journal"] = journal
    return result


def report(module, outcome, result):
    """Exit with what happened; fail unless the repay was accepted (or is in flight) and, when waited for, filled."""
    result.update(outcome.report())
    result["changed"] = outcome.changed
    if module.check_mode and outcome.state == "planned":
        result["debt_after"] = "0"  # predicted: the repay currencies cover the debt
    if module._diff and "debt_before" in result:
        after = result.get("debt_after", "0" if result["changed"] else result["debt_before"])
        result["diff"] = dict(before=dict(debt_ccy=outcome.debt_ccy, debt=result["debt_before"]),
                              after=dict(debt_ccy=outcome.debt_ccy, debt=after))
    debt = "the %s debt" % outcome.debt_ccy
    if outcome.later_error is not None:
        module.fail_json_okx(outcome.later_error, msg="OKX %s the repay of %s (ts %s), but then"
                             % ("accepted" if outcome.ts else "may have run", debt, outcome.ts), **result)
    if outcome.state == "not_executed":
        if outcome.error is not None:
            module.fail_json_okx(outcome.error, msg="OKX did not repay %s" % debt, **result)
        module.fail_json(msg="OKX did not repay %s: %s; nothing moved, run again" % (debt, outcome.msg), **result)
    if outcome.state == "unknown":
        module.fail_json(msg="the repay of %s may or may not have run (%s%s): it was sent between %s and %s (OKX "
                             "time). Before repaying by hand, look for it in OKX's one-click repay history; the debt "
                             "stays blocked on this machine until the history shows it or, once you have checked that "
                             "it did not run, you release it (release_open_repay: true)"
                         % (debt, outcome.error.msg + "; " if outcome.error else "", outcome.msg,
                            result["sent_at"], okx_time_text(outcome.sent_ms[1])), **result)
    if outcome.msg:
        module.fail_json(msg="the repay of %s made at ts %s is %s" % (debt, outcome.ts, outcome.msg), **result)
    if result.get("status") == "failed":
        module.fail_json(msg="OKX reports the repay of %s made at ts %s as failed, without a reason: it repaid nothing "
                             "(fillDebtSz %s) from %s, whose balances may have gone to other repays: check them in OKX"
                             % (debt, outcome.ts, result.get("fill_debt_sz"), ", ".join(outcome.repay_ccy_list)),
                         **result)
    module.exit_json(**result)


def main():
    run(OKXModule(**MODULE))


if __name__ == "__main__":
    main()
