# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retired: the unit tests' own model of OKX (FakeOKX) is gone; they use the simulator's model through
okx_model_mock.py. Only the site URL is re-exported here, for test_okx_contract.py's import; remove this file once that
test imports URL from okx_model_mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import URL  # noqa: F401  pylint: disable=unused-import
