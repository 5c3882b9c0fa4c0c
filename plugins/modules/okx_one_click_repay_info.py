#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: okx_one_click_repay_info
short_description: Read OKX debts, the currencies to repay them with, and the one-click repay history
version_added: 0.1.0
description:
  - Reads the account's mode and OKX's own Spot auto-repay setting (C(GET /api/v5/account/config)), the debts of the
    account and the currencies OKX can repay them with (C(GET /api/v5/trade/one-click-repay-currency-list-v2)), and
    optionally the one-click repay history of the last 7 days (C(GET /api/v5/trade/one-click-repay-history-v2)).
  - OKX documents one-click repay (new) for accounts in Spot, Multi-currency margin and Portfolio margin mode
    (C(acctLv) 1, 3, 4), and its history for Spot mode only; where OKX refuses the history, the module warns and
    returns no RV(history).
  - Warns when OKX's own Spot auto-repay is on, which competes with this collection for the same debts.
  - Changes nothing.
author:
  - cryptoops.okx developers (@cryptoops)
options:
  history:
    description:
      - Also read the one-click repay history (newest first). Costs one more request; OKX allows 1 every 2 seconds.
    type: bool
    default: false
  history_after:
    description:
      - Return history records earlier than or at this OKX C(ts) (milliseconds since the epoch), to page back.
    type: str
  history_before:
    description:
      - Return history records newer than or at this OKX C(ts) (milliseconds since the epoch).
    type: str
  history_limit:
    description:
      - How many history records to return, 1 to 100.
    type: int
    default: 100
extends_documentation_fragment:
  - cryptoops.okx.okx
  - cryptoops.okx.okx.action_group
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - cryptoops.okx.okx.flow
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details: The module changes nothing.
  platform:
    platforms: posix
seealso:
  - module: cryptoops.okx.okx_one_click_repay
  - module: cryptoops.okx.okx_one_click_repay_account
"""

EXAMPLES = r"""
- name: Read the debts and what can repay them
  cryptoops.okx.okx_one_click_repay_info:
  delegate_to: localhost
  register: okx

- name: Repay every debt from its own currency first, then USDT
  cryptoops.okx.okx_one_click_repay:
    debt_ccy: "{{ item.debt_ccy }}"
    repay_ccy_list: "{{ [item.debt_ccy, 'USDT'] | unique }}"
  loop: "{{ okx.debts }}"
  delegate_to: localhost

- name: Read the last ten repays
  cryptoops.okx.okx_one_click_repay_info:
    history: true
    history_limit: 10
  delegate_to: localhost
  register: okx_history
"""

RETURN = r"""
account:
  description: The account settings that matter to one-click repay, from OKX's account config.
  returned: always
  type: dict
  contains:
    uid:
      description: The account's User ID.
      type: str
      sample: "44800000000000001"
    acct_lv:
      description: The account mode, C(acctLv) (V(1) Spot, V(2) Spot and futures, V(3) Multi-currency margin,
        V(4) Portfolio margin); null when OKX's reply does not say.
      type: str
      sample: "1"
    account_mode:
      description: The account mode by name.
      type: str
      sample: Spot
    spot_borrow_auto_repay:
      description: Whether OKX's own Spot auto-repay (C(spotBorrowAutoRepay)) is on; null when OKX's reply does not
        say. When it is on, OKX repays Spot borrowings by itself.
      type: bool
      sample: false
history_refused:
  description: OKX's refusal of the history in this account mode (OKX shows it for Spot mode only).
  returned: when O(history=true) and OKX refused it
  type: str
  sample: "OKX error 51010: You can't complete this request under your current account mode."
debts:
  description: The outstanding debts, principal and interest.
  returned: always
  type: list
  elements: dict
  contains:
    debt_ccy:
      description: The debt currency.
      type: str
      sample: USDC
    debt_amt:
      description: The debt, principal and interest.
      type: str
      sample: "100"
