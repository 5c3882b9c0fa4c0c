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
    one-click repay (new), C(POST /api/v5/trade/one-click-repay-v2). Works for accounts in Spot mode only.
  - Declarative and idempotent; it first reads the account's debts (C(GET /api/v5/trade/one-click-repay-currency-list-v2)).
    With no debt in O(debt_ccy) it changes nothing and posts nothing.
  - OKX accepts the repay and settles it asynchronously; O(wait=true) polls the repay history until it is final.
author:
  - cryptoops.okx developers (@cryptoops)
options:
  debt_ccy:
    description:
      - The currency of the debt to repay, for example V(USDC). Trimmed and upper-cased.
    type: str
    required: true
  repay_ccy_list:
    description:
      - The currencies to repay with, in priority order; OKX uses the first one first, for example V([USDC, BTC]).
      - Codes are trimmed and upper-cased; an empty list, an empty code or a code listed twice is an error.
    type: list
    elements: str
    required: true
  force:
    description:
      - Post the repay without first reading the debt.
      - The task then reports C(changed) whenever OKX accepts the repay, and is no longer idempotent.
    type: bool
    default: false
  wait:
    description:
      - Wait until OKX reports the repay as C(filled) or C(failed) in the repay history, and return what it filled.
      - The task fails when the repay failed.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true). The history is read at most once every 2 seconds (OKX's limit).
    type: int
    default: 60
extends_documentation_fragment:
  - cryptoops.okx.okx
  - cryptoops.okx.okx.action_group
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the debts and reports whether a repay would be posted; never posts.
  diff_mode:
    support: full
    details: Shows the debt before and the debt after (predicted in check mode).
  platform:
    platforms: posix
seealso:
  - module: cryptoops.okx.okx_one_click_repay_info
  - name: OKX API, one-click repay (new)
    description: The endpoint this module calls.
    link: https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-trade-one-click-repay-new
"""

EXAMPLES = r"""
- name: Repay the USDC debt, from USDC first, then BTC
  cryptoops.okx.okx_one_click_repay:
    debt_ccy: USDC
    repay_ccy_list:
      - USDC
      - BTC
  delegate_to: localhost

- name: Set the credentials once for every OKX task of a play
  hosts: okx_accounts
  gather_facts: false
  module_defaults:
    group/cryptoops.okx.okx:
      api_key: "{{ okx_api_key }}"
      api_secret: "{{ okx_api_secret }}"
      api_passphrase: "{{ okx_api_passphrase }}"
  tasks:
    - name: Repay the USDT debt and wait for the outcome
      cryptoops.okx.okx_one_click_repay:
        debt_ccy: USDT
        repay_ccy_list: [USDT, ETH, BTC]
        wait: true
      delegate_to: localhost
      register: repay

    - name: Show what was repaid
      ansible.builtin.debug:
        msg: "{{ repay.fill_debt_sz | default('pending') }} {{ repay.debt_ccy }} repaid at {{ repay.ts }}"
"""

RETURN = r"""
changed:
  description: Whether a repay was posted (or, in check mode, would be).
  returned: always
  type: bool
  sample: true
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
    - When the reply to the POST was lost and the repay was found in the history, the history record's C(ts).
  returned: when a repay was posted
  type: str
  sample: "1742192217514"
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
  description: The final state of the repay in OKX's history, V(filled) or V(failed).
  returned: with O(wait=true) when a repay was posted
  type: str
  sample: filled
fill_debt_sz:
  description: How much of the debt the repay filled.
  returned: with O(wait=true) when a repay was posted
  type: str
  sample: "100"
reconciled:
  description: True when the reply to the repay POST was lost and the repay was confirmed from OKX's history instead.
  returned: when a repay was posted
  type: bool
  sample: false
orders:
  description: The conversion orders OKX placed to repay, from the repay history (C(ordIdInfo)), in snake_case.
  returned: with O(wait=true) when a repay was posted
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

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import OKXError
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import OKXModule
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    currency_overview,
    has_amount,
    post_repay,
    wait_for_outcome,
)


def debt_diff(debt_ccy, before, after):
    return dict(before={"debt_ccy": debt_ccy, "debt": before}, after={"debt_ccy": debt_ccy, "debt": after})


def outcome(client, debt_ccy, repay_ccy_list, ts, wait_timeout):
    """What the repay made at ``ts`` filled once final, and the debt left."""
    record = wait_for_outcome(client, debt_ccy, repay_ccy_list, ts, wait_timeout, time.time)
    return dict(
        status=record.get("status"),
        fill_debt_sz=record.get("fillDebtSz"),
        orders=[camel_dict_to_snake_dict(order) for order in record.get("ordIdInfo") or []],
        debt_after=currency_overview(client)[0].get(debt_ccy, "0"),
    )


def main():
    module = OKXModule(
        argument_spec=dict(
            debt_ccy=dict(type="str", required=True),
            repay_ccy_list=dict(type="list", elements="str", required=True),
            force=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    debt_ccy = module.currency(module.params["debt_ccy"], "debt_ccy")
    repay_ccy_list = module.currency_list(module.params["repay_ccy_list"], "repay_ccy_list")
    result = dict(changed=False, debt_ccy=debt_ccy, repay_ccy_list=repay_ccy_list)
    client = module.client

    try:
        debt_before = None
        if not module.params["force"]:
            debts, repay_amounts = currency_overview(client)
            debt_before = result["debt_before"] = debts.get(debt_ccy, "0")
            if not has_amount(debt_before):
                result["debt_after"] = debt_before
                module.exit_json(**result)
            if not any(has_amount(repay_amounts.get(ccy)) for ccy in repay_ccy_list):
                eligible = sorted(ccy for ccy, amount in repay_amounts.items() if has_amount(amount))
                module.fail_json(msg="none of repay_ccy_list %s has a balance OKX can repay the %s %s debt with; "
                                     "currencies OKX offers for repay now: %s"
                                     % (", ".join(repay_ccy_list), debt_before, debt_ccy, ", ".join(eligible) or "none"),
                                 **result)

        result["changed"] = True
        if module.check_mode:
            result["debt_after"] = "0"
        else:
            result["ts"], result["reconciled"] = post_repay(client, debt_ccy, repay_ccy_list, debt_before, warn=module.warn)
            if module.params["wait"]:
                result.update(outcome(client, debt_ccy, repay_ccy_list, result["ts"], module.params["wait_timeout"]))
        if module._diff and debt_before is not None:
            # Without wait, the debt after is the prediction: the repay currencies cover it.
            result["diff"] = debt_diff(debt_ccy, debt_before, result.get("debt_after", "0"))
        if result.get("status") == "failed":
            module.fail_json(msg="OKX reports the repay of the %s debt made at ts %s as failed" % (debt_ccy, result["ts"]),
                             **result)
    except OKXError as err:
        module.fail_okx(err, **result)

    module.exit_json(**result)


if __name__ == "__main__":
    main()
