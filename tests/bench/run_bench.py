# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the role through ansible-playbook vs a careful python-okx script, on the same simulated fleet.

Run from the repository root (README.md beside this file says more):
  .venv/bin/python -m tests.bench.run_bench --accounts 100 --debts 3 --forks 20 [--slices 1] [--json build/bench/result.json]
"""

import argparse
import collections
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata

from tests.simulator.harness import start_simulator
from tests.simulator.states import fleet

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

CURRENCY_LIST = "/api/v5/trade/one-click-repay-currency-list-v2"
REPAY = "/api/v5/trade/one-click-repay-v2"
HISTORY = "/api/v5/trade/one-click-repay-history-v2"
RATE_LIMITED_ENDPOINTS = (CURRENCY_LIST, REPAY, HISTORY)
INTERVAL = 2.0  # OKX: 1 request / 2 s per uid on each of them
BIN = os.path.dirname(sys.executable)
COLLECTIONS_PATH = os.environ.get("OKX_BENCH_COLLECTIONS_PATH", os.path.join(REPO, "build", "installed"))
RUNNERS = ("ansible", "sdk")
SAMPLE_SECONDS = 0.2  # how often the memory of a runner's process tree is read


def write_json(path, data):
    """Write ``data`` as JSON (also valid YAML, which is what the inventory files are read as)."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)


def private_env(work):
    """The environment of a runner: no OKX_* or ANSIBLE_* from ours, a private TMPDIR and HOME."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OKX_", "ANSIBLE_"))}
    for name in ("tmp", "home"):
        os.makedirs(os.path.join(work, name), exist_ok=True)
    env.update(TMPDIR=os.path.join(work, "tmp"), HOME=os.path.join(work, "home"))
    return env


def get_sliced_hosts(hosts, slice_number, slice_count):
    """AWX's job slice ``slice_number`` (1-based) of ``slice_count``: the hosts ordered by name, every N-th from
    position slice_number - 1 (awx/main/models/inventory.py: get_script_data orders by name, get_sliced_hosts takes
    ``hosts[slice_number - 1::slice_count]``)."""
    return sorted(hosts)[slice_number - 1::slice_count]


def ansible_command(state, sim_url, work, forks, hosts=None, strategy=None):
    """An inventory directory (group okx_accounts, credentials as host vars) and the ansible-playbook command.

    ``strategy``: the play's strategy plugin (ANSIBLE_STRATEGY), default ansible-core's (linear).

    ``hosts``: the account names of this inventory (a job slice), default all; the state directory is the run's own
    (OKX_STATE_DIR under ``work``), as each AWX job has its own execution environment.
    """
    inventory = os.path.join(work, "inventory")
    os.makedirs(os.path.join(inventory, "host_vars"))
    os.makedirs(os.path.join(inventory, "group_vars"))
    if hosts is None:
        hosts = [account["name"] for account in state["accounts"]]
    wanted = set(hosts)
    write_json(os.path.join(inventory, "hosts.yml"), {"okx_accounts": {"hosts": {host: None for host in hosts}}})
    write_json(os.path.join(inventory, "group_vars", "okx_accounts.yml"), {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "okx_repay_api_url": sim_url,
    })
    for account in state["accounts"]:
        if account["name"] not in wanted:
            continue
        write_json(os.path.join(inventory, "host_vars", account["name"] + ".yml"), {
            "okx_repay_api_key": account["api_key"],
            "okx_repay_api_secret": account["secret"],
            "okx_repay_api_passphrase": account["passphrase"],
        })
    env = private_env(work)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_DISPLAY_OK_HOSTS="False",
        ANSIBLE_DISPLAY_SKIPPED_HOSTS="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_LOCALHOST_WARNING="False",
        OKX_STATE_DIR=os.path.join(work, "state"),
    )
    if strategy:
        env["ANSIBLE_STRATEGY"] = strategy
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "cryptoops.okx.one_click_repay", "-f", str(forks)]
    return command, env


def sdk_command(state, sim_url, work, forks, result_dir):
    """The accounts file and the command of the python-okx script."""
    accounts = os.path.join(work, "accounts.json")
    write_json(accounts, {"api_url": sim_url, "accounts": [
        {key: account[key] for key in ("name", "api_key", "secret", "passphrase")} for account in state["accounts"]]})
    command = [sys.executable, os.path.join(HERE, "sdk_fleet.py"), accounts, "--threads", str(forks),
               "--out", os.path.join(result_dir, "sdk-accounts.json")]
    return command, private_env(work)


def children_cpu():
    """CPU seconds (user + system) of the finished child processes, their own children included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_tree(roots):
    """The pids of ``roots`` and of all their descendants now, from /proc."""
    children = collections.defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children[int(fields[1])].append(int(name))
    tree, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def memory_kb(pid):
    """(VmRSS, VmHWM) of a process in kB, or None when it is gone."""
    values = {}
    try:
        with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line.split(":", 1)[0]] = int(line.split()[1])
    except OSError:
        return None
    return (values["VmRSS"], values["VmHWM"]) if len(values) == 2 else None


