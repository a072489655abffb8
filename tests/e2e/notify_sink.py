#!/usr/bin/env python3
"""A service manager's notification socket, for the e2e tests.

usage: notify_sink.py PATH SECONDS [PROBE...]

Binds a Unix datagram socket at PATH (what $NOTIFY_SOCKET names) and
prints every assignment of every notification on a line of its own,
followed by " probe=" and what PROBE printed when the notification
arrived (e.g. the XDP program id of an interface). Stops after STOPPING=1
or after SECONDS.
"""
import socket
import subprocess
import sys
import time

MAX_DATAGRAM = 4096
PROBE_SECONDS = 5


def probe(cmd):
    if not cmd:
        return ""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_SECONDS)
        return out.stdout.strip()
    except subprocess.TimeoutExpired:
        return "timeout"


def main():
    path, seconds, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    end = time.monotonic() + seconds
    stopping = False
    while not stopping and time.monotonic() < end:
        sock.settimeout(max(end - time.monotonic(), 0.01))
        try:
            msg = sock.recv(MAX_DATAGRAM).decode(errors="replace")
        except socket.timeout:
            break
        seen = probe(cmd)
        for line in msg.splitlines():
            print(f"{line} probe={seen}", flush=True)
            stopping = stopping or line == "STOPPING=1"


if __name__ == "__main__":
    main()
