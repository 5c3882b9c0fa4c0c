# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cryptoops.okx.fleet waits for a free fork in the operating system, not in a loop (tests/e2e/test_fleet.py runs a
fleet through it end to end)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading
import time

from ansible_collections.cryptoops.okx.plugins.strategy import fleet


class Worker:
    """A worker process as the strategy sees one: its sentinel becomes readable when it ends."""

    def __init__(self):
        self.sentinel, self._end = os.pipe()

    def end(self):
        os.write(self._end, b"x")


class Closed:
    @property
    def sentinel(self):
        raise ValueError("process object is closed")


def strategy(workers):
    """A StrategyModule without its TaskQueueManager: only what _wait_for_free_worker reads."""
    module = fleet.StrategyModule.__new__(fleet.StrategyModule)
    module._workers = workers
    module.rpc_calls = 0

    def process_rpc_queue():
        module.rpc_calls += 1

    module._process_rpc_queue = process_rpc_queue
    return module


def test_a_fork_never_started_or_closed_is_free_at_once():
    for free in (None, Closed()):
        module = strategy([Worker(), free])
        module._wait_for_free_worker()
        assert module.rpc_calls == 0


def test_it_sleeps_until_a_busy_fork_ends_and_answers_the_tasks_requests_meanwhile():
    workers = [Worker(), Worker()]
    module = strategy(workers)
    timer = threading.Timer(0.2, workers[1].end)
    started = time.monotonic()
    timer.start()
    module._wait_for_free_worker()
    waited = time.monotonic() - started
    assert waited >= 0.15
    # One call per POLL_SECONDS at most, not one per 0.1 ms: it slept.
    assert 1 <= module.rpc_calls <= waited / fleet.POLL_SECONDS + 1


def test_an_ended_fork_is_free_at_once():
    workers = [Worker(), Worker()]
    workers[0].end()
    module = strategy(workers)
    module._wait_for_free_worker()
    assert module.rpc_calls == 0