class TreeMemory:
    """Samples the process trees of ``pids`` every SAMPLE_SECONDS while they run (in a thread): the peak of the sum
    of VmRSS over the live processes of the trees (ansible-playbook and its workers; pages shared after fork counted
    in every process, so an upper bound), the largest VmHWM of one process, and the most processes at once."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.peak_sum_kb = 0
        self.peak_one_kb = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            total = count = 0
            for pid in process_tree(self.pids):
                memory = memory_kb(pid)
                if memory is None:
                    continue
                total += memory[0]
                count += 1
                self.peak_one_kb = max(self.peak_one_kb, memory[1])
            self.peak_sum_kb = max(self.peak_sum_kb, total)
            self.peak_processes = max(self.peak_processes, count)
            self.samples += 1
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def stop(self):
        """Stop sampling (call it before the runners are waited for: a reaped pid is no longer theirs)."""
        self._stop.set()
        self._thread.join()
        return {"peak_rss_tree_mb": round(self.peak_sum_kb / 1024.0, 1),
                "peak_rss_largest_process_mb": round(self.peak_one_kb / 1024.0, 1),
                "peak_processes": self.peak_processes, "memory_samples": self.samples}


def measure(log, final_state, started=None):
    """What the simulator saw during a run: requests, 50011s, smallest gap, repays per debt, debts left, and
    (``started``: the runner's start, on the monotonic clock the simulator's log uses too) how long the runner took
    to its first request."""
    calls = collections.defaultdict(list)
    repays = collections.Counter()
    per_endpoint = collections.Counter()
    for entry in log:
        path = entry["path"].split("?", 1)[0]
        per_endpoint[entry["method"] + " " + path] += 1
        if path in RATE_LIMITED_ENDPOINTS and entry["uid"]:
            calls[(entry["uid"], path)].append(entry["monotonic"])
        if path == REPAY and entry["method"] == "POST" and entry["code"] == "0":
            repays[(entry["uid"], entry["debt_ccy"])] += 1
    gaps = []
    for (_uid, path), times in calls.items():
        times.sort()
        gaps.extend((later - earlier, path) for earlier, later in zip(times, times[1:]))
    smallest = min(gaps, default=(None, None))
    return {
        "requests": len(log),
        "requests_per_endpoint": dict(sorted(per_endpoint.items())),
        "rate_limited": sum(1 for entry in log if entry["code"] == "50011"),
        "smallest_gap": None if smallest[0] is None else round(smallest[0], 4),
        "smallest_gap_endpoint": smallest[1],
        "repays_per_debt_max": max(repays.values(), default=0),
        "debts_left": sum(len(account["debts"]) for account in final_state["accounts"]),
        "first_request_seconds": round(min(entry["monotonic"] for entry in log) - started, 3)
        if log and started is not None else None,
    }


def run_one(name, jobs, sim, state, timeout):
    """Reset the simulator, run one runner to its end and measure it.

    ``jobs``: (command, env, cwd, output_path) of each process of the runner, started at once (one, or one per job
    slice): the wall time is from the first start to the last end, the exit status the first non-zero one.
    """
    sim.reset(state)
    sim_cpu = sim.cpu_seconds()
    cpu = children_cpu()
    started = time.monotonic()
    outputs = [open(output_path, "w", encoding="utf-8") for _command, _env, _cwd, output_path in jobs]
    try:
        procs = [subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
                 for (command, env, cwd, _path), output in zip(jobs, outputs)]
        memory = TreeMemory(proc.pid for proc in procs)
        ended = {}

        def wait(proc):
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            ended[proc.pid] = time.monotonic()

        waiters = [threading.Thread(target=wait, args=(proc,)) for proc in procs]
        for waiter in waiters:
            waiter.start()
        for waiter in waiters:
            waiter.join()
        peak = memory.stop()
    finally:
        for output in outputs:
            output.close()
    wall = max(ended.values()) - started
    statuses = [proc.returncode for proc in procs]
    result = {"runner": name, "exit_status": next((rc for rc in statuses if rc), 0), "wall_seconds": round(wall, 3),
              "cpu_seconds": round(children_cpu() - cpu, 3), "simulator_cpu_seconds": round(sim.cpu_seconds() - sim_cpu, 3),
              "output": jobs[0][3]}
    result.update(peak)
    if len(jobs) > 1:
        result["slices"] = [{"slice": number, "exit_status": proc.returncode,
                             "wall_seconds": round(ended[proc.pid] - started, 3), "output": job[3]}
                            for number, (proc, job) in enumerate(zip(procs, jobs), 1)]
    result.update(measure(sim.log(), sim.state(), started))
    result["problems"] = problems(result)
    return result


def problems(result):
    """Why a run is not acceptable (empty when it is)."""
    found = []
    if result["exit_status"] != 0:
        found.append("exit status %d" % result["exit_status"])
    if result["debts_left"]:
        found.append("%d debts left" % result["debts_left"])
    if result["rate_limited"]:
        found.append("%d 50011 replies" % result["rate_limited"])
    if result["smallest_gap"] is not None and result["smallest_gap"] < INTERVAL:
        found.append("gap of %.3f s on %s" % (result["smallest_gap"], result["smallest_gap_endpoint"]))
    if result["repays_per_debt_max"] > 1:
        found.append("a debt repaid %d times" % result["repays_per_debt_max"])
    return found


def tail(path, lines=40):
    """The last lines of a file."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return "".join(handle.readlines()[-lines:])


