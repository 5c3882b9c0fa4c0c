# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The base of every cryptoops.okx module: shared options, their validation, the client, OKX error reporting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from urllib.parse import urlparse

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import (
    DEFAULT_API_URL,
    REQUESTS_IMPORT_ERROR,
    OKXClient,
    OKXError,
)

# Documented once, in plugins/doc_fragments/okx.py.
OKX_COMMON_ARGSPEC = dict(
    api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["OKX_API_KEY"])),
    api_secret=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["OKX_API_SECRET"])),
    api_passphrase=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["OKX_API_PASSPHRASE"])),
    api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["OKX_API_URL"])),
    demo=dict(type="bool", default=False, fallback=(env_fallback, ["OKX_DEMO"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=10.0),
    retries=dict(type="int", default=3),
    sync_time=dict(type="bool", default=False),
)

# OKX currency symbols: upper-case letters and digits (BTC, USDT, 1INCH), at least one letter.
CURRENCY_RE = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{1,20}$")


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OKXModule(AnsibleModule):
    """AnsibleModule with the shared OKX options, their checks, and an OKXClient in ``self.client``."""

    def __init__(self, argument_spec, **kwargs):
        spec = dict(OKX_COMMON_ARGSPEC)
        spec.update(argument_spec)
        super(OKXModule, self).__init__(argument_spec=spec, **kwargs)
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        params = self.params
        self._check_api_url(params["api_url"])
        for name in ("timeout", "retries"):
            if params[name] < 0 or (name == "timeout" and params[name] == 0):
                self.fail_json(msg="%s must be a positive number, got %s" % (name, params[name]))
        self.client = OKXClient(
            api_key=params["api_key"], api_secret=params["api_secret"], api_passphrase=params["api_passphrase"],
            api_url=params["api_url"], demo=params["demo"], validate_certs=params["validate_certs"],
            timeout=params["timeout"], retries=params["retries"], warn=self.warn)
        if params["sync_time"]:
            self.run(self.client.sync_time)

    def _check_api_url(self, url):
        parsed = urlparse(url)
        if parsed.scheme == "https" and parsed.hostname:
            return
        if parsed.scheme == "http" and parsed.hostname and is_loopback(parsed.hostname):
            return
        self.fail_json(msg="api_url must be an https:// URL (http:// is accepted only for a loopback host such as "
                           "127.0.0.1, for local testing), got %r" % url)

    def currency(self, value, option):
        """A currency symbol trimmed and upper-cased, or a failure that names the option and the value."""
        code = (value or "").strip().upper()
        if not CURRENCY_RE.match(code):
            self.fail_json(msg="%s: %r is not an OKX currency symbol (letters and digits, such as USDT or BTC)"
                               % (option, value))
        return code

    def currency_list(self, values, option):
        """A non-empty list of distinct currency symbols, order kept."""
        if not values:
            self.fail_json(msg="%s must list at least one currency" % option)
        codes = []
        for value in values:
            code = self.currency(value, option)
            if code in codes:
                self.fail_json(msg="%s: %r is listed more than once" % (option, code))
            codes.append(code)
        return codes

    def run(self, call, *args, **kwargs):
        """Call the OKX client; any OKXError fails the task with OKX's code and message."""
        try:
            return call(*args, **kwargs)
        except OKXError as err:
            self.fail_okx(err)

    def fail_okx(self, err, **result):
        failure = dict(result)
        failure.update(err.as_result())
        self.fail_json(**failure)
