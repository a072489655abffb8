#!/usr/bin/env python3
"""A backend for the e2e tests: answers GET with its name and PUT with its
name and the byte count it read, on IPv4 and IPv6 at once; logs each
request's client address to stderr, so a test can see the client's own
address arrived (no NAT on the way).

usage: backend_httpd.py NAME PORT
"""
import http.server
import socket
import sys

CHUNK = 65536


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def reply(self, body):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(f"{self.server.name}\n")

    def do_PUT(self):
        want = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < want:
            chunk = self.rfile.read(min(CHUNK, want - got))
            if not chunk:
                break
            got += len(chunk)
        self.reply(f"{self.server.name} {got}\n")

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.client_address[0]} {fmt % args}\n")
        sys.stderr.flush()


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    server = DualStackServer(("::", int(sys.argv[2])), Handler)
    server.name = sys.argv[1]
    server.serve_forever()


if __name__ == "__main__":
    main()
