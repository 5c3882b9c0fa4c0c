# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One fleet run as N AWX job slices at once, each as an execution node runs its job, against one OKX simulator.

AWX's job slicing (job_slice_count N on the job template) launches N jobs; slice i (1-based) gets the hosts at
positions i-1, i-1+N, i-1+2N, ... of the inventory's hosts ordered by name. In AWX's source (ansible/awx, commit
e21dd0a0933fd544d1fe2513c54fe41203775eb5): awx/main/models/inventory.py, Inventory.get_script_data orders the hosts
by name (`self.hosts.filter(...).order_by('name')`) and Inventory.get_sliced_hosts takes
`host_queryset[slice_number - 1::slice_count]`; awx/main/tasks/jobs.py passes the job's job_slice_number and
job_slice_count to the inventory script (script_params), and adds `--forks=N` from the template's forks; the job's
fact cache holds only its slice's hosts (awx/main/models/jobs.py, get_hosts_for_fact_cache, get_sliced_hosts).

Each slice here is what one execution node has: its own private data dir (the layout of test_awx_runner.py), its
own TMPDIR and state directory (OKX_STATE_DIR: the modules' rate-limit locks and repay journal), its own jsonfile
fact cache, its own inventory script printing only its slice, and its own way out to OKX: a small forwarding proxy
per slice, which stands for the node's network and records which account's requests went through it. The slices
run at once (ansible_runner.run_async); the test then checks the fleet's guarantees across them from the
simulator's request log and state.
"""

import collections
import http.client
import http.server
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import urllib.parse

import ansible_runner
import pytest
import yaml

from tests.awx.test_awx_runner import (
    COLLECTIONS_PATH,
    PLAYBOOK,
    REPAY_TASK,
    REPO,
    cached_fact,
    host_events,
    simulator_for,
    stats_artifact,
)
from tests.simulator.states import fleet

SLICES = 3
ACCOUNTS = 24
DEBTS = 3
FORKS = 8
REPAY = "/api/v5/trade/one-click-repay-v2"
RATE_LIMITED = ("/api/v5/trade/one-click-repay-currency-list-v2", REPAY, "/api/v5/trade/one-click-repay-history-v2")
INTERVAL = 2.0  # OKX: 1 request / 2 s per User ID on each of those endpoints
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host")

# The simulator's default settlement (2 s), as OKX's repays take seconds.
FLEET = fleet(ACCOUNTS, DEBTS)


def get_sliced_hosts(hosts, slice_number, slice_count):
    """AWX's slice of an inventory: hosts ordered by name, then [slice_number - 1::slice_count]."""
    ordered = sorted(hosts)
    if slice_count > 1 and slice_number > 0:
        return ordered[slice_number - 1::slice_count]
    return ordered


class NodeProxy:
    """A slice's network: forwards each request as it came (the raw target, which is signed; headers; body) to the
    simulator and records the API key of each request, to tell which slice called for which account."""

    def __init__(self, upstream):
        target = urllib.parse.urlsplit(upstream)
        self.seen = collections.Counter()
        lock = threading.Lock()
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP)
                with lock:
                    seen[self.headers.get("OK-ACCESS-KEY")] += 1
                upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    upstream_conn.request(self.command, self.path, body=body or None, headers=headers)
                    reply = upstream_conn.getresponse()
                    content = reply.read()
                    self.send_response(reply.status, reply.reason)
                    for key, value in reply.getheaders():
                        if key.lower() not in HOP_BY_HOP + ("content-length",):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                finally:
                    upstream_conn.close()

            do_GET = do_POST = forward

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sim(tmp_path):
    yield from simulator_for(FLEET, tmp_path)


@pytest.fixture
def nodes():
    """Per slice: a private data dir (removed after the test) and a proxy standing for the node's network."""
    made = []

    def new_node(upstream):
        root = tempfile.mkdtemp(prefix="okx-awx-slice-")
        for folder in ("tmp", "state"):
            os.mkdir(os.path.join(root, folder))
        made.append((root, NodeProxy(upstream)))
        return made[-1]

    yield new_node
    for root, proxy in made:
        proxy.stop()
        shutil.rmtree(root, ignore_errors=True)


def write_slice_dir(root, hosts):
    """env/, inventory/ and project/ as AWX writes them for one slice: the inventory script prints only its hosts."""
    for folder in ("env", "inventory", "project/playbooks"):
        os.makedirs(os.path.join(root, folder))
    by_name = dict((a["name"], a) for a in FLEET["accounts"])
    hostvars = dict((name, {"okx_repay_api_key": by_name[name]["api_key"],
                            "okx_repay_api_secret": by_name[name]["secret"],
                            "okx_repay_api_passphrase": by_name[name]["passphrase"]}) for name in hosts)
    inventory = {"all": {"children": ["okx_accounts"]}, "okx_accounts": {"hosts": list(hosts)},
                 "_meta": {"hostvars": hostvars}}
    script = os.path.join(root, "inventory", "hosts")
    with open(script, "w") as handle:
        handle.write("#!%s\nimport sys\nsys.stdout.write(%r)\n" % (sys.executable, json.dumps(inventory)))
    os.chmod(script, stat.S_IRWXU)
    files = {"env/extravars": {"okx_repay_hosts": "okx_accounts"},
             "env/settings": {"job_timeout": 600, "idle_timeout": 300, "suppress_ansible_output": True}}
    for name, content in files.items():
        with open(os.path.join(root, name), "w") as handle:
            yaml.safe_dump(content, handle)
    shutil.copy(os.path.join(REPO, PLAYBOOK), os.path.join(root, "project", PLAYBOOK))


