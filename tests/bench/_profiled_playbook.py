# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-playbook, measured from inside: ``python _profiled_playbook.py OUT_DIR EVERY ansible-playbook-args...``.

Writes to OUT_DIR:
- ``main.json``: the CPU seconds of the ansible-playbook process itself (all its threads: the strategy's loop and its
  results thread) and of its finished children (the workers), from os.times() at its end;
- with EVERY > 0, ``main.prof``: a cProfile (CPU time) of its main thread, and ``worker-PID.prof`` of every EVERY-th
  worker process (WorkerProcess.run, after the fork).
Profiling slows what it profiles: the CPU split comes from a run with EVERY 0 (profile_playbook.py runs both).
"""

import cProfile
import itertools
import json
import os
import sys
import time

OUT, EVERY = sys.argv[1], int(sys.argv[2])
sys.argv = ["ansible-playbook"] + sys.argv[3:]

from ansible.cli.playbook import main  # noqa: E402 (after argv is set, as the ansible-playbook script does)
from ansible.executor.process import worker  # noqa: E402


def profiled_workers():
    """Profile every EVERY-th worker: WorkerProcess.start (in this process) counts, WorkerProcess.run (in the forked
    child, which ends with os._exit: no atexit) dumps its profile."""
    start, run = worker.WorkerProcess.start, worker.WorkerProcess.run
    counter = itertools.count()

    def counted_start(self):
        self.okx_profiled = next(counter) % EVERY == 0
        return start(self)

    def profiled_run(self):
        if not self.okx_profiled:
            return run(self)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        try:
            return run(self)
        finally:
            profile.disable()
            profile.dump_stats(os.path.join(OUT, "worker-%d.prof" % os.getpid()))

    worker.WorkerProcess.start, worker.WorkerProcess.run = counted_start, profiled_run


def playbook():
    """ansible-playbook's exit status (its CLI ends with sys.exit)."""
    try:
        main()
    except SystemExit as done:
        if done.code is None:
            return 0
        return done.code if isinstance(done.code, int) else 1
    return 0


def finish(status, profile=None):
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(OUT, "main.prof"))
    times = os.times()
    with open(os.path.join(OUT, "main.json"), "w", encoding="utf-8") as handle:
        json.dump({"exit_status": status, "main_cpu_seconds": times.user + times.system,
                   "workers_cpu_seconds": times.children_user + times.children_system}, handle)
    return status


if EVERY > 0:
    profiled_workers()
    main_profile = cProfile.Profile(time.process_time)
    os.register_at_fork(after_in_child=main_profile.disable)
    main_profile.enable()
    sys.exit(finish(playbook(), main_profile))
sys.exit(finish(playbook()))
