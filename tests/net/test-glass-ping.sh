#!/usr/bin/env bash
# glass pings Linux: glass-ping to 10.0.0.1 gets replies (exit 0); to
# 10.0.0.99, where nobody answers ARP, it gives up and exits 1; bad
# command lines exit 2.  No glassd here: glass-ping is a whole stack and
# attaches to tap0 itself.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup glass-ping
[ -x "$GLASS_PING" ] || fatal "no glass-ping in $GLASS_BUILD"

run_glass_ping() { # OUTFILE ARGS...: sets rc and took (seconds)
    local out=$1 start=$SECONDS
    shift
    rc=0
    in_ns timeout 60 "$GLASS_PING" "$@" >"$out" 2>&1 </dev/null || rc=$?
    took=$((SECONDS - start))
    note "\$ glass-ping $*   (exit $rc after ${took}s)"
    sed 's/^/    /' "$out"
}

run_glass_ping "$OUT/reply.out" -c 3 -i 0.2 "$GLASS_KERNEL_ADDR"
expect_eq "glass-ping $GLASS_KERNEL_ADDR exit status" "$rc" 0
read -r sent got < <(ping_summary "$OUT/reply.out") || fatal "no summary line from glass-ping"
expect_eq "echoes answered by Linux" "$got/$sent" "3/3"
expect_eq "0% packet loss in the summary" "$(grep -c ' 0% packet loss' "$OUT/reply.out" || true)" 1
expect_eq "rtt line" "$(grep -c '^rtt min/avg/max' "$OUT/reply.out" || true)" 1

run_glass_ping "$OUT/absent.out" -c 2 -W 2 10.0.0.99
expect_eq "glass-ping to an absent host: exit status" "$rc" 1
if [ "$took" -le 15 ]; then pass "gave up in ${took}s (<= 15)"; else fail "took ${took}s to give up (> 15)"; fi
read -r sent got < <(ping_summary "$OUT/absent.out") || fatal "no summary line from glass-ping"
expect_eq "echoes answered by nobody" "$got" 0

run_glass_ping "$OUT/usage1.out"
expect_eq "glass-ping without DEST: exit status" "$rc" 2
run_glass_ping "$OUT/usage2.out" -c many "$GLASS_KERNEL_ADDR"
expect_eq "glass-ping -c many: exit status" "$rc" 2
expect_eq "lines of complaint" "$(wc -l <"$OUT/usage2.out")" 1
if grep -q -- '-c' "$OUT/usage2.out"; then pass "the complaint names -c"; else fail "the complaint does not name -c"; fi
net_done
