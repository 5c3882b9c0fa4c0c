# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cryptoops.okx.plugins.plugin_utils._okx_action import OKXAction


class ActionModule(OKXAction):
    """Runs cryptoops.okx.okx_one_click_repay in the controller's worker when its task runs on the controller."""
