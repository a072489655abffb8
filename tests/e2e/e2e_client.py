#!/usr/bin/env python3
"""The client side of the e2e tests, run in the lab's client namespace,
talking to backend_echo.py through a VIP. Every wait is bounded.

  e2e_client.py tcp-ask ADDR PORT N
      N new TCP connections, one after the other: prints the backend that
      greeted each ("ERROR" when none did).
  e2e_client.py udp-ask ADDR PORT N
      N datagrams, each from a new socket (a new flow): prints the backend
      that answered each ("ERROR" when none did).
  e2e_client.py tcp-from ADDR PORT SPORT...
      One new TCP connection from each source port SPORT, in turn: prints
      "SPORT BACKEND" (BACKEND "ERROR" when none greeted it). Each ends with
      a reset (no TIME_WAIT), so the same ports can connect again at once.
  e2e_client.py hold ADDR PORT N DIR WAIT
      Opens N TCP connections and writes DIR/ready ("SPORT BACKEND" per
      connection); waits up to WAIT seconds for DIR/go to exist; then sends a
      line on every connection and writes DIR/result ("SPORT BEFORE AFTER",
      AFTER being the backend that answered, or RESET, CLOSED or TIMEOUT).
  e2e_client.py talk ADDR PORT DIR SECONDS INTERVAL [SPORT]
      One TCP connection (from SPORT if given), kept busy: DIR/ready says "SPORT BACKEND" once it
      is open; a line sent and its answer read every
      INTERVAL seconds, each written to DIR/log as "TIME BACKEND" (TIME from
      the clock's epoch, BACKEND the answer's, or RESET, CLOSED, TIMEOUT,
      which end it), until DIR/stop exists or SECONDS have passed; then
      DIR/done: "exchanges N failed N backends B1,B2..".
  e2e_client.py udp-stream ADDR PORT COUNT RATE FLOWS
      Sends COUNT datagrams "seq RUN:N" at RATE per second, round-robin over
      FLOWS sockets (FLOWS flows); RUN is this stream's own, so the servers
      count distinct datagrams across streams. Prints "sent N" and the
      flows' source ports ("flow PORT").
"""
import errno
import os
import socket
import struct
import sys
import time

IO_SECONDS = 3.0  # one connect or one answer
RECV_BYTES = 4096
POLL_SECONDS = 0.05
PACE_BATCH = 10  # datagrams sent between two clock checks
STREAM_SLACK = 5.0  # seconds a stream may run late before it gives up
BIND_TRIES = 40  # a port still closing is busy for a moment
BIND_RETRY_SECONDS = 0.05


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def read_line(sock):
    buf = b""
    while not buf.endswith(b"\n"):
        data = sock.recv(RECV_BYTES)
        if not data:
            raise EOFError
        buf += data
    return buf.decode().strip()