def table(report):
    """The report as readable text."""
    runs = report["runners"]
    rows = [
        ("wall time (s)", "wall_seconds", "%.1f"),
        ("CPU of the runner (s)", "cpu_seconds", "%.1f"),
        ("CPU of the simulator (s)", "simulator_cpu_seconds", "%.1f"),
        ("requests", "requests", "%d"),
        ("50011 replies", "rate_limited", "%d"),
        ("smallest gap per uid+endpoint (s)", "smallest_gap", "%.3f"),
        ("repay POSTs per debt (max)", "repays_per_debt_max", "%d"),
        ("debts left", "debts_left", "%d"),
        ("first OKX request after (s)", "first_request_seconds", "%.1f"),
        ("exit status", "exit_status", "%d"),
        ("peak RSS, sum over process tree (MB)", "peak_rss_tree_mb", "%.0f"),
        ("peak RSS, largest process (MB)", "peak_rss_largest_process_mb", "%.0f"),
        ("processes at once (max)", "peak_processes", "%d"),
    ]
    lines = ["OKX one-click repay: %(accounts)d accounts x %(debts)d debts, %(forks)d forks/threads, "
             "settle delay %(settle_delay)s s, %(cpus)d CPUs, strategy %(strategy)s" % report,
             "%-36s %12s %12s" % ("", "ansible", "python-okx")]
    if report["slices"] > 1:
        lines.insert(1, "ansible: %(slices)d job slices at once (AWX's: slice i has hosts i-1, i-1+N, ... by name), each its own "
                        "ansible-playbook with %(forks)d forks and state dir; python-okx: %(sdk_threads)d threads" % report)
    for label, key, form in rows:
        cells = ["-" if runs[name].get(key) is None else form % runs[name][key] for name in RUNNERS]
        lines.append("%-36s %12s %12s" % (label, cells[0], cells[1]))
    if report["slices"] > 1:
        lines.append("floor: ceil(ceil(%d / %d) / %d) x %d x %.0f s = %.1f s" % (
            report["accounts"], report["slices"], report["forks"], report["debts"], INTERVAL, report["floor_seconds"]))
        lines.append("slices (wall s, exit status): %s" % ", ".join(
            "%d: %.1f, %d" % (entry["slice"], entry["wall_seconds"], entry["exit_status"])
            for entry in runs["ansible"]["slices"]))
    else:
        lines.append("floor: ceil(%d / %d) x %d x %.0f s = %.1f s" % (
            report["accounts"], report["forks"], report["debts"], INTERVAL, report["floor_seconds"]))
    lines.append("peak RSS: the most, over samples every %.1f s of /proc/PID/status, of the VmRSS summed over the "
                 "runner's process tree (pages shared after fork counted in each process); largest process: its VmHWM"
                 % SAMPLE_SECONDS)
    lines.append("wall(ansible) / wall(python-okx) = %.2f" % report["ratio"])
    for name in RUNNERS:
        if runs[name]["problems"]:
            lines.append("%s: NOT OK: %s" % (name, "; ".join(runs[name]["problems"])))
    return "\n".join(lines)


