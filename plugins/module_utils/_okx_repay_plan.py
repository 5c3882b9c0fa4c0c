# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""Which debts of an account to repay, from what, and which to skip: a pure function of one read, on Decimals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
from decimal import Decimal

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import (
    ZERO,
    normalize_currency,
    okx_amount,
    user_amount,
)

DEFAULT_PRIORITY = ("USDT", "USDC", "BTC", "ETH")
USD = "USD"

Policy = collections.namedtuple("Policy", "debts priority min_debt usd_prices exclude")


class PolicyError(ValueError):
    """An option of the policy is not valid; the message names it."""


def _currencies(values, option):
    codes = []
    for value in values or []:
        code = normalize_currency(value)
        if code is None:
            raise PolicyError("%s: %r is not an OKX currency symbol (letters and digits, such as USDT or BTC)"
                              % (option, value))
        if code not in codes:
            codes.append(code)
    return codes


def _amounts(book, option, allow_usd=False):
    amounts = {}
    for key, value in (book or {}).items():
        code = USD if allow_usd and str(key).strip().upper() == USD else normalize_currency(key)
        amount = user_amount(value)
        if code is None or amount is None:
            raise PolicyError("%s: %r: %r must be a currency symbol with a non-negative number" % (option, key, value))
        amounts[code] = amount
    return amounts


def make_policy(debts=None, priority=DEFAULT_PRIORITY, min_debt=None, usd_prices=None, exclude=None):
    """The policy from the options as users write them; PolicyError names the first option that is not valid.

    ``debts``: [{debt_ccy, repay_ccy_list}] repays exactly these (explicit mode); empty: every debt (auto mode), each
    from its own currency, then ``priority``. ``min_debt``: {CCY: amount} skips smaller debts; its key USD applies to
    other currencies worth less than that in USD at ``usd_prices``. ``exclude``: debt currencies never repaid.
    """
    explicit = []
    for index, item in enumerate(debts or []):
        option = "debts[%d]" % index
        if not isinstance(item, dict) or set(item) - {"debt_ccy", "repay_ccy_list"}:
            raise PolicyError("%s must be a dict with debt_ccy and repay_ccy_list" % option)
        debt_ccy = _currencies([item.get("debt_ccy")], option + ".debt_ccy")[0]
        repay_list = item.get("repay_ccy_list")
        if not isinstance(repay_list, list) or not repay_list:
            raise PolicyError("%s.repay_ccy_list must list at least one currency" % option)
        explicit.append((debt_ccy, _currencies(repay_list, option + ".repay_ccy_list")))
    if len(set(debt_ccy for debt_ccy, _list in explicit)) != len(explicit):
        raise PolicyError("debts: a debt currency is listed more than once")
    return Policy(explicit, _currencies(priority, "priority"), _amounts(min_debt, "min_debt", allow_usd=True),
                  _amounts(usd_prices, "usd_prices"), _currencies(exclude, "exclude"))


def _dust(debt_ccy, amount, policy):
    """Why a debt is too small to repay, or None."""
    minimum = policy.min_debt.get(debt_ccy)
    if minimum is not None:
        return "below min_debt %s %s" % (debt_ccy, minimum) if amount < minimum else None
    price = policy.usd_prices.get(debt_ccy)
    if USD in policy.min_debt and price is not None and amount * price < policy.min_debt[USD]:
        return "worth less than min_debt USD %s" % policy.min_debt[USD]
    return None


def unavailable(repay_list, repay):
    """Why none of ``repay_list`` can repay a debt now, each currency named: not listed by OKX, or no balance."""
    unlisted = [ccy for ccy in repay_list if ccy not in repay]
    empty = [ccy for ccy in repay_list if ccy in repay]
    reasons = []
    if unlisted:
        what = "it as a repay currency" if len(unlisted) == 1 else "them as repay currencies"
        reasons.append("%s: OKX does not list %s of the account" % (", ".join(unlisted), what))
    if empty:
        reasons.append("%s: no balance" % ", ".join(empty))
    return "; ".join(reasons)


def plan_repays(debts, repay, policy, in_flight=()):
    """What to repay: {repay: [{debt_ccy, repay_ccy_list, debt}], skipped: [{debt_ccy, debt, reason}],
    failed: [{debt_ccy, debt, msg}]}.

    ``debts`` and ``repay``: {ccy: amount as OKX wrote it} from the currency list (the debts; what can repay them).
    ``in_flight``: debt currencies with a repay still in flight: never repaid again now. Explicit repay lists keep
    the currencies OKX lists as repay currencies, in their order (one it does not list, a typo such as USDCC, would
    make OKX refuse the whole repay); auto mode keeps only the currencies OKX offers with a balance. A debt none of
    whose currencies has a balance fails, with the reason for each, and is never posted.
    """
    eligible = [ccy for ccy, amount in repay.items() if okx_amount(amount) > ZERO]
    plan = dict(repay=[], skipped=[], failed=[])
    if policy.debts:
        wanted = [(debt_ccy, repay_list, [code for code in repay_list if code in repay])
                  for debt_ccy, repay_list in policy.debts]
    else:
        wanted = []
        for ccy in debts:
            listed = _currencies([ccy] + policy.priority, "priority")
            wanted.append((ccy, listed, [code for code in listed if code in eligible]))
    for debt_ccy, listed, repay_list in wanted:
        text = debts.get(debt_ccy, "0")
        amount = okx_amount(text)
        if debt_ccy in policy.exclude:
            reason = "excluded"
        elif amount <= ZERO:
            reason = "no debt"
        elif debt_ccy in in_flight:
            reason = "a repay of it is in flight"
        else:
            reason = _dust(debt_ccy, amount, policy)
        if reason:
            plan["skipped"].append(dict(debt_ccy=debt_ccy, debt=text, reason=reason))
        elif not any(code in eligible for code in repay_list):
            msg = "none of %s can repay it now (%s); OKX offers: %s" % (
                ", ".join(listed), unavailable(listed, repay), ", ".join(eligible) or "none")
            plan["failed"].append(dict(debt_ccy=debt_ccy, debt=text, msg=msg))
        else:
            plan["repay"].append(dict(debt_ccy=debt_ccy, repay_ccy_list=list(repay_list), debt=text))
    return plan