repay_currencies:
  description: The currencies OKX can repay debts with now, and their available balance.
  returned: always
  type: list
  elements: dict
  contains:
    repay_ccy:
      description: The repay currency.
      type: str
      sample: BTC
    repay_amt:
      description: The available balance of the repay currency.
      type: str
      sample: "1.000022977"
history:
  description: One-click repay records of the last 7 days, newest first, in snake_case.
  returned: when O(history=true)
  type: list
  elements: dict
  contains:
    debt_ccy:
      description: The debt currency.
      type: str
      sample: USDC
    repay_ccy_list:
      description: The repay currencies in priority order.
      type: list
      elements: str
      sample: [USDC, BTC]
    fill_debt_sz:
      description: How much debt the repay filled.
      type: str
      sample: "100"
    status:
      description: V(running), V(filled) or V(failed).
      type: str
      sample: filled
    ts:
      description: The request time, milliseconds since the epoch.
      type: str
      sample: "1742192217511"
    ord_id_info:
      description: The conversion orders of the repay (C(ord_id), C(inst_id), C(ord_type), C(side), C(px), C(sz),
        C(fill_px), C(fill_sz), C(state), C(c_time)).
      type: list
      elements: dict
"""

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_module import OKXModule
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import (
    ACCOUNT_MODES,
    AUTO_REPAY_WARNING,
    HISTORY,
    HISTORY_REFUSED,
    mode_text,
    parse_account_config,
    parse_history,
    read_overview,
    snake_order,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError

MODULE = dict(
    argument_spec=dict(
        history=dict(type="bool", default=False),
        history_after=dict(type="str"),
        history_before=dict(type="str"),
        history_limit=dict(type="int", default=100),
    ),
    supports_check_mode=True,
)


def run(module):
    params = module.params
    for name in ("history_after", "history_before"):
        if params[name] is not None and not params[name].isdigit():
            module.fail_json(msg="%s must be an OKX ts, milliseconds since the epoch, got %r" % (name, params[name]))
    module.in_range("history_limit", 1, 100)
    try:
        config = parse_account_config(module.client.account_config())
        if config.auto_repay:
            module.warn(AUTO_REPAY_WARNING)
        debts, repay = read_overview(module.client)
        result = dict(
            changed=False,
            account=dict(uid=config.uid, acct_lv=config.acct_lv, account_mode=ACCOUNT_MODES.get(config.acct_lv),
                         spot_borrow_auto_repay=config.auto_repay),
            debts=[dict(debt_ccy=ccy, debt_amt=amount) for ccy, amount in debts.items()],
            repay_currencies=[dict(repay_ccy=ccy, repay_amt=amount) for ccy, amount in repay.items()],
        )
        if params["history"]:
            query = dict(after=params["history_after"], before=params["history_before"], limit=str(params["history_limit"]))
            try:
                records = parse_history(module.client.request(HISTORY, params=query))
            except OKXError as err:
                if err.code != HISTORY_REFUSED:
                    raise
                module.warn("OKX refuses the one-click repay history in this account's mode (%s): it shows it for "
                            "Spot mode only" % mode_text(config.acct_lv))
                result["history_refused"] = err.msg
                module.exit_json(**result)
            for record in records:
                if record.problem:
                    module.warn("left out a record of the %s debt (ts %s) that cannot be read: %s"
                                % (record.debt_ccy, record.ts, record.problem))
            result["history"] = [dict(debt_ccy=record.debt_ccy, repay_ccy_list=record.repay_ccy_list,
                                      fill_debt_sz=record.fill_debt_sz, status=record.status, ts=str(record.ts),
                                      ord_id_info=[snake_order(order) for order in record.orders])
                                 for record in records if not record.problem]
    except OKXError as err:
        module.fail_json_okx(err)
    module.exit_json(**result)


def main():
    run(OKXModule(**MODULE))


if __name__ == "__main__":
    main()
