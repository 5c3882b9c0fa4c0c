# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The base of every cryptoops.okx module: shared options, their checks, the client, and failure reporting.

``OKXModuleMixin`` holds what a module does the same way whether it runs as a module (``OKXModule``, an
AnsibleModule) or in the controller's worker (plugins/plugin_utils/_okx_action.py). Each module file defines
``MODULE`` (its argument spec and AnsibleModule options) and ``run(module)``, and works with either.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import math

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_client import (
    DEFAULT_API_URL,
    REQUESTS_IMPORT_ERROR,
    OKXClient,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, normalize_currency

# Documented once, in plugins/doc_fragments/okx.py. The credentials are required, but checked by the module so that
# the message can name their environment variables.
CREDENTIALS = (("api_key", "OKX_API_KEY"), ("api_secret", "OKX_API_SECRET"), ("api_passphrase", "OKX_API_PASSPHRASE"))
OKX_COMMON_ARGSPEC = dict(
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OKX_API_KEY"])),
    api_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["OKX_API_SECRET"])),
    api_passphrase=dict(type="str", no_log=True, fallback=(env_fallback, ["OKX_API_PASSPHRASE"])),
    api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["OKX_API_URL"])),
    demo=dict(type="bool", default=False, fallback=(env_fallback, ["OKX_DEMO"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=10.0),
    retries=dict(type="int", default=3),
    sync_time=dict(type="bool", default=False),
)
RANGES = dict(timeout=(0.1, 300), retries=(0, 10))

# What an error means to the user, for OKX codes and failure kinds any endpoint can meet. Each service's endpoints
# add their own (``Endpoint.hints``).
COMMON_HINTS = {
    "50011": "OKX's rate limit for this account was reached: another tool may be calling OKX with a key of this "
             "account; retries waited as OKX asked",
    "50101": "the API key does not match the environment: set demo=true for a demo-trading key, demo=false for a "
             "live key (or OKX_DEMO)",
    "50102": "the request timestamp is outside OKX's 30 s window: fix the controller clock or set sync_time=true",
    "50103": "OK-ACCESS-KEY is empty: set api_key (or OKX_API_KEY)",
    "50104": "OK-ACCESS-PASSPHRASE is empty: set api_passphrase (or OKX_API_PASSPHRASE)",
    "50105": "the passphrase is wrong: check api_passphrase (or OKX_API_PASSPHRASE) against the one chosen for this "
             "API key",
    "50106": "OK-ACCESS-SIGN is empty: set api_secret (or OKX_API_SECRET)",
    "50110": "the controller's IP address is not in the API key's IP whitelist: add it in the OKX API key settings",
    "50111": "the API key is not valid: check api_key (or OKX_API_KEY), and demo for a demo-trading key",
    "50113": "the signature is invalid: check api_secret (or OKX_API_SECRET) for this API key",
    "50114": "the authorization is invalid: check api_key, api_secret and api_passphrase",
    "404": "check api_url: it must be the site's base URL, such as https://www.okx.com",
    "dns": "check api_url (for example https://www.okx.com, or the site the account is registered on) and DNS",
    "connect": "check api_url, the network, and the proxy settings (HTTPS_PROXY, NO_PROXY)",
    "tls": "check api_url, or the CA bundle (REQUESTS_CA_BUNDLE); set validate_certs=false only for a trusted "
           "test endpoint",
    "lost": "OKX may be slow or unreachable: raise timeout, or run again later",
    "malformed": "this may be an OKX change or a proxy: report it with the message",
}


# What a task with no_log: true warns instead of each warning: ansible-core hides such a task's result but still
# prints its ``warnings``, and a warning may quote options or the account's debts and currencies.
NO_LOG_WARNING = "a warning was hidden because the task has no_log: true"


def okx_argument_spec(argument_spec):
    """The shared options plus a module's own."""
    spec = copy.deepcopy(OKX_COMMON_ARGSPEC)
    spec.update(argument_spec)
    return spec


class OKXModuleMixin:
    """Option checks, the client and failure reporting, for ``OKXModule`` and the controller-side runner.

    The class using it provides AnsibleModule's ``params``, ``check_mode``, ``_diff``, ``no_log``, ``exit_json``,
    ``fail_json``, and ``raw_params``: the options exactly as written, before Ansible turned a list element such as
    YAML's ``true`` into the string ``"True"``; and, after this class, the ``warn`` that records a warning.
    """

    client = None

    def warn(self, warning, **kwargs):
        """Record a warning for the task result; under no_log only NO_LOG_WARNING, so the details stay hidden.

        ``no_log`` is the task's (AnsibleModule's comes from ``_ansible_no_log``, which ansible-core also sets for
        no_target_syslog: then too the details are hidden, the safe side). Identical warnings are shown once.
        """
        if self.no_log:
            warning, kwargs = NO_LOG_WARNING, {}
        super(OKXModuleMixin, self).warn(warning, **kwargs)

    def okx_setup(self):
        """Check the shared options and build the client. No request is sent: the module does that."""
        params = self.params
        missing = [(name, env) for name, env in CREDENTIALS if not params[name]]
        if missing:
            self.fail_json(msg="missing OKX credentials: set %s (or the environment variable%s %s)"
                               % (", ".join(name for name, _env in missing), "s" if len(missing) > 1 else "",
                                  ", ".join(env for _name, env in missing)))
        for name, (low, high) in RANGES.items():
            self.in_range(name, low, high)
        try:
            self.client = OKXClient(
                api_key=params["api_key"], api_secret=params["api_secret"], api_passphrase=params["api_passphrase"],
                api_url=params["api_url"], demo=params["demo"], validate_certs=params["validate_certs"],
                timeout=params["timeout"], retries=params["retries"], sync_time=params["sync_time"], warn=self.warn)
        except OKXError as err:
            self.fail_json_okx(err)

    def in_range(self, name, low, high):
        """An option's value, failing the task unless it is a finite number within [low, high]."""
        value = self.params[name]
        if not (math.isfinite(value) and low <= value <= high):
            self.fail_json(msg="%s must be a number from %s to %s, got %s" % (name, low, high, value))
        return value

    def as_written(self, name):
        """An option as the user wrote it (its default when unset)."""
        return self.raw_params[name] if name in self.raw_params else self.params[name]

    def currency(self, name, value=None):
        """A currency symbol, trimmed and upper-cased; a value that is not a string as written is refused."""
        value = self.as_written(name) if value is None else value
        code = normalize_currency(value)
        if code is None:
            self.fail_json(msg="%s: %r is not an OKX currency symbol (letters and digits, such as USDT or BTC)"
                               % (name, value))
        return code

    def currency_list(self, name):
        """A non-empty list of distinct currency symbols, order kept."""
        values = self.as_written(name)
        if not values:
            self.fail_json(msg="%s must list at least one currency" % name)
        codes = []
        for value in values:
            code = self.currency(name, value)
            if code in codes:
                self.fail_json(msg="%s: %r is listed more than once" % (name, code))
            codes.append(code)
        return codes

    @staticmethod
    def okx_failure_text(err, msg=None):
        """What failed, OKX's code and message, and what to do: the message of fail_json_okx."""
        text = "%s: %s" % (msg, err.msg) if msg else err.msg
        if err.endpoint and str(err.endpoint) not in text:
            text = "%s (%s)" % (text, err.endpoint)
        hint = err.hint(COMMON_HINTS)
        return "%s: %s" % (text, hint) if hint else text

    def fail_json_okx(self, err, msg=None, **result):
        """Fail the task for an OKXError: what failed, OKX's code and message, and what to do."""
        failure = dict(result)
        failure.update(msg=self.okx_failure_text(err, msg), okx_code=err.code, okx_msg=err.okx_msg,
                       http_status=err.http_status, endpoint=str(err.endpoint) if err.endpoint else None)
        self.fail_json(**failure)


class OKXModule(OKXModuleMixin, AnsibleModule):
    """AnsibleModule with the shared OKX options, their checks, and an OKXClient in ``self.client``."""

    def __init__(self, argument_spec, **kwargs):
        AnsibleModule.__init__(self, argument_spec=okx_argument_spec(argument_spec), **kwargs)
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.okx_setup()

    def _load_params(self):
        AnsibleModule._load_params(self)
        self.raw_params = copy.deepcopy(self.params)
