# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""What every OKX module util shares: the error type, and amounts and currency symbols parsed strictly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import decimal
import re

# OKX currency symbols: upper-case letters and digits (BTC, USDT, 1INCH), at least one letter.
CURRENCY_RE = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{1,20}$")
ZERO = decimal.Decimal(0)


class OKXError(Exception):
    """A failed exchange with OKX. Carries what the user needs, never a header, key, secret or signature.

    ``kind`` says what failed: ``okx`` (OKX answered an error code), ``http`` (an HTTP error without OKX's JSON),
    ``malformed`` (a reply the code did not expect), ``dns``, ``connect``, ``tls``, ``lost`` (sent, no complete
    reply in time), ``redirect``, ``config`` (an option or the state directory).
    ``outcome_unknown``: the request may have been executed though no reply says so: a POST must be reconciled,
    never blindly sent again. ``never_sent``: the request provably did not reach OKX.
    ``sent``: (first, last) monotonic instants between which OKX may have received it.
    ``advice``: what to do, when what sent the request knows better than the code's hint (it wins over them).
    """

    def __init__(self, msg, kind="okx", code=None, okx_msg=None, http_status=None, endpoint=None,
                 outcome_unknown=False, never_sent=False, retry_after=None, sent=None, advice=None):
        super(OKXError, self).__init__(msg)
        self.msg = msg
        self.kind = kind
        self.code = code
        self.okx_msg = okx_msg
        self.http_status = http_status
        self.endpoint = endpoint
        self.outcome_unknown = outcome_unknown
        self.never_sent = never_sent
        self.retry_after = retry_after
        self.sent = sent
        self.advice = advice

    def __str__(self):
        return self.msg

    def hint(self, common_hints):
        """What to do about it: the endpoint's own hint for OKX's code, else the common one for the code or kind."""
        hints = getattr(self.endpoint, "hints", {})
        return self.advice or hints.get(self.code) or common_hints.get(self.code) or common_hints.get(self.kind)


def okx_amount(value):
    """A finite, non-negative Decimal from an amount as OKX writes it (a string), or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        amount = decimal.Decimal(value)
    except decimal.InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return amount


def user_amount(value):
    """A finite, non-negative Decimal from an amount a user wrote (a number or a numeric string), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return okx_amount(str(value).strip())


def is_currency(value):
    return isinstance(value, str) and CURRENCY_RE.match(value) is not None


def normalize_currency(value):
    """A currency symbol as the user may write it (`` usdt ``), as OKX wants it (``USDT``); None if not one."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if is_currency(code) else None