def connect(addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.settimeout(IO_SECONDS)
    s.connect((addr, port))
    return s


def tcp_ask(addr, port, n):
    for _ in range(n):
        try:
            with connect(addr, port) as s:
                print(read_line(s).split()[0])
        except (OSError, EOFError):
            print("ERROR")


def connect_from(addr, port, sport):
    for _ in range(BIND_TRIES):
        s = socket.socket(family_of(addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.settimeout(IO_SECONDS)
        try:
            s.bind(("::" if ":" in addr else "0.0.0.0", sport))
            s.connect((addr, port))
            return s
        except OSError as e:
            s.close()
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                raise
            time.sleep(BIND_RETRY_SECONDS)
    raise OSError(errno.EADDRINUSE, f"source port {sport} stayed busy")


def tcp_from(addr, port, sports):
    for sport in sports:
        try:
            with connect_from(addr, port, sport) as s:
                print(sport, read_line(s).split()[0])
        except (OSError, EOFError):
            print(sport, "ERROR")


def udp_ask(addr, port, n):
    for i in range(n):
        with socket.socket(family_of(addr), socket.SOCK_DGRAM) as s:
            s.settimeout(IO_SECONDS)
            try:
                s.connect((addr, port))
                s.send(f"ask {i}".encode())
                print(s.recv(RECV_BYTES).decode().split()[0])
            except OSError:
                print("ERROR")


def write_file(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    os.replace(tmp, path)


def exchange(sock):
    try:
        sock.sendall(b"ping\n")
        words = read_line(sock).split()
        return words[0] if len(words) == 2 and words[1] == "ping" else "GARBLED"
    except ConnectionResetError:
        return "RESET"
    except EOFError:
        return "CLOSED"
    except socket.timeout:
        return "TIMEOUT"
    except OSError as e:
        return f"ERROR-{e.errno}"


def hold(addr, port, n, directory, wait):
    conns = []
    for _ in range(n):
        s = connect(addr, port)
        conns.append((s, s.getsockname()[1], read_line(s)))
    write_file(os.path.join(directory, "ready"), [f"{p} {b}" for _, p, b in conns])
    go = os.path.join(directory, "go")
    deadline = time.monotonic() + wait
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit(f"hold: no {go} after {wait}s")
        time.sleep(POLL_SECONDS)
    result = [f"{p} {b} {exchange(s)}" for s, p, b in conns]
    write_file(os.path.join(directory, "result"), result)
    for s, _, _ in conns:
        s.close()


def udp_stream(addr, port, count, rate, nflows):
    socks = []
    for _ in range(nflows):
        s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        s.connect((addr, port))
        socks.append(s)
    start = time.monotonic()
    deadline = start + count / rate + STREAM_SLACK
    sent = 0
    run = f"{os.getpid()}.{time.time_ns()}"
    for i in range(count):
        if i % PACE_BATCH == 0:
            now = time.monotonic()
            if now > deadline:
                break
            ahead = start + i / rate - now
            if ahead > 0:
                time.sleep(ahead)
        try:
            socks[i % nflows].send(f"seq {run}:{i}".encode())
            sent += 1
        except OSError as e:
            print(f"send {i}: {e}", file=sys.stderr)
    print(f"sent {sent}")
    for s in socks:
        print(f"flow {s.getsockname()[1]}")
        s.close()


def talk(addr, port, directory, seconds, interval, sport=None):
    log = open(os.path.join(directory, "log"), "w", buffering=1)
    stop = os.path.join(directory, "stop")
    deadline = time.monotonic() + seconds
    exchanges = failed = 0
    backends = []
    with (connect_from(addr, port, sport) if sport else connect(addr, port)) as s:
        backends.append(read_line(s))
        log.write(f"{time.time():.3f} {backends[0]}\n")
        write_file(os.path.join(directory, "ready"), [f"{s.getsockname()[1]} {backends[0]}"])
        while not os.path.exists(stop) and time.monotonic() < deadline:
            answer = exchange(s)
            exchanges += 1
            log.write(f"{time.time():.3f} {answer}\n")
            if answer not in backends:
                backends.append(answer)
            if answer in ("RESET", "CLOSED", "TIMEOUT", "GARBLED") or answer.startswith("ERROR"):
                failed += 1
                break
            time.sleep(interval)
    write_file(os.path.join(directory, "done"),
               [f"exchanges {exchanges} failed {failed} backends {','.join(backends)}"])


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] in ("tcp-ask", "udp-ask"):
        (tcp_ask if a[0] == "tcp-ask" else udp_ask)(a[1], int(a[2]), int(a[3]))
    elif len(a) >= 4 and a[0] == "tcp-from":
        tcp_from(a[1], int(a[2]), [int(p) for p in a[3:]])
    elif len(a) == 6 and a[0] == "hold":
        hold(a[1], int(a[2]), int(a[3]), a[4], float(a[5]))
    elif len(a) in (6, 7) and a[0] == "talk":
        talk(a[1], int(a[2]), a[3], float(a[4]), float(a[5]), int(a[6]) if len(a) == 7 else None)
    elif len(a) == 6 and a[0] == "udp-stream":
        udp_stream(a[1], int(a[2]), int(a[3]), float(a[4]), int(a[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
