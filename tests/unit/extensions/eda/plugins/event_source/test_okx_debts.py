# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source cryptoops.okx.okx_debts on the simulator's model of OKX (MockOKX) and a fake clock: what it
reports and when, how it reads (cadence, the rate-limit slot and the account lock it shares with the modules), how it
survives failures, and that it never logs a secret. tests/e2e/test_eda.py runs it in a real ansible-rulebook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import threading
import types
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.cryptoops.okx.extensions.eda.plugins.event_source import okx_debts
from ansible_collections.cryptoops.okx.extensions.eda.plugins.event_source.okx_debts import (
    MAX_BACKOFF,
    OPTIONS,
    SOURCE_USER_AGENT,
    DebtWatch,
    Settings,
    watch_debts,
)
from ansible_collections.cryptoops.okx.plugins.module_utils._okx_repay import account_lock
from ansible_collections.cryptoops.okx.tests.unit.okx_model_mock import (
    CREDENTIALS,
    CURRENCY_LIST,
    KEY,
    PASSPHRASE,
    SECOND_KEY,
    SECRET,
    UID,
    URL,
    failing,
)

ENV = {"OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE, "OKX_API_URL": URL}


class Stop(Exception):
    """Ends a test's run of the source (it runs until cancelled)."""


class Run:
    """watch_debts on the test's fake clock, for ``seconds``: sleeping moves the clock; ``at`` runs actions (a new
    debt, a lock taken) once the clock reaches their time, before the next sleep or read. Reads run inline (the source
    runs them in a thread)."""

    def __init__(self, clock, sim, watch, interval=2.0):
        self.clock, self.sim, self.watch, self.interval = clock, sim, watch, interval
        self.start = clock.monotonic()
        self.actions = []
        self.events = []  # (seconds since the start, event)
        self.stack = contextlib.ExitStack()

    def at(self, seconds, action):
        self.actions.append((seconds, action))
        self.actions.sort(key=lambda item: item[0])
        return self

    def now(self):
        return self.clock.monotonic() - self.start

    def _due(self):
        while self.actions and self.actions[0][0] <= self.now():
            self.actions.pop(0)[1]()

    async def sleep(self, seconds):
        if self.now() + seconds > self.until:
            raise Stop()
        self.clock.sleep(seconds)
        self._due()

    async def put(self, event):
        self.events.append((round(self.now(), 3), event))

    async def inline(self, function):
        # A read that waited for the rate-limit slot moved the clock too: the next may start without a sleep.
        if self.now() > self.until:
            raise Stop()
        self._due()
        return function()

    def __call__(self, seconds):
        self.until = seconds  # pylint: disable=attribute-defined-outside-init
        self._due()
        with self.stack:
            with pytest.raises(Stop):
                asyncio.run(watch_debts(self, self.watch, self.interval, sleep=self.sleep, clock=self.clock.monotonic,
                                        in_thread=self.inline))
        return self

    def reads(self):
        """When the source read the currency list (seconds since the start), from the model's log."""
        return [round(entry["monotonic"] - self.start, 3) for entry in self.sim.model.log()
                if entry["path"] == CURRENCY_LIST and entry["agent"] == SOURCE_USER_AGENT]

    def debts(self):
        """(debt_ccy, amount, previous) of each event, in order."""
        return [(event["okx_debt"]["debt_ccy"], event["okx_debt"]["amount"], event["okx_debt"]["previous"])
                for _at, event in self.events]


@pytest.fixture
def source(make_client):
    """A DebtWatch for account ``main``, with the source's client options (no retries, its User-Agent)."""
    def make(**options):
        return DebtWatch(make_client(retries=0, user_agent=SOURCE_USER_AGENT), options.pop("account", "main"),
                         **options)
    return make


@pytest.fixture
def run(clock, make_sim, source):
    def make(interval=2.0, growth_threshold=0.01, **account):
        sim = make_sim(**account)
        return Run(clock, sim, source(growth_threshold=growth_threshold), interval)
    return make


# --- what it reports ----------------------------------------------------------------------------------------------

def test_every_debt_is_reported_once_at_start_with_the_account_and_what_okx_offers(run):
    done = run(debts={"USDC": "100", "ETH": "0.5"}, balances={"USDT": "5000", "BTC": "1"})(20)
    assert [event for _at, event in done.events] == [
        {"okx_debt": {"account": "main", "uid": UID, "demo": False, "debt_ccy": ccy, "amount": amount,
                      "previous": None, "repay_offered": {"USDT": "5000", "BTC": "1"}}}
        for ccy, amount in (("ETH", "0.5"), ("USDC", "100"))]
    assert [at for at, _event in done.events] == [0, 0]


def test_the_account_is_the_uid_when_the_source_names_none(clock, make_sim, source):
    sim = make_sim()
    done = Run(clock, sim, source(account=None))(1)
    assert done.events[0][1]["okx_debt"]["account"] == UID


def test_a_new_debt_is_reported_at_the_next_read_and_an_unchanged_one_never_again(run):
    done = run(debts={"USDC": "100"})
    done.at(5, lambda: done.sim.add_debt("BTC", "0.01"))(30)
    assert done.debts() == [("USDC", "100", None), ("BTC", "0.01", None)]
    assert [at for at, _event in done.events] == [0, 6]


def test_a_debt_that_grew_beyond_the_threshold_is_reported_with_its_previous_amount(run):
    done = run(debts={"USDC": "100"})
    done.at(3, lambda: done.sim.add_debt("USDC", "0.5"))   # 100.5: 0.5 %, interest-sized: not reported
    done.at(7, lambda: done.sim.add_debt("USDC", "1"))     # 101.5: 1.5 % more than reported
    done.at(11, lambda: done.sim.add_debt("USDC", "1"))    # 102.5: under 1 % more than 101.5
    done(20)
    assert done.debts() == [("USDC", "100", None), ("USDC", "101.5", "100")]


def test_a_threshold_of_zero_reports_any_growth(run):
    done = run(debts={"USDC": "100"}, growth_threshold=0)
    done.at(3, lambda: done.sim.add_debt("USDC", "0.001"))
    done(10)
    assert done.debts() == [("USDC", "100", None), ("USDC", "100.001", "100")]


def test_a_debt_that_shrank_counts_its_growth_from_the_lower_amount(run):
    done = run(debts={"USDC": "100"}, balances={"USDC": "60", "USDT": "0"}, settle_delay=0.5)
    done.at(3, lambda: done.sim.post_repay("USDC", ["USDC"]))   # repays 60: 40 left
    done.at(9, lambda: done.sim.add_debt("USDC", "30"))         # 70: new borrowing, below the 100 reported
    done(16)
    assert done.debts() == [("USDC", "100", None), ("USDC", "70", "40")]


def test_a_debt_repaid_and_owed_again_is_new_again(run):
    done = run(debts={"USDC": "100"}, balances={"USDC": "500"}, settle_delay=0.5)
    done.at(3, lambda: done.sim.post_repay("USDC", ["USDC"]))
    done.at(9, lambda: done.sim.add_debt("USDC", "100"))
    done(16)
    assert done.debts() == [("USDC", "100", None), ("USDC", "100", None)]


AMOUNTS = st.one_of(st.just("0"), st.decimals(min_value="0.0001", max_value="200", places=4).map(str))


@settings(max_examples=300, deadline=None, derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "fuzz")
@given(reads=st.lists(st.dictionaries(st.sampled_from(("USDC", "ETH", "BTC")), AMOUNTS, max_size=3), max_size=12),
       threshold=st.sampled_from(("0", "0.01", "0.5")))
def test_what_it_reports_of_any_sequence_of_reads(reads, threshold):
    """Whatever the reads show, in whatever order: an event says a debt owed now; a debt not owed at the read before
    is reported, as new; an unchanged or smaller one never; one owed all along is reported exactly when it exceeds
    by more than the threshold the least it was since it was last reported."""
    watch = DebtWatch(types.SimpleNamespace(network="live"), "main", float(threshold))
    growth = 1 + Decimal(threshold)
    before, least = {}, {}  # the read before; per debt, the least amount since its last event
    for debts in reads:
        events = watch.changes(UID, debts, {"USDT": "1"})
        reported = dict((event["okx_debt"]["debt_ccy"], event["okx_debt"]) for event in events)
        assert len(reported) == len(events)
        owed = dict((ccy, Decimal(amount)) for ccy, amount in debts.items() if Decimal(amount) > 0)
        assert set(reported) <= set(owed)
        for ccy, amount in owed.items():
            if ccy not in before:
                assert reported[ccy]["previous"] is None and reported[ccy]["amount"] == debts[ccy]
            elif amount <= before[ccy]:
                assert ccy not in reported
            else:
                assert (ccy in reported) == (amount > least[ccy] * growth)
                if ccy in reported:
                    assert Decimal(reported[ccy]["previous"]) == least[ccy]
            least[ccy] = amount if ccy in reported else min(amount, least[ccy])
        before = owed


# --- how it reads: cadence, the shared rate-limit slot, the account lock ----------------------------------------------

def test_reads_start_every_interval(run):
    assert run(interval=5)(31).reads() == [0, 5, 10, 15, 20, 25, 30]


def test_reads_never_come_closer_than_okx_allows_also_with_a_module_reading_the_same_account(run, make_client):
    """The source and the modules take turns in the account's rate-limit slot of the currency list (the state
    directory's): a module's read just before the source's makes the source wait, not meet 50011."""
    done = run(interval=2)
    module = make_client()  # a module's client: same state directory and account, another API key spelling no matter
    for moment in (0.5, 4.2, 6.1):
        done.at(moment, lambda: module.request(okx_debts.CURRENCY_LIST))
    done(12)
    times = [entry["monotonic"] for entry in done.sim.model.log() if entry["path"] == CURRENCY_LIST]
    assert len(times) >= 8 and min(b - a for a, b in zip(times, times[1:])) >= 2.0
    assert not [entry for entry in done.sim.model.log() if entry["code"] == "50011"]


def test_no_read_while_a_repay_of_the_account_holds_its_lock(run, state_dir, caplog):
    """A task that repays holds the account's lock: the source sends nothing then, tries again every LOCK_RETRY
    seconds, and reads at once when the lock is free (never sooner than its interval after the last read)."""
    caplog.set_level(logging.INFO, logger="cryptoops.okx.okx_debts")
    done = run(interval=2)
    account = done.watch.client
    lock = account_lock(digest_of(account))
    done.at(3, lambda: done.stack.enter_context(state_dir.lock(lock)))
    done.at(9.5, done.stack.close)
    done(14)
    assert done.reads() == [0, 2, 10, 12, 14]
    assert caplog.text.count("a repay of main runs on this machine") == 1


def test_another_key_and_spelling_of_the_account_holds_the_source_back_too(run, state_dir, make_client, okx):
    """The lock is the account's, not the client's: a module that repays with another API key of the account and
    another spelling of api_url holds the one lock the source checks."""
    done = run(interval=2)
    spelling = URL + ":443"
    done.sim.install(okx, url=spelling)
    module = make_client(api_key=SECOND_KEY, api_url=spelling)
    lock = account_lock(digest_of(module))
    done.at(3, lambda: done.stack.enter_context(state_dir.lock(lock)))
    done.at(9.5, done.stack.close)
    done(14)
    assert done.reads() == [0, 2, 10, 12, 14]


def digest_of(client):
    """The account id the lock is named by (the client reads the uid first: the source's first read does that)."""
    client.user_id()
    return client.account_id()


def test_a_lock_held_from_the_start_defers_the_first_read(run, state_dir):
    done = run(interval=10)
    lock = account_lock(digest_of(done.watch.client))
    done.at(0, lambda: done.stack.enter_context(state_dir.lock(lock)))
    done.at(4.5, done.stack.close)
    done(12)
    assert done.reads() == [5]
    assert [at for at, _event in done.events] == [5]


def test_a_read_runs_in_a_thread_and_the_loop_goes_on_meanwhile(source, make_sim):
    """The client is synchronous: a read that blocks does not block ansible-rulebook's event loop."""
    make_sim()
    watch = source()
    release = threading.Event()
    real_poll = watch.poll

    def slow_poll():
        assert release.wait(10), "the loop was blocked while the read ran"
        return real_poll()
    watch.poll = slow_poll

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(watch_debts(queue, watch, 2.0))
        await asyncio.sleep(0.1)  # the read is blocked in its thread: this coroutine still runs
        release.set()
        event = await asyncio.wait_for(queue.get(), 10)
        task.cancel()
        return event
    event = asyncio.run(scenario())
    assert event["okx_debt"]["debt_ccy"] == "USDC"


# --- failures: backoff, a clear log line, no crash, no secret --------------------------------------------------------

def test_okx_errors_back_off_doubling_then_reads_resume_at_the_interval(run, caplog):
    done = run(interval=2)
    done.sim.set_faults([failing(CURRENCY_LIST, times=4)])
    done(64)
    assert done.reads() == [0, 4, 12, 28, 60, 62, 64]
    assert done.debts() == [("USDC", "100", None)]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 5, [record.getMessage() for record in warnings]
    assert "reading the debts of main failed (OKX answered HTTP 500" in warnings[0].getMessage()
    assert "reading again in 4 s" in warnings[0].getMessage()
    assert "works again, after 4 failed reads" in warnings[-1].getMessage()


def test_the_backoff_is_bounded(run):
    done = run(interval=10)
    done.sim.set_faults([failing(CURRENCY_LIST, times=100)])
    done(2000)
    reads = done.reads()
    assert [b - a for a, b in zip(reads, reads[1:])][:7] == [20, 40, 80, 160, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]


def test_a_rate_limited_read_waits_as_long_as_okx_asks(run):
    done = run(interval=2)
    done.sim.set_faults([{"path": CURRENCY_LIST, "kind": "rate_limited", "retry_after": "30"}])
    done(40)
    assert done.reads()[:3] == [0, 30, 32]


def test_unexpected_errors_are_survived_and_logged_without_a_secret_or_traceback(run, caplog, monkeypatch):
    calls = []

    def broken(client):
        calls.append(client)
        raise RuntimeError("boom with %s, %s and %s in it" % (KEY, SECRET, PASSPHRASE))
    monkeypatch.setattr(okx_debts, "read_overview", broken)
    run(interval=2)(10)
    assert len(calls) == 2  # at 0, then 4 s later; the next would be 8 s after that
    text = caplog.text
    assert "RuntimeError: boom with ********, ******** and ******** in it" in text
    assert "Traceback" not in text and not [secret for secret in (KEY, SECRET, PASSPHRASE) if secret in text]


def test_okx_text_that_repeats_a_credential_is_masked_in_the_log(run, caplog):
    done = run(interval=2)
    done.sim.set_faults([{"path": CURRENCY_LIST, "kind": "malformed", "status": 401,
                          "body": {"code": "50113", "msg": "Invalid Sign for %s / %s" % (KEY, PASSPHRASE)}}])
    done(3)
    assert "OKX error 50113: Invalid Sign for ******** / ********" in caplog.text
    assert "check api_secret" in caplog.text  # what to do, as the modules say it
    assert KEY not in caplog.text and PASSPHRASE not in caplog.text


# --- options ------------------------------------------------------------------------------------------------------

def test_credentials_and_connection_come_from_the_environment_as_for_the_modules():
    settings = Settings({"account": "main"}, dict(ENV, OKX_DEMO="true"))
    assert (settings["api_key"], settings["api_secret"], settings["api_passphrase"], settings["api_url"],
            settings["demo"]) == (KEY, SECRET, PASSPHRASE, URL, True)
    assert (settings["interval"], settings["growth_threshold"], settings["timeout"], settings["validate_certs"]) == (
        10.0, 0.01, 10.0, True)
    assert Settings(dict(CREDENTIALS, api_url=URL, demo="no"), {"OKX_API_KEY": "other", "OKX_DEMO": "true"}).values[
        "api_key"] == KEY
    assert Settings(dict(CREDENTIALS, demo="no"), {"OKX_DEMO": "true"})["demo"] is False
    assert Settings(dict(CREDENTIALS, api_key=""), ENV)["api_key"] == KEY  # an empty option: the environment's
    assert Settings(CREDENTIALS, {})["api_url"] == "https://www.okx.com"


@pytest.mark.parametrize("args, message", [
    ({}, "missing OKX credentials: set api_key, api_secret, api_passphrase (or the environment variables "
         "OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE)"),
    ({"api_key": KEY, "api_secret": SECRET}, "set api_passphrase (or the environment variable OKX_API_PASSPHRASE)"),
    (dict(CREDENTIALS, interval=1.9), "interval must be a number from 2.0 to 3600.0"),
    (dict(CREDENTIALS, interval=3601), "interval must be a number from 2.0 to 3600.0"),
    (dict(CREDENTIALS, interval="often"), "interval must be a number"),
    (dict(CREDENTIALS, interval=True), "interval must be a number"),
    (dict(CREDENTIALS, interval=float("nan")), "interval must be a number"),
    (dict(CREDENTIALS, growth_threshold=-0.1), "growth_threshold must be a number of at least 0"),
    (dict(CREDENTIALS, timeout=0), "timeout must be a number from 0.1 to 300"),
    (dict(CREDENTIALS, demo="maybe"), "demo must be true or false"),
    (dict(CREDENTIALS, api_passphrase=123456), "api_passphrase must be a string, not a int: a template that renders "
                                               "only digits becomes a number; give it in the environment variable "
                                               "instead (OKX_API_PASSPHRASE)"),
    (dict(CREDENTIALS, intervall=5), "unknown option intervall; its options are account, api_key,"),
])
def test_options_that_are_not_valid_stop_the_source_with_a_message_that_names_them(args, message):
    with pytest.raises(ValueError) as failure:
        Settings(args, {})
    assert message in str(failure.value)
    assert not [secret for secret in (SECRET, PASSPHRASE, "123456") if secret in str(failure.value)]


def test_options_ansible_rulebook_adds_are_accepted():
    assert Settings(dict(CREDENTIALS, eda_feedback_queue=object()), {})["api_key"] == KEY


def test_the_documentation_lists_each_option_with_its_type_and_default():
    documented = yaml.safe_load(okx_debts.DOCUMENTATION)["options"]
    assert sorted(documented) == sorted(OPTIONS)
    for name, spec in OPTIONS.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name
    assert yaml.safe_load(okx_debts.EXAMPLES)[0]["sources"][0]["cryptoops.okx.okx_debts"]["interval"] >= 2


# --- main, as ansible-rulebook calls it ---------------------------------------------------------------------------

def test_main_reads_with_the_modules_state_directory_and_says_who_it_is(make_sim, state_dir, monkeypatch):
    sim = make_sim()
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    async def first_event():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(okx_debts.main(queue, {"account": "main", "interval": 2}))
        try:
            return await asyncio.wait_for(queue.get(), 10)
        finally:
            task.cancel()
    assert asyncio.run(first_event())["okx_debt"]["debt_ccy"] == "USDC"
    assert {entry["agent"] for entry in sim.model.log()} == {SOURCE_USER_AGENT}
    assert [name for name in os.listdir(state_dir.path) if name.startswith("rate-")]  # the modules' slots


def test_main_refuses_an_api_url_that_is_not_valid():
    with pytest.raises(ValueError, match="okx_debts: api_url must be an https:// URL"):
        asyncio.run(okx_debts.main(None, dict(CREDENTIALS, api_url="http://okx.example.com")))


def test_main_refuses_a_state_directory_it_cannot_use_before_any_read(make_sim, tmp_path, monkeypatch):
    sim = make_sim()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("OKX_STATE_DIR", str(blocker / "state"))
    with pytest.raises(ValueError, match="okx_debts: cannot use the state directory .*a-file/state: Not a directory; "
                                         "set the environment variable OKX_STATE_DIR"):
        asyncio.run(okx_debts.main(None, CREDENTIALS))
    assert not sim.model.log()


def test_ansible_rulebook_can_load_it_from_the_collections_directory_alone(tmp_path):
    """ansible-rulebook runs the installed file with runpy.run_path and nothing of the collection on sys.path."""
    script = "import runpy, sys; module = runpy.run_path(sys.argv[1]); print(module['main'].__module__, " \
             "module['OKXClient'].__module__)"
    env = dict((k, v) for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH"))
    proc = subprocess.run([sys.executable, "-c", script, okx_debts.__file__], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["<run_path>", "ansible_collections.cryptoops.okx.plugins.module_utils._okx_client"]
