# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fleet
short_description: The linear strategy, waiting for a free fork without spinning
version_added: 0.1.0
author:
  - cryptoops.okx developers (@cryptoops)
description:
  - Runs a play exactly as ansible-core's C(ansible.builtin.linear) strategy does (it is that strategy), with one
    change. When every fork is busy, C(linear) looks for a free one in a loop that sleeps 0.1 ms per round, checking
    each fork in turn, and so keeps one CPU busy while the hosts wait.
  - This strategy sleeps in the operating system until a fork ends, checking at least every 10 ms for requests of
    the running tasks, then hands the host to C(linear) as before.
  - It is worth it when many more hosts wait than there are forks, each task a long one (a fleet of OKX accounts with
    C(cryptoops.okx.one_click_repay), where a task takes seconds, mostly waiting for OKX's rate limits), on a
    controller with few CPUs. See the collection's C(docs/architecture.md) for what it saves.
  - A task with C(throttle) below the forks is queued by C(linear) as before.
notes:
  - "Select it with C(strategy: cryptoops.okx.fleet) in the play, C(strategy = cryptoops.okx.fleet) in the
    C([defaults]) of C(ansible.cfg), or C(ANSIBLE_STRATEGY=cryptoops.okx.fleet)."
"""

from multiprocessing.connection import wait

from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule

# How long to sleep at most before answering the running tasks' requests to the strategy (ansible-core 2.21 has them).
POLL_SECONDS = 0.01


class StrategyModule(LinearStrategyModule):
    """ansible.builtin.linear, blocking in the operating system while every fork is busy."""

    def _queue_task(self, host, task, task_vars, play_context):
        self._wait_for_free_worker()
        super(StrategyModule, self)._queue_task(host, task, task_vars, play_context)

    def _wait_for_free_worker(self):
        """Return once a fork is free (never started, or its process ended)."""
        process_rpc_queue = getattr(self, "_process_rpc_queue", None)
        while True:
            sentinels = []
            for worker in self._workers:
                if worker is None:
                    return
                try:
                    sentinels.append(worker.sentinel)
                except ValueError:  # closed: its slot is free
                    return
            if not sentinels or wait(sentinels, timeout=POLL_SECONDS):
                return
            if process_rpc_queue is not None:
                process_rpc_queue()
