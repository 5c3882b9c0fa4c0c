# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Shared options of every cryptoops.okx module: OKX credentials and the connection."""

    # Mirrors OKX_COMMON_ARGSPEC in plugins/module_utils/_okx_module.py.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - The OKX API key.
      - If not set, the value of the E(OKX_API_KEY) environment variable is used.
      - A key created in demo trading works only with O(demo=true), a live key only with O(demo=false).
    type: str
    required: true
  api_secret:
    description:
      - The secret key of the API key, used to sign every request. It is never sent nor logged.
      - If not set, the value of the E(OKX_API_SECRET) environment variable is used.
    type: str
    required: true
  api_passphrase:
    description:
      - The passphrase chosen when the API key was created.
      - If not set, the value of the E(OKX_API_PASSPHRASE) environment variable is used.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the OKX REST API, for example V(https://www.okx.com), V(https://eea.okx.com) or
        V(https://us.okx.com) for accounts registered on a regional site.
      - Must use C(https://). C(http://) is accepted only for a loopback host (V(127.0.0.1), V(localhost), V(::1)),
        for testing against a local simulator.
      - If not set, the value of the E(OKX_API_URL) environment variable is used.
    type: str
    default: https://www.okx.com
  demo:
    description:
      - Use OKX demo trading (sends the C(x-simulated-trading) header); needs an API key created in demo trading.
      - If not set, the value of the E(OKX_DEMO) environment variable is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_url). Turn off only for a trusted test endpoint.
      - Proxies are taken from the standard E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for OKX to accept the connection and, separately, for its reply.
    type: float
    default: 10
  retries:
    description:
      - How many times a failed request is sent again, with exponential backoff and jitter.
      - Reads are retried on connection errors, HTTP 5xx, HTTP 429 and OKX's busy and rate-limit codes.
        A repay is sent again only when OKX says it did not run it; after a lost reply the module first reads the
        repay history and the debt, and posts again only if the first repay provably did not take effect.
    type: int
    default: 3
  sync_time:
    description:
      - Measure the offset of OKX's clock from the controller's before the first signed request.
      - Without it the offset is measured only when OKX answers 50102 (timestamp expired), then the request is
        signed and sent again once.
    type: bool
    default: false
notes:
  - "The modules talk to the OKX API from where they run: run them on the controller
    (C(delegate_to: localhost) or C(connection: local))."
  - Calls to each rate-limited endpoint with the same API key are spaced at least OKX's documented interval apart
    (one-click repay endpoints, 1 request per 2 seconds), across parallel forks and loop iterations, through lock
    files in a private directory of the temporary directory, named after a hash of the API key.
requirements:
  - requests >= 2.25.0
"""

    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/cryptoops.okx.okx) in C(module_defaults) to set the options of this module once.
    support: full
    membership:
      - cryptoops.okx.okx
"""
