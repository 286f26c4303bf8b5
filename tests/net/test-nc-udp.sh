#!/usr/bin/env bash
# glass-nc -u talking to socat on the Linux side, both ways in both modes:
#   A. glass-nc -u -l -p 5000 receives what socat sends (the text exactly),
#      takes socat as its peer and sends its own stdin lines back to it.
#   B. glass-nc -u 10.0.0.1 5000 sends its stdin lines to a socat
#      UDP-LISTEN, and prints what socat sends back.
#   C. to a closed Linux port: "connect to 10.0.0.1 port 9 (udp) failed:
#      Connection refused" and exit 1, as OpenBSD nc says it.
#   D. no -u: TCP is not there yet, said plainly, exit 2.
# Each glass-nc is a whole stack on tap0, so they run one after another.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_NC=$GLASS_BUILD/glass-nc
net_setup nc-udp
[ -x "$GLASS_NC" ] || fatal "no glass-nc in $GLASS_BUILD"
command -v socat >/dev/null || fatal "socat is not installed (apt-get install socat)"

# Seeded text: lines of 0..199 printable characters, so datagrams differ
# in size and nothing depends on luck.
make_lines() { # FILE SEED COUNT
    /usr/bin/python3 - "$@" <<'EOF'
import random, string, sys
path, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
alphabet = string.ascii_letters + string.digits + string.punctuation + " "
with open(path, "w") as f:
    for i in range(count):
        f.write("%d %s\n" % (i, "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 199)))))
EOF
}

# shellcheck disable=SC2317 # called through wait_for
size_at_least() { [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]; }
# shellcheck disable=SC2317 # called through wait_for
udp_bound() { in_ns ss -H -uln "sport = :$1" | grep -q .; }

expect_same() { # DESCRIPTION GOT WANT
    if cmp -s "$2" "$3"; then
        pass "$1 ($(wc -l <"$3") lines, $(stat -c %s "$3") bytes)"
    else
        fail "$1: $2 differs from $3"
        diff <(od -c "$3") <(od -c "$2") | head -20 || true
    fi
}

# ---- A: listener --------------------------------------------------------
make_lines "$OUT/a-to-glass.txt" 1 150
make_lines "$OUT/a-from-glass.txt" 2 40
mkfifo "$OUT/a.fifo"
exec 7<>"$OUT/a.fifo" # a writer exists, so the reader's open does not block
GLASSD_ERR=$OUT/a-glass-nc.err
ip netns exec "$NS" "$GLASS_NC" -u -l -v -p 5000 -q 1 -w 20 \
    <"$OUT/a.fifo" >"$OUT/a-glass-nc.out" 2>"$GLASSD_ERR" 7>&- &
GLASSD_PID=$!
note "A: glass-nc pid $GLASSD_PID: glass-nc -u -l -v -p 5000 -q 1 -w 20"
wait_for "A: glass-nc says 'Bound on'" 10 grep -q '^Bound on 0.0.0.0 5000$' "$GLASSD_ERR" ||
    fatal "glass-nc -l did not bind"
glassd_wait_ready
# socat sends the file (1024-byte reads: each datagram fits the MTU), then
# keeps receiving for 8 s after its stdin ends (-t), printing what comes.
ip netns exec "$NS" socat -b 1024 -t 8 STDIO "UDP:$GLASS_STACK_ADDR:5000" \
    <"$OUT/a-to-glass.txt" >"$OUT/a-socat.out" 2>"$OUT/a-socat.err" 7>&- &
socat_pid=$!
wait_for "A: glass-nc printed all socat sent" 10 \
    size_at_least "$OUT/a-glass-nc.out" "$(stat -c %s "$OUT/a-to-glass.txt")" || true
if grep -q '^Connection received on 10\.0\.0\.1 ' "$GLASSD_ERR"; then
    pass "A: glass-nc took socat as its peer"
else
    fail "A: no 'Connection received on' line"
fi
cat "$OUT/a-from-glass.txt" >&7
exec 7>&- # EOF for glass-nc: it sends the rest, lingers 1 s, exits 0
wait_exit "$GLASSD_PID" 20
GLASSD_PID=
expect_eq "A: glass-nc -l exit status" "$rc" 0
wait_exit "$socat_pid" 20
expect_eq "A: socat exit status" "$rc" 0
expect_same "A: socat -> glass-nc -l, text" "$OUT/a-glass-nc.out" "$OUT/a-to-glass.txt"
expect_same "A: glass-nc -l stdin -> socat, text" "$OUT/a-socat.out" "$OUT/a-from-glass.txt"
expect_eq "A: one datagram per stdin line (glass udp.tx)" "$(counter udp.tx)" \
    "$(wc -l <"$OUT/a-from-glass.txt")"
no_sanitizer_report "$GLASSD_ERR"

# ---- B: client ----------------------------------------------------------
make_lines "$OUT/b-from-glass.txt" 3 150
make_lines "$OUT/b-to-glass.txt" 4 30
ip netns exec "$NS" socat -b 1024 -t 3 -T 20 "UDP-LISTEN:5000,bind=$GLASS_KERNEL_ADDR" STDIO \
    <"$OUT/b-to-glass.txt" >"$OUT/b-socat.out" 2>"$OUT/b-socat.err" &
socat_pid=$!
wait_for "B: socat listens on udp 5000" 10 udp_bound 5000 || fatal "socat did not bind"
mkfifo "$OUT/b.fifo"
exec 8<>"$OUT/b.fifo"
GLASSD_ERR=$OUT/b-glass-nc.err
ip netns exec "$NS" "$GLASS_NC" -u -v -q 3 "$GLASS_KERNEL_ADDR" 5000 \
    <"$OUT/b.fifo" >"$OUT/b-glass-nc.out" 2>"$GLASSD_ERR" 8>&- &
GLASSD_PID=$!
note "B: glass-nc pid $GLASSD_PID: glass-nc -u -v -q 3 $GLASS_KERNEL_ADDR 5000"
# Ping first: glass learns 10.0.0.1's MAC, so 150 lines at once do not
# overflow the ARP queue (8 packets) of a first, unresolved send.
glassd_wait_ready
cat "$OUT/b-from-glass.txt" >&8
exec 8>&-
wait_exit "$GLASSD_PID" 20
GLASSD_PID=
expect_eq "B: glass-nc exit status" "$rc" 0
wait_exit "$socat_pid" 20
expect_eq "B: socat exit status" "$rc" 0
if grep -q "^Connection to $GLASS_KERNEL_ADDR 5000 port \[udp/\*\] succeeded!$" "$GLASSD_ERR"; then
    pass "B: glass-nc -v says it is connected"
else
    fail "B: no 'Connection to ... succeeded!' line"
fi
expect_same "B: glass-nc stdin -> socat, text" "$OUT/b-socat.out" "$OUT/b-from-glass.txt"
expect_eq "B: one datagram per stdin line (glass udp.tx)" "$(counter udp.tx)" \
    "$(wc -l <"$OUT/b-from-glass.txt")"
expect_same "B: socat -> glass-nc, text" "$OUT/b-glass-nc.out" "$OUT/b-to-glass.txt"
no_sanitizer_report "$GLASSD_ERR"

# ---- C: a closed port -------------------------------------------------------
rc=0
echo "anyone?" | in_ns timeout 20 "$GLASS_NC" -u -q 5 "$GLASS_KERNEL_ADDR" 9 \
    >"$OUT/c.out" 2>"$OUT/c.err" || rc=$?
note "C: glass-nc -u -q 5 $GLASS_KERNEL_ADDR 9: exit $rc"
sed 's/^/    /' "$OUT/c.err"
expect_eq "C: exit status after an ICMP port unreachable" "$rc" 1
expect_eq "C: the message" "$(grep -v -E 'Sanitizer|runtime error' "$OUT/c.err" | head -n 1)" \
    "glass-nc: connect to $GLASS_KERNEL_ADDR port 9 (udp) failed: Connection refused"
no_sanitizer_report "$OUT/c.err"

# ---- D: without -u it is TCP: a closed kernel port refuses (RST) ------------
rc=0
in_ns timeout 10 "$GLASS_NC" "$GLASS_KERNEL_ADDR" 5000 </dev/null >"$OUT/d.out" 2>"$OUT/d.err" || rc=$?
expect_eq "D: glass-nc without -u to a closed TCP port: exit status" "$rc" 1
expect_eq "D: the message" "$(grep -v -E 'Sanitizer|runtime error' "$OUT/d.err" | head -n 1)" \
    "glass-nc: connect to $GLASS_KERNEL_ADDR port 5000 (tcp) failed: Connection refused"
rc=0
in_ns timeout 10 "$GLASS_NC" -u "$GLASS_KERNEL_ADDR" </dev/null >"$OUT/d2.out" 2>"$OUT/d2.err" || rc=$?
expect_eq "D: glass-nc -u HOST without PORT: exit status" "$rc" 2
expect_eq "D: one line of complaint" "$(wc -l <"$OUT/d2.err")" 1
net_done
