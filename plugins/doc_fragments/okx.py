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
      - The OKX API key. Required; if not set, the value of the E(OKX_API_KEY) environment variable is used.
      - A key created in demo trading works only with O(demo=true), a live key only with O(demo=false).
    type: str
  api_secret:
    description:
      - The secret key of the API key, used to sign every request. It is never sent nor logged.
      - Required; if not set, the value of the E(OKX_API_SECRET) environment variable is used.
    type: str
  api_passphrase:
    description:
      - The passphrase chosen when the API key was created.
      - Required; if not set, the value of the E(OKX_API_PASSPHRASE) environment variable is used.
    type: str
  api_url:
    description:
      - Base URL of the OKX REST API, V(https://HOST[:PORT]) without a path. OKX documents V(https://www.okx.com) and
        V(https://openapi.okx.com) (the REST host its 2026 pages name, demo trading included), and regional sites
        such as V(https://eea.okx.com) or V(https://us.okx.com) for accounts registered there.
      - Must use C(https://). C(http://) is accepted only for a loopback host (V(127.0.0.1), V(localhost), V(::1)),
        for testing against a local simulator. A user name or password in the URL is refused.
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
      - Seconds, from 0.1 to 300, that each request may take in all, connecting and reading OKX's whole reply.
    type: float
    default: 10
  retries:
    description:
      - How many times, from 0 to 10, a failed request is sent again, with exponential backoff and jitter, and never
        sooner than OKX asks with C(Retry-After) (a request OKX asks to wait more than 30 seconds for fails instead).
      - Reads are retried on connection errors, timeouts, HTTP 5xx and 429, replies that are not OKX's JSON, and
        OKX's busy and rate-limit codes. A repay is sent again only when OKX says it did not run it; a repay whose
        outcome is unknown is never sent again; its outcome is read from OKX's repay history.
    type: int
    default: 3
  sync_time:
    description:
      - Read OKX's clock before the first signed request and sign with it.
      - Without it OKX's clock is read when OKX answers 50102 (timestamp expired), then the request is signed and
        sent again once. Either way the reading is shared for a few minutes by the user's other tasks.
    type: bool
    default: false
notes:
  - "The modules talk to the OKX API from where they run: run them on the controller
    (C(delegate_to: localhost) or C(connection: local)). There each module's action plugin runs the module's code
    in the controller's worker process, which saves a Python process per task; elsewhere the module runs as usual."
  - OKX limits its endpoints per User ID; the modules space the calls of one account (all its API keys) to each
    rate-limited endpoint at least OKX's documented interval apart (one-click repay endpoints, 1 request per 2 seconds),
    across parallel forks, loop iterations and overlapping runs on the same machine.
  - They keep their state in a private directory, E(OKX_STATE_DIR) if set, else C(cryptoops.okx) under
    E(XDG_STATE_HOME) (C(~/.local/state)). It holds rate-limit slots, OKX's clock reading, each key's User ID, and the
    journal of repays whose final state was not seen yet. Files are named after hashes, never after a key, and hold no secret.
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

    # With ansible.builtin.action_common_attributes.flow: how every module of the collection runs.
    FLOW = r"""
attributes:
  action:
    support: full
    details: Runs in the controller's worker process when the task runs on the controller; elsewhere as a module.
  async:
    support: full
  bypass_host_loop:
    support: none
"""