def version(package):
    """An installed package's version, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def main(argv=None):
    """Run both runners on the same fleet; print the table, write the JSON; non-zero when a run is not acceptable."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=100, help="simulated accounts (default 100)")
    parser.add_argument("--debts", type=int, default=3, help="debts per account (default 3)")
    parser.add_argument("--forks", type=int, default=20, help="ansible forks, and threads of the SDK script (default 20)")
    parser.add_argument("--slices", type=int, default=1,
                        help="run the role as this many AWX job slices at once, each an ansible-playbook with --forks "
                             "over every N-th host; the SDK script then runs forks x slices threads (default 1)")
    parser.add_argument("--strategy", help="the role's strategy plugin, e.g. cryptoops.okx.fleet (default: Ansible's, "
                                           "linear)")
    parser.add_argument("--json", default=os.path.join(REPO, "build", "bench", "result.json"), help="result file")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds each runner may take (default 3600)")
    args = parser.parse_args(argv)
    if args.slices < 1 or args.forks < 1:
        parser.error("--slices and --forks must be at least 1")
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        parser.error("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)

    result_dir = os.path.dirname(os.path.abspath(args.json))
    os.makedirs(result_dir, exist_ok=True)
    state = fleet(args.accounts, args.debts)
    sdk_threads = args.forks * args.slices
    report = {"accounts": args.accounts, "debts": args.debts, "forks": args.forks,
              "slices": args.slices, "sdk_threads": sdk_threads, "strategy": args.strategy or "linear",
              "floor_seconds": math.ceil(math.ceil(args.accounts / args.slices) / args.forks) * args.debts * INTERVAL,
              "settle_delay": state["settle_delay"], "history_lag": state.get("history_lag", 0), "cpus": os.cpu_count(),
              "versions": {"python": sys.version.split()[0], "ansible-core": version("ansible-core"),
                           "python-okx": version("python-okx")},
              "runners": {}}
    work = tempfile.mkdtemp(prefix="okx-bench-")
    try:
        with start_simulator(state, os.path.join(work, "simulator")) as sim:
            names = [account["name"] for account in state["accounts"]]
            for name in RUNNERS:
                run_dir = os.path.join(work, name)
                os.makedirs(run_dir)
                if name == "ansible" and args.slices > 1:
                    jobs = []
                    for number in range(1, args.slices + 1):
                        slice_dir = os.path.join(run_dir, "slice%d" % number)
                        os.makedirs(slice_dir)
                        command, env = ansible_command(state, sim.url, slice_dir, args.forks,
                                                       get_sliced_hosts(names, number, args.slices), args.strategy)
                        jobs.append((command, env, slice_dir, os.path.join(result_dir, "ansible-slice%d.log" % number)))
                elif name == "ansible":
                    command, env = ansible_command(state, sim.url, run_dir, args.forks, strategy=args.strategy)
                    jobs = [(command, env, run_dir, os.path.join(result_dir, "ansible.log"))]
                else:
                    command, env = sdk_command(state, sim.url, run_dir, sdk_threads, result_dir)
                    jobs = [(command, env, run_dir, os.path.join(result_dir, "sdk.log"))]
                print("running %s ..." % name, flush=True)
                report["runners"][name] = run_one(name, jobs, sim, state, args.timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    runs = report["runners"]
    report["ratio"] = runs["ansible"]["wall_seconds"] / runs["sdk"]["wall_seconds"]
    report["ok"] = not any(runs[name]["problems"] for name in RUNNERS)
    write_json(args.json, report)
    for name in RUNNERS:
        failed = [entry["output"] for entry in runs[name].get("slices", []) if entry["exit_status"]]
        if runs[name]["exit_status"] != 0:
            for output in failed or [runs[name]["output"]]:
                print("--- last lines of %s (%s) ---\n%s" % (name, output, tail(output)))
    print(table(report))
    print("result: %s" % args.json)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
