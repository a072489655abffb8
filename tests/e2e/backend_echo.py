#!/usr/bin/env python3
"""A TCP and UDP backend for the e2e tests that names itself.

usage: backend_echo.py NAME PORT COUNTFILE ADDR...

Listens on PORT of every ADDR (the VIPs on the backend's loopback: a UDP
reply must leave from the VIP, which only a socket bound to it guarantees).

TCP: greets each connection with "NAME\\n", then answers every line L with
"NAME L\\n", so a client knows which backend holds its connection and can
check later that the same one still does.

UDP: a datagram "seq ID" is counted and not answered (the packet-loss
stream; ID names the datagram, e.g. "RUN:N"); any other datagram D is
answered with "NAME D". The counts go to COUNTFILE as JSON ({"total",
"unique": distinct IDs, "flows": {"ADDR PORT": n}}), rewritten
at most every COUNT_PERIOD seconds while they change.
"""
import json
import os
import selectors
import socket
import sys
import threading
import time

COUNT_PERIOD = 0.2
RECV_BYTES = 65536
UDP_RCVBUF = 4 << 20  # absorbs a burst while the writer thread holds the GIL
SEQ_PREFIX = b"seq "


class Counts:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.total = 0
        self.seen = set()
        self.flows = {}
        self.dirty = True

    def add(self, peer, data):
        with self.lock:
            self.total += 1
            self.seen.add(data[len(SEQ_PREFIX):])
            key = f"{peer[0]} {peer[1]}"
            self.flows[key] = self.flows.get(key, 0) + 1
            self.dirty = True

    def write(self):
        with self.lock:
            if not self.dirty:
                return
            doc = {"total": self.total, "unique": len(self.seen), "flows": dict(self.flows)}
            self.dirty = False
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.replace(tmp, self.path)

    def writer(self):
        while True:
            self.write()
            time.sleep(COUNT_PERIOD)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve_tcp(conn, name):
    prefix = name.encode() + b" "
    with conn:
        conn.sendall(name.encode() + b"\n")
        buf = b""
        while True:
            data = conn.recv(RECV_BYTES)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                conn.sendall(prefix + line + b"\n")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    name, port, countfile, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    counts = Counts(countfile)
    sel = selectors.DefaultSelector()
    for addr in addrs:
        fam = family_of(addr)
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, port))
        t.listen(128)
        sel.register(t, selectors.EVENT_READ, "tcp")
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
        u.bind((addr, port))
        sel.register(u, selectors.EVENT_READ, "udp")
    threading.Thread(target=counts.writer, daemon=True).start()
    reply = name.encode() + b" "
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if key.data == "tcp":
                conn, _ = sock.accept()
                threading.Thread(target=serve_tcp, args=(conn, name), daemon=True).start()
                continue
            data, peer = sock.recvfrom(RECV_BYTES)
            if data.startswith(SEQ_PREFIX):
                counts.add(peer, data)
            else:
                sock.sendto(reply + data, peer)


if __name__ == "__main__":
    main()
