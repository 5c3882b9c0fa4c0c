# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A faithful OKX v5 REST simulator for tests, served over HTTP by werkzeug. It never contacts OKX.

Run: python tests/simulator/okx_simulator.py --state STATE.json [--host 127.0.0.1] [--port 0] [--log LOG.jsonl]

The model of OKX (endpoints, authentication, rate limits, settlement, faults, the request log) is okx_model.py (no
werkzeug, usable in-process); this file only carries it over HTTP and enacts the replies' transport (a dropped
connection, a slow or dripping reply). README.md beside this file describes the state file, the admin API under
/__sim__/ and the faults.
"""

import argparse
import json
import signal
import socket
import threading
import time
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

try:
    from tests.simulator.okx_model import ADMIN, OKX, sign  # noqa: F401  pylint: disable=unused-import
except ImportError:  # run as a script: this file's directory is on sys.path, not the repository root
    from okx_model import ADMIN, OKX, sign  # type: ignore  # noqa: F401  pylint: disable=unused-import,import-error

BANNER = "OKX simulator listening on "


class ConnectionDropped(ConnectionError):
    """Raised after shutting the client socket: werkzeug then sends nothing."""


def raw_path(environ):
    """The request target exactly as sent (path and query): what the client signed."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        query = environ.get("QUERY_STRING")
        return environ.get("PATH_INFO", "") + ("?" + query if query else "")
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path + ("?" + parts.query if parts.query else "")
    return target


def dripping(response, rate, delay):
    """The same reply with its body sent a byte at a time, ``rate`` bytes a second, after ``delay`` seconds: a client
    never waits more than 1/rate s for its next read, however long the whole body takes."""
    body = response.get_data()

    def chunks():
        start = time.monotonic() + delay
        for index in range(len(body)):
            time.sleep(max(0.0, start + index / rate - time.monotonic()))
            yield body[index:index + 1]

    return Response(chunks(), status=response.status, headers=response.headers)


def drop_connection(environ):
    """Close the client's connection without a reply."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionDropped("reply dropped by fault injection")


class Simulator:
    """The WSGI application: OKX requests go to the model, /__sim__/ requests to its admin routes."""

    def __init__(self, state, log_path=None, clock=None):
        self.model = OKX(state, log_path, clock)

    def now(self):
        """The model's server clock (skew included), for the Date header."""
        return self.model.now()

    def close(self):
        """Close the model's log file."""
        self.model.close()

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data(cache=True)
        if request.path.startswith(ADMIN):
            response = self.admin(request, body)
        else:
            response = self.serve(request, environ, body)
        return response(environ, start_response)

    def admin(self, request, body):
        """/__sim__/NAME: the model's admin routes; the body is JSON."""
        payload = None
        if request.method == "POST":
            try:
                payload = json.loads(body)
            except ValueError as err:
                return self.json(400, {"error": "the body is not JSON: %s" % err})
        status, obj = self.model.admin(request.method, request.path[len(ADMIN):], payload)
        return self.json(status, obj)

    @staticmethod
    def json(status, obj):
        """A compact JSON reply."""
        return Response(json.dumps(obj, separators=(",", ":")), status=status, mimetype="application/json")

    def serve(self, request, environ, body):
        """An OKX request: the model's reply, its transport enacted."""
        reply = self.model.handle(request.method, raw_path(environ), request.headers, body, request.remote_addr or "")
        transport = reply.transport or {}
        if transport.get("kind") == "drop":
            drop_connection(environ)
        response = Response(reply.body, status=reply.status, headers=reply.headers, content_type=reply.content_type)
        if transport.get("kind") == "slow":
            time.sleep(transport["delay"])
        if transport.get("kind") == "drip":
            return dripping(response, transport["rate"], transport["delay"])
        return response


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without its per-request access log (the simulator keeps its own)."""

    def log_request(self, code="-", size="-"):
        """Log nothing."""

    def date_time_string(self, timestamp=None):
        """The Date header (RFC 7231) from the simulator's clock, skew included, as a real server's own clock."""
        return super().date_time_string(self.server.app.now() if timestamp is None else timestamp)


def serve(state, host="127.0.0.1", port=0, log_path=None, ready=None):
    """Serve a state until SIGTERM or SIGINT. ``ready(url, simulator)`` is called once listening (default: print the
    banner line, flushed)."""
    simulator = Simulator(state, log_path)
    server = make_server(host, port, simulator, threaded=True, request_handler=QuietRequestHandler)
    url = "http://%s:%d" % ("[%s]" % host if ":" in host else host, server.server_port)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if ready is None:
            print(BANNER + url, flush=True)
        else:
            ready(url, simulator)
        server.serve_forever()
    finally:
        server.server_close()
        simulator.close()


def main(argv=None):
    """Serve the simulator until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="OKX v5 REST simulator for tests (never contacts OKX)")
    parser.add_argument("--state", required=True, help="JSON state file (accounts, prices, ...)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--log", help="append each request log entry to this JSON-lines file")
    args = parser.parse_args(argv)
    with open(args.state, encoding="utf-8") as handle:
        state = json.load(handle)
    serve(state, args.host, args.port, args.log)


if __name__ == "__main__":
    main()
