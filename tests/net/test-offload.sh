#!/usr/bin/env bash
# TAP offloads (issue 8 "Moving bytes") against the Linux kernel, with
# --if ...,offload=on and offload=off:
#   A. Linux -> glass-nc -l: a python client sends 4 MB; glass-nc's stdout
#      matches by sha256.  With offloads on, the kernel hands glass GSO
#      frames larger than the MTU with checksums it vouched for: the
#      counters link.gso_rx and link.csum_trusted prove they arrived.
#   B. glass-nc -> a Linux listener: 4 MB, digest checked on the Linux
#      side.  With offloads on, glass sent TCP super-segments the kernel
#      cut (link.tso_tx) with partial checksums (link.csum_partial_tx).
# With offloads off all four counters stay 0 (plain frames, full sums).
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_NC=$GLASS_BUILD/glass-nc
net_setup offload
[ -x "$GLASS_NC" ] || fatal "no glass-nc in $GLASS_BUILD"

# shellcheck disable=SC2317 # called through wait_for
tcp_listening() { in_ns ss -Hltn "sport = :$1" | grep -q .; }

cat >"$OUT/peer.py" <<'EOF'
import socket, sys
role = sys.argv[1]
if role == "client":   # client HOST PORT FILE: send FILE, then FIN; drain
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=60)
    s.sendall(open(sys.argv[4], "rb").read())
    s.shutdown(socket.SHUT_WR)
    while s.recv(1 << 16):
        pass
else:                  # server ADDR PORT FILE: one connection, to EOF, into FILE
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((sys.argv[2], int(sys.argv[3])))
    ls.listen(1)
    ls.settimeout(60)
    s, _ = ls.accept()
    s.settimeout(60)
    with open(sys.argv[4], "wb") as f:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            f.write(b)
EOF
/usr/bin/python3 -c 'import random; open("'"$OUT"'/data.bin", "wb").write(random.Random(8).randbytes(4 << 20))'
want=$(sha "$OUT/data.bin")

for mode in on off; do
    IF="tap:$GLASS_TAP,$GLASS_STACK_ADDR/24,offload=$mode"
    # ---- A: Linux -> glass ----
    GLASSD_ERR=$OUT/a-$mode.err
    ip netns exec "$NS" "$GLASS_NC" --if "$IF" -l -v -p 5000 </dev/null \
        >"$OUT/a-$mode.out" 2>"$GLASSD_ERR" &
    GLASSD_PID=$!
    wait_for "A/$mode: glass-nc listens" 10 grep -q '^Listening on' "$GLASSD_ERR" ||
        fatal "glass-nc -l did not listen"
    glassd_wait_ready
    rc=0
    in_ns timeout 60 /usr/bin/python3 "$OUT/peer.py" client "$GLASS_STACK_ADDR" 5000 \
        "$OUT/data.bin" 2>"$OUT/a-$mode.client.err" || rc=$?
    expect_eq "A/$mode: Linux client exit status" "$rc" 0
    wait_exit "$GLASSD_PID" 30
    GLASSD_PID=
    expect_eq "A/$mode: Linux -> glass sha256" "$(sha "$OUT/a-$mode.out")" "$want"
    if [ "$mode" = on ]; then
        if grep -q 'refused offloads' "$GLASSD_ERR"; then
            echo "SKIP: this kernel refuses TAP offloads"; net_cleanup; exit 77
        fi
        expect_ge "A/on: GSO frames arrived (link.gso_rx)" "$(counter link.gso_rx)" 1
        expect_ge "A/on: checksums the kernel vouched for (link.csum_trusted)" \
            "$(counter link.csum_trusted)" 1
    else
        expect_eq "A/off: no GSO frame (link.gso_rx)" "$(counter link.gso_rx)" 0
        expect_eq "A/off: every checksum verified (link.csum_trusted)" \
            "$(counter link.csum_trusted)" 0
    fi
    expect_eq "A/$mode: no bad checksum" "$(counter tcp.drop_bad_checksum)" 0
    no_sanitizer_report "$GLASSD_ERR"

    # ---- B: glass -> Linux ----
    rm -f "$OUT/b-$mode.got"
    in_ns timeout 60 /usr/bin/python3 "$OUT/peer.py" server "$GLASS_KERNEL_ADDR" 5001 \
        "$OUT/b-$mode.got" 2>"$OUT/b-$mode.server.err" &
    server_pid=$!
    wait_for "B/$mode: Linux listens" 10 tcp_listening 5001 || fatal "server did not listen"
    GLASSD_ERR=$OUT/b-$mode.err
    rc=0
    in_ns timeout 60 "$GLASS_NC" --if "$IF" -v "$GLASS_KERNEL_ADDR" 5001 \
        <"$OUT/data.bin" >/dev/null 2>"$GLASSD_ERR" || rc=$?
    expect_eq "B/$mode: glass-nc exit status" "$rc" 0
    wait_exit "$server_pid" 30
    expect_eq "B/$mode: glass -> Linux sha256" "$(sha "$OUT/b-$mode.got")" "$want"
    if [ "$mode" = on ]; then
        expect_ge "B/on: super-segments the kernel cut (link.tso_tx)" "$(counter link.tso_tx)" 1
        expect_ge "B/on: partial checksums (link.csum_partial_tx)" \
            "$(counter link.csum_partial_tx)" 1
    else
        expect_eq "B/off: no super-segment (link.tso_tx)" "$(counter link.tso_tx)" 0
        expect_eq "B/off: full checksums (link.csum_partial_tx)" \
            "$(counter link.csum_partial_tx)" 0
    fi
    no_sanitizer_report "$GLASSD_ERR"
done
net_done
