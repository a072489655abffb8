#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Backends for the health-check tests, steered through a JSON state file
that is read again on every request, so a test flips a backend's answer by
rewriting the file.

  hc_server.py http ADDR PORT STATE [--tls CERT KEY] [--tls-max 1.1]
      STATE: {"paths": {"/health": {"status": 200, "body": "ok",
                                    "delay": 0, "host": "example.test"}}}
      An unknown path answers 404; "host" set and the Host header's name
      different answers 421. /_stats answers "connections C requests R
      closing K" (K: requests that said "Connection: close"; /_stats itself
      not counted).
  hc_server.py grpc ADDR PORT STATE [--tls CERT KEY]
      grpc.health.v1.Health/Check through a generic handler.
      STATE: {"services": {"": "SERVING", "db": "NOT_SERVING"}}
      An unknown service answers NOT_FOUND (as the reference server does);
      "GARBAGE" answers bytes that are no HealthCheckResponse.
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time
import warnings
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVING = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2, "SERVICE_UNKNOWN": 3}
GRPC_WORKERS = 4


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def answer(self, with_body):
        if self.path == "/_stats":
            with self.server.lock:
                self.reply(200, "connections %d requests %d closing %d\n" %
                           (self.server.connections, self.server.requests,
                            self.server.closing), with_body)
            return
        with self.server.lock:
            self.server.requests += 1
            if (self.headers.get("Connection") or "").lower() == "close":
                self.server.closing += 1
        spec = load(self.server.state_file).get("paths", {}).get(self.path)
        status, body = 404, "no such path\n"
        if spec is not None:
            time.sleep(spec.get("delay", 0))
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if spec.get("host") and host != spec["host"]:
                status, body = 421, "wrong host %s\n" % host
            else:
                status, body = spec.get("status", 200), spec.get("body", "ok\n")
        self.reply(status, body, with_body)

    def reply(self, status, body, with_body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls = None
    connections = 0
    requests = 0
    closing = 0
    lock = threading.Lock()

    def finish_request(self, request, client_address):
        # the TLS handshake runs in the connection's thread, not in accept
        if self.tls:
            request = self.tls.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # failed handshakes are what some tests are about


def serve_http(args):
    Server.address_family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    srv = Server((args.addr, args.port), Handler)
    srv.state_file = args.state
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        if args.tls_max == "1.1":
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        srv.tls = ctx
    srv.serve_forever()


def read_service(data):
    """HealthCheckRequest.service (field 1, length-delimited)."""
    if not data:
        return ""
    if data[0] != 0x0A or len(data) < 2 or data[1] & 0x80:
        raise ValueError("unexpected request")
    return data[2:2 + data[1]].decode()


def serve_grpc(args):
    import grpc  # Debian's python3-grpcio, only needed here

    def check(request, context):
        state = load(args.state).get("services", {})
        service = read_service(request)
        if service not in state:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        if state[service] == "GARBAGE":
            return b"\x0f\x01"  # wire type 7 does not exist
        value = SERVING[state[service]]
        return b"\x08" + bytes([value]) if value else b""

    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(check)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=GRPC_WORKERS),
                         handlers=[handler])
    where = "[%s]:%d" % (args.addr, args.port) if ":" in args.addr else \
        "%s:%d" % (args.addr, args.port)
    if args.tls:
        with open(args.tls[0], "rb") as c, open(args.tls[1], "rb") as k:
            creds = grpc.ssl_server_credentials([(k.read(), c.read())])
        server.add_secure_port(where, creds)
    else:
        server.add_insecure_port(where)
    server.start()
    server.wait_for_termination()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["http", "grpc"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("state")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls-max")
    args = ap.parse_args()
    if args.kind == "http":
        serve_http(args)
    else:
        serve_grpc(args)


if __name__ == "__main__":
    sys.exit(main())
