# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ansible-playbook's CPU goes when the role maintains a fleet: two runs of the role on the simulator.

  .venv/bin/python -m tests.bench.profile_playbook --accounts 1000 --forks 50 [--every 20] [--top 25]

1. unprofiled: the CPU of the ansible-playbook process itself (strategy loop, results thread, forking) against the
   CPU of its workers (one per host and task), from os.times() inside it;
2. profiled: cProfile of its main thread and of every N-th worker; prints the functions with the most CPU of each
   (merged over the sampled workers), and writes the profiles next to the result JSON (build/bench/profile/).
"""

import argparse
import glob
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

from tests.bench.run_bench import COLLECTIONS_PATH, REPO, ansible_command, measure, problems
from tests.simulator.harness import start_simulator
from tests.simulator.states import fleet

HERE = os.path.dirname(os.path.abspath(__file__))
WRAPPER = os.path.join(HERE, "_profiled_playbook.py")


def run(state, sim, work, forks, out, every, strategy):
    """One ansible-playbook run of the role through the wrapper; its main.json plus what the simulator saw."""
    sim.reset(state)
    os.makedirs(out, exist_ok=True)
    command, env = ansible_command(state, sim.url, work, forks, strategy=strategy)
    command = [sys.executable, WRAPPER, out, str(every)] + command[1:]
    started = time.monotonic()
    with open(os.path.join(out, "ansible.log"), "w", encoding="utf-8") as log:
        status = subprocess.call(command, env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    with open(os.path.join(out, "main.json"), encoding="utf-8") as handle:
        result = json.load(handle)
    result.update(exit_status=status, wall_seconds=round(time.monotonic() - started, 1))
    result.update(measure(sim.log(), sim.state()))
    result["problems"] = problems(result)
    return result


def top(paths, limit, sort):
    """The ``limit`` functions with the most CPU (``sort``: tottime or cumulative) of the merged profiles."""
    stream = io.StringIO()
    stats = pstats.Stats(*paths, stream=stream)
    stats.files = []  # not one header line per merged file
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    return stream.getvalue(), stats.total_tt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=1000, help="simulated accounts (default 1000)")
    parser.add_argument("--debts", type=int, default=3, help="debts per account (default 3)")
    parser.add_argument("--forks", type=int, default=50, help="ansible forks (default 50)")
    parser.add_argument("--every", type=int, default=20, help="profile every N-th worker (default 20)")
    parser.add_argument("--top", type=int, default=25, help="functions to print per profile (default 25)")
    parser.add_argument("--strategy", help="the play's strategy plugin (default: Ansible's, linear)")
    parser.add_argument("--out", default=os.path.join(REPO, "build", "bench", "profile"), help="where to write")
    args = parser.parse_args(argv)
    args.out = os.path.abspath(args.out)
    if not os.path.isdir(os.path.join(COLLECTIONS_PATH, "ansible_collections", "cryptoops", "okx")):
        parser.error("the collection is not installed in %s: run `make build-install` first" % COLLECTIONS_PATH)
    shutil.rmtree(args.out, ignore_errors=True)
    state = fleet(args.accounts, args.debts)
    work = tempfile.mkdtemp(prefix="okx-profile-")
    try:
        with start_simulator(state, os.path.join(work, "simulator")) as sim:
            plain = run(state, sim, os.path.join(work, "plain"), args.forks, os.path.join(args.out, "plain"), 0, args.strategy)
            profiled = run(state, sim, os.path.join(work, "profiled"), args.forks,
                           os.path.join(args.out, "profiled"), args.every, args.strategy)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"accounts": args.accounts, "debts": args.debts, "forks": args.forks, "every": args.every,
              "strategy": args.strategy or "linear",
              "unprofiled": plain, "profiled": profiled}
    workers = sorted(glob.glob(os.path.join(args.out, "profiled", "worker-*.prof")))
    main_text, main_tt = top([os.path.join(args.out, "profiled", "main.prof")], args.top, "tottime")
    worker_text, worker_tt = top(workers, args.top, "cumulative")
    report.update(sampled_workers=len(workers), main_profiled_cpu_seconds=round(main_tt, 1),
                  sampled_workers_cpu_seconds=round(worker_tt, 1))
    with open(os.path.join(args.out, "result.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    tasks = args.accounts * 2  # the role's argument validation and the account task, per host
    print("strategy %s, %d accounts x %d debts, %d forks" % (report["strategy"], args.accounts, args.debts, args.forks))
    print("unprofiled: wall %.1f s; ansible-playbook itself %.1f s CPU, its workers %.1f s (%d host-tasks: %.3f s each); "
          "%.3f s per account in all" % (
              plain["wall_seconds"], plain["main_cpu_seconds"], plain["workers_cpu_seconds"], tasks,
              plain["workers_cpu_seconds"] / tasks,
              (plain["main_cpu_seconds"] + plain["workers_cpu_seconds"]) / args.accounts))
    print("\n== ansible-playbook's main thread (profiled, %.1f s CPU), by own time ==\n%s" % (main_tt, main_text))
    print("== %d sampled workers (every %d-th, %.1f s CPU in all), by cumulative time ==\n%s" % (
        len(workers), args.every, worker_tt, worker_text))
    for name, result in (("unprofiled", plain), ("profiled", profiled)):
        if result["problems"]:
            print("%s run NOT OK: %s" % (name, "; ".join(result["problems"])))
    print("result: %s" % os.path.join(args.out, "result.json"))
    return 0 if not (plain["problems"] or profiled["problems"]) else 1


if __name__ == "__main__":
    sys.exit(main())
