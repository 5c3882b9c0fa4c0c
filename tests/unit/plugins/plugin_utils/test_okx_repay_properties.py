# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repay session's guarantee as properties: a stateful test of both repay modules against the simulator's model of
OKX (okx_model_mock.MockOKX), with an adversarial scheduler, asserting the invariants after every step.

The account is in Spot mode (acctLv 1, where OKX shows the repay history) or in Multi-currency margin mode (acctLv 3,
where it refuses it, and repays are followed by OKX's reply, the journal and the debt): Hypothesis picks one per run.
The adversary: POST replies lost in every way (LOST_REPLY_KINDS), POSTs OKX runs after the client gave up, replies that
echo the credentials, a history that lags by anything from 0 s to 2 h, fails, or pages wrongly, settlement from
instant to minutes, OKX's clock skewed and jumping, our wall clock jumping, the journal damaged, a task killed before
or after any request or journal write, a second task of the account (another key, another spelling of api_url) run
in the middle of one, reruns on the same machine or on a fresh one (an AWX job, carrying the role's fact), and an
operator releasing an open repay that truly did not run.

The invariants, after every step: from one machine (and the machines it carried its journal to) at most one repay of
a debt in flight; no task reports a repay OKX did not run; no task reports ``not_executed`` for a repay OKX ran; a
task that posted nothing is not ``changed``; every task ends within its bound; no credential in any result or file.

``make units`` runs a fixed budget with a fixed seed; ``make fuzz`` a long random run (HYPOTHESIS_PROFILE=fuzz).
Every counterexample found becomes a regular test in test_okx_repay.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import glob
import json
import os
import shutil
import tempfile
from unittest import mock

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ansible_collections.cryptoops.okx.plugins.module_utils import _okx_client, _okx_journal, _okx_state
from ansible_collections.cryptoops.okx.plugins.modules import okx_one_click_repay, okx_one_click_repay_account
from ansible_collections.cryptoops.okx.plugins.plugin_utils._okx_action import ControllerModule, _ModuleExit
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import (
    HISTORY,
    KEY,
    LOST_REPLY_KINDS,
    PASSPHRASE,
    SECOND_KEY,
    SECRET,
    URL,
    FakeClock,
    MockOKX,
    failing,
    lost_reply,
    new_mock,
)

settings.register_profile("ci", max_examples=int(os.environ.get("OKX_PROPERTY_EXAMPLES", "150")),
                          stateful_step_count=15, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("fuzz", max_examples=int(os.environ.get("OKX_PROPERTY_EXAMPLES", "3000")),
                          stateful_step_count=25, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SPELLINGS = (URL, URL + ":443", "https://www.okx.com.")
KEYS = (KEY, SECOND_KEY)
SECRETS = (KEY, SECRET, PASSPHRASE, KEYS[1])
DEBTS = ("USDC", "ETH")
TIMEOUT, RETRIES = 5.0, 2
# The longest one request can take: every attempt times out, with the longest backoffs and rate-limit waits.
REQUEST_BOUND = (RETRIES + 1) * (TIMEOUT + 2.0) + RETRIES * 30.0


class Killed(BaseException):
    """The task's process dies here (kill -9): nothing after runs, its open files (and locks) are closed."""


class AdversarialOKX(MockOKX):
    """The model of OKX, told which task and machine lineage sends each repay (``tag``), checking at each POST that no
    other repay of the debt from that lineage is in flight (running, or to be run later: delivered after the client
    gave up)."""

    def __init__(self, clock, acct_lv):
        MockOKX.__init__(self, clock, debts={"USDC": "100", "ETH": "2"}, balances={"USDT": "1000000"},
                         acct_lv=acct_lv)
        self.tag = (None, None)  # (task, lineage)
        self.violations = []
        self.before_post.append(self._check)

    def _check(self, debt_ccy, headers):
        for event in self.accepted():
            if event["debt_ccy"] == debt_ccy and event["tag"][1] == self.tag[1] and self.in_flight(event):
                self.violations.append("a second repay of %s from lineage %s while ts %s is in flight"
                                       % (debt_ccy, self.tag[1], event["ts"]))
        faults = self.model.faults()
        head = next((fault for fault in faults if fault.get("path") == REPAY_PATH), None)
        if head is not None and head.get("echo"):  # what the request had, in OKX's message
            head["body"]["msg"] = "busy; key %s passphrase %s" % (
                headers["OK-ACCESS-KEY"], headers["OK-ACCESS-PASSPHRASE"])
            self.set_faults(faults)

    @property
    def sent(self):
        """(task, debt_ccy, whether OKX ran it) of every repay POST."""
        return [(event["tag"][0], event["debt_ccy"], event["accepted"]) for event in self.events]


def post_fault(kind, executed, delay):
    """A fault of the model for one repay POST: a lost reply (LOST_REPLY_KINDS), or "echo": a refusal (50013, not
    run) whose message repeats the request's credentials."""
    if kind == "echo":
        return {"path": REPAY_PATH, "method": "POST", "kind": "malformed", "apply": False, "echo": True,
                "body": {"code": "50013", "msg": "busy", "data": []}}
    return lost_reply(kind, apply=executed, runs_after=delay if executed else None)


class Machine:
    """A controller: its state directory, and the journal fact its last account task returned."""

    def __init__(self, root, lineage, carried=None):
        self.path = tempfile.mkdtemp(dir=root)
        self.lineage = lineage
        self.carried = carried  # what the role passes as the account module's journal option
        self.fact_fresh = True  # the last task here returned the journal
        self.damaged = None  # (journal path, content before the damage or None)
        self.retired = False  # a later AWX job of its lineage replaced it (an execution environment lives one job)


class RepaySessionMachine(RuleBasedStateMachine):

    def __init__(self):
        RuleBasedStateMachine.__init__(self)
        self.root = tempfile.mkdtemp(prefix="okx-properties-")
        self.clock = FakeClock()
        self.mock = new_mock()
        self.mock.start()
        self.okx = None  # the account's mode is drawn: see start()

        # Functions, not bound methods: patched onto the classes, they receive the client, journal or state dir.
        def request(client, *args, **kwargs):
            return self._request(client, *args, **kwargs)

        def journal_put(journal, entry):
            return self._journal_put(journal, entry)

        def lock(state, name, timeout=None, **kwargs):
            return self._lock(state, name, timeout, **kwargs)

        self.patches = [mock.patch.object(_okx_client, "Clock", lambda: self.clock),
                        mock.patch.object(_okx_client.OKXClient, "request", request),
                        mock.patch.object(_okx_journal.Journal, "put", journal_put),
                        mock.patch.object(_okx_state.StateDir, "lock", lock),
                        mock.patch.dict(os.environ)]
        self.blocking_locks = 0
        for patch in self.patches:
            patch.start()
        self.machines = [Machine(self.root, lineage=0)]
        self.lineages = 1
        self.schedule = {}
        self.calls = 0
        self.journal_writes = 0
        self.tasks = 0
        self.last_posts = {}  # (lineage, debt_ccy) -> did the last POST run
        self.results = []

    def teardown(self):
        for patch in reversed(self.patches):
            patch.stop()
        self.mock.stop(allow_assert=False)
        shutil.rmtree(self.root, ignore_errors=True)

    # the scheduler's hooks: every request and journal write of a task is a point where it may act

    def _request(self, client, endpoint, params=None, body=None, on_send=None):
        self.calls += 1
        if self.calls > 3000:
            raise AssertionError("a task made more than 3000 requests: an unbounded loop")
        self._act(("before", self.calls))
        result = _ORIGINAL_REQUEST(client, endpoint, params=params, body=body, on_send=on_send)
        self._act(("after", self.calls))
        return result

    @contextlib.contextmanager
    def _lock(self, state, name, timeout, **kwargs):
        """Count the locks held that another task would wait for without a timeout (rate-limit slots, the journal's):
        two processes would just wait there, two tasks of one process would deadlock, so no task is started then."""
        with _ORIGINAL_LOCK(state, name, timeout, **kwargs) as fd:
            self.blocking_locks += timeout is None
            try:
                yield fd
            finally:
                self.blocking_locks -= timeout is None

    def _journal_put(self, journal, entry):
        self.journal_writes += 1
        result = _ORIGINAL_PUT(journal, entry)
        self._act(("journaled", self.journal_writes))
        return result

    def _act(self, point):
        action = self.schedule.pop(point, None)
        if action is None:
            return
        what, value = action
        if what == "kill":
            raise Killed()
        if what == "delay":  # the network or the scheduler stalls the task
            self.clock.now += value
            self.moved += value
        elif what == "skew":
            self.okx.skew = self.okx.skew + value
        elif what == "concurrent" and not self.blocking_locks:  # a second task of the account, here, right now
            machine, spelling, key = value
            started = self.clock.now
            self._run(machine, "account", spelling, key, wait=False, wait_timeout=3, nested=True)
            self.moved += self.clock.now - started  # its time is its own, checked against its own bound

    # running a task as the worker runs it

    def _run(self, machine, kind, spelling, key, wait, wait_timeout, release=False, check_mode=False,
             nested=False):
        self.tasks += 1
        task = self.tasks
        saved_tag = self.okx.tag
        self.okx.tag = (task, machine.lineage)
        os.environ["OKX_STATE_DIR"] = machine.path
        args = dict(api_key=key, api_secret=SECRET, api_passphrase=PASSPHRASE, api_url=spelling, timeout=TIMEOUT,
                    retries=RETRIES, wait=wait, wait_timeout=wait_timeout)
        if kind == "account":
            module = okx_one_click_repay_account
            args.update(priority=["USDT"], release_open_repays=[release] if release else [])
        else:
            module = okx_one_click_repay
            args.update(debt_ccy=kind, repay_ccy_list=["USDT"], release_open_repay=bool(release))
        if machine.carried is not None:
            args["journal"] = machine.carried
        started, damaged_before = self.clock.now, self._damaged_content(machine)
        moved_before = self.moved
        result = None
        try:
            module.run(ControllerModule("cryptoops.okx." + module.__name__.rsplit(".", 1)[-1], args, check_mode,
                                        False, **module.MODULE))
        except _ModuleExit as done:
            result = done.result
        except Killed:
            if not nested:
                machine.fact_fresh = False
        finally:
            self.okx.tag = saved_tag
        elapsed = self.clock.now - started - (self.moved - moved_before)
        debts = 1 if kind != "account" else len(DEBTS)
        bound = 5 * wait_timeout + (3 + 2 * debts) * REQUEST_BOUND
        assert elapsed <= bound, "the task took %s s, its bound is %s s" % (elapsed, bound)
        posted = any(task_ == task for task_, _debt, _executed in self.okx.sent)  # a nested task's are its own
        if check_mode or machine.damaged:
            assert not posted, "a check-mode task or a task on a damaged journal posted"
        if machine.damaged:
            assert self._damaged_content(machine) == damaged_before, "the damaged journal was overwritten"
        if result is not None:
            self._check_result(task, result, posted)
            if not nested:
                if "journal" in result:
                    machine.carried, machine.fact_fresh = result["journal"], True
                else:
                    machine.fact_fresh = False
        for task_, debt_ccy, executed in self.okx.sent:
            if task_ == task:
                self.last_posts[(machine.lineage, debt_ccy)] = executed
        return result

    def _check_result(self, task, result, posted):
        text = json.dumps(result)
        for secret in SECRETS:
            assert secret not in text, "a credential in a task's result"
        assert not result.get("changed") or posted or result.get("would_repay") or \
            result.get("outcome") == "planned", "changed without a POST"
        executed_ts = [event["ts"] for event in self.okx.accepted()]
        ran = dict(((task_, debt), True) for task_, debt, executed in self.okx.sent if executed)
        reports = [result] if "outcome" in result else (
            result.get("repaid", []) + result.get("in_flight", []) + result.get("failed_debts", []))
        for report in reports:
            outcome = report.get("outcome")
            if outcome in ("accepted", "in_flight") and report.get("ts"):
                assert any(abs(int(report["ts"]) - ts) <= 1000 for ts in executed_ts), \
                    "reported a repay (ts %s) OKX did not run" % report["ts"]
            if outcome == "not_executed":
                assert (task, report["debt_ccy"]) not in ran, "not_executed for a repay OKX ran"

    def _damaged_content(self, machine):
        if not machine.damaged:
            return None
        with open(machine.damaged[0], "rb") as handle:
            return handle.read()

    def _live(self, index):
        live = [machine for machine in self.machines if not machine.retired]
        return live[index % len(live)]

    # the adversary's moves

    @initialize(acct_lv=st.sampled_from(["1", "3"]))
    def start(self, acct_lv):
        self.moved = 0.0
        self.okx = AdversarialOKX(self.clock, acct_lv)
        for url in SPELLINGS:
            self.okx.install(self.mock, url=url)

    @rule(machine=st.integers(0, 3), kind=st.sampled_from(("account",) + DEBTS), spelling=st.sampled_from(SPELLINGS),
          key=st.sampled_from(KEYS), wait=st.booleans(), wait_timeout=st.sampled_from([1, 10, 60]),
          check_mode=st.booleans(),
          faults=st.lists(st.tuples(st.sampled_from(LOST_REPLY_KINDS + ("ok", "ok", "echo")), st.booleans(),
                                    st.sampled_from([0, 0, 4, 25])), max_size=3),
          lag=st.sampled_from([0, 0, 3, 30, 600, 7200]), settle=st.sampled_from([0.5, 5, 120]),
          paging=st.sampled_from(["ok", "ok", "ok", "repeat_records", "ignore_after"]),
          history_failures=st.sampled_from([0, 0, 0, 0, 2, 50]),
          schedule=st.dictionaries(
              st.tuples(st.sampled_from(["before", "after", "journaled"]), st.integers(1, 12)),
              st.one_of(st.just(("kill", None)), st.tuples(st.just("delay"), st.sampled_from([1.0, 15.0, 90.0])),
                        st.tuples(st.just("skew"), st.sampled_from([-40.0, 40.0])),
                        st.tuples(st.just("concurrent"), st.tuples(st.sampled_from(SPELLINGS),
                                                                   st.sampled_from(KEYS)))),
              max_size=3))
    def task(self, machine, kind, spelling, key, wait, wait_timeout, check_mode, faults, lag, settle, paging,
             history_failures, schedule):
        machine = self._live(machine)
        # Each POST takes the next fault; an "ok" one is a POST OKX answers on time (a slow reply of no delay).
        on_time = {"path": REPAY_PATH, "method": "POST", "kind": "slow", "delay": 0}
        posts = [post_fault(*fault) if fault[0] != "ok" else dict(on_time) for fault in faults]
        history = [failing(HISTORY, times=history_failures)] if history_failures else []
        if paging != "ok":
            history.append({"path": HISTORY, "method": "GET", "kind": paging, "times": 10 ** 6})
        self.okx.set_faults(posts + history)
        self.okx.configure(history_lag=lag, settle_delay=settle)
        self.calls = self.journal_writes = 0
        self.schedule = dict((point, action if action[0] != "concurrent" else ("concurrent", (machine,) + action[1]))
                             for point, action in schedule.items())
        self._run(machine, kind, spelling, key, wait, wait_timeout, check_mode=check_mode)
        # The history behaves again; the POST faults not taken stay for the next tasks.
        self.okx.set_faults([fault for fault in self.okx.model.faults() if fault.get("path") == REPAY_PATH])

    @rule(seconds=st.sampled_from([1, 30, 600, 7200, 8 * 86400]))
    def time_passes(self, seconds):
        self.clock.now += seconds

    @rule(seconds=st.sampled_from([-3600.0, -20.0, 20.0, 3600.0]))
    def wall_clock_jumps(self, seconds):
        self.clock.wall_offset += seconds

    @rule(debt_ccy=st.sampled_from(DEBTS), amount=st.sampled_from(["1", "100"]))
    def new_debt(self, debt_ccy, amount):
        self.okx.add_debt(debt_ccy, amount)

    @rule(carry=st.booleans())
    def fresh_machine(self, carry):
        """A new AWX job: a fresh execution environment that replaces the last one, with the host's journal fact when
        AWX kept it; else a controller that knows nothing of the others (a lineage of its own)."""
        previous = [machine for machine in self.machines if not machine.retired][-1]
        if carry and previous.fact_fresh and not previous.damaged:
            previous.retired = True
            self.machines.append(Machine(self.root, previous.lineage, carried=previous.carried))
        else:
            self.machines.append(Machine(self.root, self.lineages))
            self.lineages += 1

    @precondition(lambda self: any(glob.glob(os.path.join(m.path, "journal-*.json")) and not m.damaged
                                   for m in self.machines))
    @rule(index=st.integers(0, 3), damage=st.sampled_from([b"", b"[]", b"\0" * 8, b'{"version": 1, "acc', b"{}"]))
    def damage_journal(self, index, damage):
        candidates = [m for m in self.machines if glob.glob(os.path.join(m.path, "journal-*.json")) and not m.damaged]
        machine = candidates[index % len(candidates)]
        path = glob.glob(os.path.join(machine.path, "journal-*.json"))[0]
        with open(path, "rb") as handle:
            machine.damaged = (path, handle.read())
        with open(path, "wb") as handle:
            handle.write(damage)

    @precondition(lambda self: any(m.damaged for m in self.machines))
    @rule()
    def restore_journal(self):
        """The operator restores the damaged file from a backup, as docs/safety.md says."""
        machine = [m for m in self.machines if m.damaged][0]
        path, content = machine.damaged
        with open(path, "wb") as handle:
            handle.write(content)
        machine.damaged = None

    @rule(index=st.integers(0, 3), debt_ccy=st.sampled_from(DEBTS))
    def operator_releases(self, index, debt_ccy):
        """The operator checked OKX's history and releases an open repay that truly did not run."""
        machine = self._live(index)
        if machine.damaged or self.last_posts.get((machine.lineage, debt_ccy), True):
            return  # releasing a repay that ran (or may still run) is an operator error, not tested here
        self._run(machine, "account", URL, KEY, wait=True, wait_timeout=10, release=debt_ccy)

    @invariant()
    def at_most_one_repay_in_flight_per_debt_and_lineage(self):
        assert not self.okx.violations, self.okx.violations

    @invariant()
    def no_credential_in_any_file(self):
        for machine in self.machines:
            for name in os.listdir(machine.path):
                with open(os.path.join(machine.path, name), "rb") as handle:
                    content = handle.read()
                for secret in SECRETS:
                    assert secret.encode() not in content and secret not in name


REPAY_PATH = "/api/v5/trade/one-click-repay-v2"
_ORIGINAL_REQUEST = _okx_client.OKXClient.request
_ORIGINAL_PUT = _okx_journal.Journal.put
_ORIGINAL_LOCK = _okx_state.StateDir.lock

TestRepaySessionProperties = RepaySessionMachine.TestCase
