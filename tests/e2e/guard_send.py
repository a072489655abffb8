#!/usr/bin/env python3
"""A paced UDP sender from a chosen source address, for test_guard.sh.

usage: guard_send.py SRC SPORT DST PORT COUNT RATE RUN

Sends COUNT datagrams "seq RUN:N" from one socket bound to SRC:SPORT (one
flow) to DST:PORT at RATE per second, then prints "sent N" and "elapsed S"
(seconds from the first datagram to the last).
Bounded: it stops after COUNT datagrams or COUNT / RATE + SLACK seconds.
"""
import socket
import sys
import time

PACE_BATCH = 10  # datagrams sent between two clock checks
SLACK_SECONDS = 5.0


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    src, sport, dst, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    count, rate, run = int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.connect((dst, port))
    start = time.monotonic()
    deadline = start + count / rate + SLACK_SECONDS
    sent = 0
    last = start
    while sent < count:
        now = time.monotonic()
        if now > deadline:
            break
        due = start + sent / rate
        if due > now:
            time.sleep(due - now)
        for _ in range(min(PACE_BATCH, count - sent)):
            try:
                s.send(b"seq %s:%d" % (run.encode(), sent))
            except OSError:
                pass  # a full queue loses the datagram; the counts show it
            sent += 1
        last = time.monotonic()
    print("sent %d" % sent)
    print("elapsed %.4f" % (last - start))


if __name__ == "__main__":
    main()
