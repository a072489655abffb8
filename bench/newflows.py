#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A steady stream of new UDP flows for bench/cp_latency.sh: one datagram
per flow, each from a source address and port never used before in the run,
so that every datagram is a new flow for the load balancer and goes where
its ring says at that moment.

  newflows.py DST PORT RATE SECONDS SRC_FIRST SRC_COUNT

DST:PORT the VIP; RATE datagrams per second, sent in bursts every
millisecond; sources SRC_FIRST and the SRC_COUNT - 1 addresses after it,
ports 1024..65535 (written into the header through a raw socket: the
addresses need not be the sender's). Stops after SECONDS, or once every
source tuple has been used.
"""
import ipaddress
import socket
import struct
import sys
import time

FIRST_PORT = 1024
PORTS = 65536 - FIRST_PORT
TICK = 0.001  # seconds between two bursts
TTL = 64
PAYLOAD = b"xlb-newflow-0123"


def datagram(src, dst, sport, dport):
    udp_len = 8 + len(PAYLOAD)
    # total length, id, checksum and nothing else are left for the kernel
    # to fill (IP_HDRINCL); UDP checksum 0: none, allowed over IPv4
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, TTL, socket.IPPROTO_UDP, 0, src, dst)
    return ip + struct.pack("!HHHH", sport, dport, udp_len, 0) + PAYLOAD


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    dst = ipaddress.IPv4Address(sys.argv[1])
    dport = int(sys.argv[2])
    rate = int(sys.argv[3])
    seconds = float(sys.argv[4])
    first = int(ipaddress.IPv4Address(sys.argv[5]))
    count = int(sys.argv[6])
    burst = max(1, round(rate * TICK))
    limit = min(count * PORTS, int(rate * seconds))
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    target = (str(dst), 0)
    start = time.monotonic()
    sent = 0
    while sent < limit and time.monotonic() - start < seconds:
        for _ in range(min(burst, limit - sent)):
            src = ipaddress.IPv4Address(first + sent % count).packed
            sport = FIRST_PORT + sent // count
            sock.sendto(datagram(src, dst.packed, sport, dport), target)
            sent += 1
        # paced against the start, so a late wake-up is caught up
        ahead = start + sent / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print(f"sent {sent} in {time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
