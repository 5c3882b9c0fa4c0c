# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the OKX simulator as a process and drive its admin API. Used by tests and `make demo`; needs no pytest."""

import json
import os
import select
import subprocess
import sys
import urllib.request

SIMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "okx_simulator.py")
BANNER = "OKX simulator listening on "


class Sim:
    """A running simulator: its base URL and the admin calls (see README.md)."""

    def __init__(self, proc, url, tmp_dir, stderr):
        self.proc = proc
        self.url = url
        self.tmp_dir = tmp_dir
        self.log_path = os.path.join(tmp_dir, "requests.jsonl")
        self._stderr = stderr

    def _admin(self, method, name, payload=None):
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(self.url + "/__sim__/" + name, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read().decode("utf-8"))

    def log(self):
        """The request log entries, oldest first."""
        return self._admin("GET", "log")

    def state(self):
        """Accounts (balances, debts, history), prices and clock skew, as the simulator has them now."""
        return self._admin("GET", "state")

    def faults(self):
        """The faults not consumed yet."""
        return self._admin("GET", "faults")

    def set_faults(self, faults):
        """Replace the fault queue (a list of fault dicts)."""
        return self._admin("POST", "faults", faults)

    def set_clock_skew(self, seconds):
        """Offset the server clock by this many seconds."""
        return self._admin("POST", "clock", {"skew": seconds})

    def configure(self, **settings):
        """Change settle_delay and/or history_lag (seconds) for the repays posted from now on."""
        return self._admin("POST", "config", settings)

    def set_prices(self, prices):
        """Move market prices ({ccy: USD price}) from now on: repays settling later fill at them."""
        return self._admin("POST", "prices", prices)

    def borrow(self, account, debts):
        """The account named ``account`` borrows more now: ``debts`` ({ccy: amount}) are added to its debts."""
        return self._admin("POST", "borrow", {"account": account, "debts": debts})

    def reset(self, state):
        """Start over from a new state: accounts, no faults, no skew, empty log and rate windows."""
        return self._admin("POST", "reset", state)

    def cpu_seconds(self):
        """The simulator process's user + system CPU time so far, in seconds (Linux /proc; while it runs): divide a
        difference by the requests in between to know what a request costs the simulator."""
        with open("/proc/%d/stat" % self.proc.pid, encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()  # after "pid (comm)": field 3 (state) is fields[0]
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, fields 14 and 15

    def stop(self):
        """Stop the process (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self._stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_simulator(state, tmp_dir, timeout=20):
    """Write ``state`` to ``tmp_dir``, start the simulator on a free port of 127.0.0.1 and return a ``Sim``."""
    os.makedirs(tmp_dir, exist_ok=True)
    state_path = os.path.join(tmp_dir, "state.json")
    with open(state_path, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    stderr = open(os.path.join(tmp_dir, "stderr.log"), "wb")  # pylint: disable=consider-using-with
    command = [sys.executable, SIMULATOR, "--state", state_path, "--port", "0", "--log", os.path.join(tmp_dir, "requests.jsonl")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)  # pylint: disable=consider-using-with
    ready = select.select([proc.stdout], [], [], timeout)[0]
    line = proc.stdout.readline().decode("utf-8") if ready else ""
    if not line.startswith(BANNER):
        proc.kill()
        proc.wait()
        proc.stdout.close()
        stderr.close()
        with open(os.path.join(tmp_dir, "stderr.log"), encoding="utf-8", errors="replace") as handle:
            raise RuntimeError("the OKX simulator did not start (first line %r): %s" % (line, handle.read()[-2000:]))
    return Sim(proc, line[len(BANNER):].strip(), tmp_dir, stderr)
