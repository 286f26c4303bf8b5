#!/usr/bin/env python3
"""tests/net/churn.py HOST PORT COUNT - COUNT short HTTP/1.0 connections in a row.

Each: connect, "GET / HTTP/1.0", read until the server closes (it closes
first, so the server side holds TIME-WAIT), close.  Prints
"done N ok M failed F in S s" and exits 1 if any failed.  Bounded: each
socket has a 5 s timeout and the whole run stops after 120 s.
"""

import socket
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    req = b"GET / HTTP/1.0\r\nHost: glass\r\n\r\n"
    ok = failed = 0
    start = time.monotonic()
    for _ in range(count):
        if time.monotonic() - start > 120:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, port))
            s.sendall(req)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            if data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200"):
                ok += 1
            else:
                failed += 1
        except OSError as e:
            failed += 1
            if failed <= 3:
                print("connection failed:", e, file=sys.stderr)
        finally:
            s.close()
    print(f"done {ok + failed} ok {ok} failed {failed} in {time.monotonic() - start:.1f} s")
    return 0 if failed == 0 and ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
