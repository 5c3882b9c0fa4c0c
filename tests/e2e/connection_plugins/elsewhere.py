# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only connection: runs on this machine, but is not ``local``, as a bastion's ssh connection would not be.

The modules' action plugin runs a module in the controller's worker only for ``local``; with this connection the
end-to-end tests see the module executed as a module, the way it runs when a task is delegated to another host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: elsewhere
short_description: Run on this machine as if it were another host (tests only)
description:
  - The local connection under another name, for the end-to-end tests of delegated tasks.
author: cryptoops.okx developers (@cryptoops)
"""

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = "elsewhere"