def start_slice(root, url, ident):
    envvars = {
        "OKX_API_URL": url, "OKX_DEMO": "False",
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH, "TMPDIR": os.path.join(root, "tmp"),
        "OKX_STATE_DIR": os.path.join(root, "state"),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }
    return ansible_runner.run_async(private_data_dir=root, playbook=PLAYBOOK, ident=ident, quiet=True,
                                    envvars=envvars, suppress_env_files=True, cmdline="--forks=%d" % FORKS,
                                    fact_cache_type="jsonfile")


# run_async starts each job's ansible-playbook with pexpect's forkpty from a thread: Python warns that a fork of a
# threaded process may deadlock in the child, but pexpect's child only calls exec.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")
def test_one_fleet_in_slices_at_once_keeps_the_fleet_guarantees(sim, nodes):
    names = [a["name"] for a in FLEET["accounts"]]
    slices = [get_sliced_hosts(names, number, SLICES) for number in range(1, SLICES + 1)]
    assert sorted(sum(slices, [])) == sorted(names) and all(len(hosts) == ACCOUNTS // SLICES for hosts in slices)

    started = time.monotonic()
    jobs = []
    for number, hosts in enumerate(slices, 1):
        root, proxy = nodes(sim.url)
        write_slice_dir(root, hosts)
        thread, runner = start_slice(root, proxy.url, str(number))
        jobs.append((number, hosts, root, proxy, thread, runner))
    for _number, _hosts, _root, _proxy, thread, _runner in jobs:
        thread.join(300)
        assert not thread.is_alive(), "a slice did not finish in 300 s"
    wall = time.monotonic() - started

    log = sim.log()
    uid_of_key = dict((a["api_key"], str(a["uid"])) for a in FLEET["accounts"])
    uid_of_name = dict((a["name"], str(a["uid"])) for a in FLEET["accounts"])
    summaries = collections.Counter()
    for number, hosts, root, proxy, _thread, runner in jobs:
        # Every slice job successful, rc 0, its hosts and only them.
        assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()[-4000:]
        assert sorted(host_events(runner, "runner_on_ok", REPAY_TASK)) == sorted(hosts)
        assert not runner.stats["failures"] and sorted(runner.stats["changed"]) == sorted(hosts)
        # The slice's set_stats artifact covers its accounts, repaid, nothing left.
        summary = stats_artifact(runner)["okx_repay"]
        assert sorted(summary) == sorted(hosts)
        for host, record in summary.items():
            assert len(record["repaid"]) == DEBTS and record["debts_left"] == {}, record
        summaries.update(list(summary))
        # Its fact cache holds its accounts' summaries; its state directory was used (locks, journal).
        assert cached_fact(root, str(number), hosts[0], "okx_repay_summary")["debts_left"] == {}
        assert os.listdir(os.path.join(root, "state"))
        # Through this slice's network went the calls of its accounts and of no other account.
        called = set(uid_of_key[key] for key in proxy.seen if key)
        assert called == set(uid_of_name[host] for host in hosts), number
    # The union of the slices' artifacts: every account once.
    assert sorted(summaries) == sorted(names) and set(summaries.values()) == {1}
    # Every request the simulator saw came through a slice's proxy.
    assert sum(sum(proxy.seen.values()) for _n, _h, _r, proxy, _t, _j in jobs) == len(log)

    # Each account's calls all from one slice: above, per slice; here, no account in two slices.
    slice_of_uid = collections.defaultdict(set)
    for number, _hosts, _root, proxy, _thread, _runner in jobs:
        for key in proxy.seen:
            if key:
                slice_of_uid[uid_of_key[key]].add(number)
    assert sorted(slice_of_uid) == sorted(uid_of_name.values())
    assert all(len(numbers) == 1 for numbers in slice_of_uid.values()), slice_of_uid

    # No 50011; one repay POST per account and debt; no debt left.
    assert [e for e in log if e["code"] == "50011"] == []
    posts = collections.Counter((e["uid"], e["debt_ccy"]) for e in log if e["method"] == "POST"
                                and e["path"].split("?", 1)[0] == REPAY)
    owed = dict((a["uid"], a["debts"]) for a in FLEET["accounts"])
    assert sorted(posts) == sorted((str(uid), ccy) for uid, debts in owed.items() for ccy in debts)
    assert set(posts.values()) == {1}, posts
    assert all(e["code"] == "0" for e in log if e["method"] == "POST")
    assert [a["name"] for a in sim.state()["accounts"] if a["debts"]] == []

    # No two calls of one uid to a rate-limited endpoint less than 2 s apart, across the slices.
    calls = collections.defaultdict(list)
    for entry in log:
        path = entry["path"].split("?", 1)[0]
        if path in RATE_LIMITED and entry["uid"]:
            calls[(entry["uid"], path)].append(entry["monotonic"])
    gaps = [later - earlier for times in calls.values() for earlier, later in zip(sorted(times), sorted(times)[1:])]
    assert gaps and min(gaps) >= INTERVAL, min(gaps)

    # At once, not one after the other: the slices overlapped (each takes about 3 x 2 s of OKX's pacing plus Ansible).
    spans = []
    for _number, hosts, _root, _proxy, _thread, _runner in jobs:
        uids = set(uid_of_name[host] for host in hosts)
        times = [e["monotonic"] for e in log if e["uid"] in uids]
        spans.append((min(times), max(times)))
    assert max(start for start, _end in spans) < min(end for _start, end in spans), spans
    print("%d slices of %d accounts x %d debts, forks %d: %.1f s wall" % (SLICES, ACCOUNTS // SLICES, DEBTS, FORKS, wall))