# Assumption (docs/market.md): OKX's conversions take up to this share of what they sell (fees, the IOC price band):
# balances worth less than the debts plus this are short of them. It only decides the order of the repays and which
# ones are left for later, never an amount.
CONVERSION_MARGIN = Decimal("0.01")


def _usd(amount, ccy, prices):
    return okx_amount(amount) * prices[ccy]


def short_of_money(repays, repay, prices):
    """Whether the balances OKX offers for ``repays`` (the plan's) are worth less than their debts plus
    CONVERSION_MARGIN, at ``prices`` (USD); False when a currency has no price (nothing is known then)."""
    currencies = set(ccy for item in repays for ccy in item["repay_ccy_list"] if ccy in repay)
    if len(repays) < 2 or any(ccy not in prices for ccy in currencies | set(item["debt_ccy"] for item in repays)):
        return False
    have = sum(_usd(repay[ccy], ccy, prices) for ccy in currencies)
    need = sum(_usd(item["debt"], item["debt_ccy"], prices) for item in repays)
    return have < need * (1 + CONVERSION_MARGIN)


def interest_first(repays, repay, prices, rates):
    """(the repays to post, costliest interest first; the ones left, with why) when money is short: a debt is left
    when the balances are spent, at ``prices``, on the debts before it. ``rates``: {ccy: hourly rate}."""
    currencies = set(ccy for item in repays for ccy in item["repay_ccy_list"] if ccy in repay)
    left_usd = sum(_usd(repay[ccy], ccy, prices) for ccy in currencies)

    def hourly(item):
        return _usd(item["debt"], item["debt_ccy"], prices) * rates.get(item["debt_ccy"], ZERO)

    ranked = sorted(repays, key=hourly, reverse=True)  # stable: the same interest keeps the plan's order
    posted, left = [], []
    for item in ranked:
        if left_usd <= 0:
            left.append(dict(debt_ccy=item["debt_ccy"], debt=item["debt"], reason=(
                "the balances are short of the debts: repaid first the debts whose interest costs more (%s)"
                % ", ".join(other["debt_ccy"] for other in posted))))
        else:
            posted.append(item)
            left_usd -= _usd(item["debt"], item["debt_ccy"], prices) * (1 + CONVERSION_MARGIN)
    return posted, left


def _predicted(prediction):
    """What check mode predicts of a repay, in a few words (docs/market.md): what it repays, what it sells."""
    if not prediction:
        return ""
    repaid = prediction["debt_repaid"]
    text = "repays %s" % repaid["at_market"]
    if repaid["at_worst"] != repaid["at_market"]:
        text += " (%s at worst)" % repaid["at_worst"]
    # What leaves the account at worst: the most it takes from each balance.
    sold = ["%s %s" % (ccy, change["at_worst"][1:]) for ccy, change in sorted(prediction["balance_changes"].items())
            if change["at_worst"].startswith("-")]
    if sold:
        text += ", takes %s" % ", ".join(sold)
    if not prediction["covers"]:
        text += ", the balances do not cover it"
    return " (predicted: %s)" % text


def _debt(item):
    return "%s %s" % (item["debt_ccy"], item.get("debt", "?"))


def describe(result, check_mode=False):
    """One line saying what an account's task repaid (in check mode: would repay), and what it left and why.

    ``result``: the account module's result (repaid, would_repay, in_flight, skipped_debts, failed_debts,
    debts_left). What the role prints for each account, in ansible-playbook's default output.
    """
    repaid, left, failed = ("would repay", "would leave", "would fail") if check_mode else ("repaid", "left", "failed")
    if check_mode:
        done = ["%s from %s%s" % (_debt(item), ", ".join(item["repay_ccy_list"]), _predicted(item.get("prediction")))
                for item in result["would_repay"]]
    else:
        done = []
        for item in result["repaid"]:
            if item.get("status") == "filled":
                state = "filled %s" % item.get("fill_debt_sz")
                if item.get("cost", {}).get("cost_usd") not in (None, "0"):  # a conversion's fees and slippage
                    state += ", cost %s USD" % item["cost"]["cost_usd"]
            elif item.get("status"):
                state = item["status"]
            elif item.get("debt_cleared"):
                state = "the debt shows no more"
            else:
                state = "accepted at ts %s, not waited for" % item.get("ts")
            done.append("%s from %s (%s)" % (_debt(item), ", ".join(item["repay_ccy_list"]), state))
    parts = ["%s %s" % (repaid, text) for text in done or ["nothing"]]
    parts.extend("%s %s: %s" % (left, _debt(item), item["reason"]) for item in result["skipped_debts"]
                 if item["reason"] != "no debt")
    parts.extend("%s %s: a repay of it is in flight (ts %s%s)"
                 % (left, item["debt_ccy"], item.get("ts"), ", %s" % item["status"] if item.get("status") else "")
                 for item in result["in_flight"])
    parts.extend("%s %s: %s" % (failed, _debt(item), item["msg"]) for item in result["failed_debts"])
    if not check_mode:
        owed = ["%s %s" % item for item in sorted(result["debts_left"].items()) if okx_amount(item[1])]
        parts.append("debts left: %s" % (", ".join(owed) if owed else "none"))
    return "; ".join(parts)
