#!/usr/bin/env bash
# glass-perf against the Linux kernel's iperf (version 2), short runs, no
# timing thresholds (timing belongs to scripts/bench, never to tests):
#  1. sink: `iperf -c` (its default client: a plain TCP stream, which
#     starts with iperf2's client header, flags 0) sends 2 s to
#     `glass-perf -s`; glass-perf prints a connection line, interval lines
#     and a summary with a non-zero rate, and the byte count it reports
#     agrees with what iperf says it sent.
#  2. sender: `glass-perf -c` sends 2 s to `iperf -s`; both report a
#     non-zero transfer, glass-perf exits 0.
# Both ends must see no reset, and glass-perf no sanitizer error or leak.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_PERF=$GLASS_BUILD/glass-perf
command -v iperf >/dev/null || { echo "SKIP: iperf (version 2) not installed"; exit 77; }
net_setup perf
[ -x "$GLASS_PERF" ] || fatal "no glass-perf in $GLASS_BUILD"

# A summary line: "[  1] 0.0-2.0 sec  1.10 GBytes  4.71 Gbits/sec"; with
# -f m the units are MBytes and Mbits/sec.
summary_re='^\[ *[0-9]+\] 0\.0+-[0-9.]+ sec +[0-9.]+ MBytes +[0-9.]+ Mbits/sec$'

# ---- 1. Linux iperf client -> glass-perf -s ------------------------------------------
GLASSD_ERR=$OUT/perf-s.err
ip netns exec "$NS" "$GLASS_PERF" -s -i 1 -f m >"$OUT/perf-s.out" 2>"$GLASSD_ERR" &
GLASSD_PID=$!
note "glass-perf -s pid $GLASSD_PID"
glassd_wait_ready
rc=0
in_ns timeout 30 iperf -c "$GLASS_STACK_ADDR" -t 2 -f m >"$OUT/iperf-c.out" 2>&1 || rc=$?
sed 's/^/  iperf: /' "$OUT/iperf-c.out"
expect_eq "iperf -c to glass-perf -s: exit status" "$rc" 0
# The sink's summary comes when it reads the client's FIN; bounded wait.
for _ in $(seq 1 50); do
    grep -Eq "$summary_re" "$OUT/perf-s.out" && break
    sleep 0.1
done
glassd_stop
sed 's/^/  glass-perf: /' "$OUT/perf-s.out"
expect_eq "glass-perf -s: one connection line" \
    "$(grep -Ec '^\[ *1\] local 10\.0\.0\.2 port 5001 connected with 10\.0\.0\.1 port [0-9]+$' "$OUT/perf-s.out")" 1
expect_ge "glass-perf -s: interval lines (-i 1, 2 s)" \
    "$(grep -Ec '^\[ *1\] [0-9.]+-[0-9.]+ sec' "$OUT/perf-s.out")" 2
summary=$(grep -E "$summary_re" "$OUT/perf-s.out" | tail -1 || true)
[ -n "$summary" ] || fail "glass-perf -s printed no summary line"
rate=$(awk '{ print $(NF-1) }' <<<"$summary")
mbytes=$(awk '{ print $(NF-3) }' <<<"$summary")
iperf_mbytes=$(grep -E 'MBytes' "$OUT/iperf-c.out" | tail -1 | awk '{ for (i = 1; i <= NF; i++) if ($i == "MBytes") print $(i-1) }')
note "glass-perf -s: ${mbytes:-?} MBytes, ${rate:-?} Mbits/sec; iperf sent ${iperf_mbytes:-?} MBytes"
expect_eq "glass-perf -s: rate is non-zero" "$(awk -v r="${rate:-0}" 'BEGIN { print (r > 0) }')" 1
# iperf and glass-perf print MBytes with 2-3 significant digits: agree to 2%.
expect_eq "glass-perf -s counted what iperf sent (within rounding)" \
    "$(awk -v a="${mbytes:-0}" -v b="${iperf_mbytes:--1}" 'BEGIN { d = a - b; if (d < 0) d = -d; print (b > 0 && d <= 0.02 * b + 0.01) }')" 1
expect_eq "glass tcp.established (sink)" "$(counter tcp.established)" 1
expect_eq "glass tcp.conn_reset (sink)" "$(counter tcp.conn_reset)" 0

# ---- 2. glass-perf -c -> Linux iperf -s ------------------------------------------------
in_ns iperf -s -f m >"$OUT/iperf-s.out" 2>&1 &
IPERF_PID=$!
# (net_cleanup ends whatever still runs in the namespace, iperf too.)
for _ in $(seq 1 50); do
    in_ns ss -ltn 'sport = :5001' | grep -q LISTEN && break
    sleep 0.1
done
GLASSD_ERR=$OUT/perf-c.err
rc=0
in_ns timeout 30 "$GLASS_PERF" -c "$GLASS_KERNEL_ADDR" -t 2 -i 1 -f m >"$OUT/perf-c.out" 2>"$GLASSD_ERR" || rc=$?
sed 's/^/  glass-perf: /' "$OUT/perf-c.out"
expect_eq "glass-perf -c: exit status" "$rc" 0
# iperf -s prints its summary when it has read glass-perf's FIN.
for _ in $(seq 1 50); do
    grep -Eq 'MBytes' "$OUT/iperf-s.out" && break
    sleep 0.1
done
kill "$IPERF_PID" 2>/dev/null || true
wait "$IPERF_PID" 2>/dev/null || true
sed 's/^/  iperf -s: /' "$OUT/iperf-s.out"
summary=$(grep -E "$summary_re" "$OUT/perf-c.out" | tail -1 || true)
[ -n "$summary" ] || fail "glass-perf -c printed no summary line"
rate=$(awk '{ print $(NF-1) }' <<<"$summary")
expect_eq "glass-perf -c: rate is non-zero" "$(awk -v r="${rate:-0}" 'BEGIN { print (r > 0) }')" 1
iperf_rate=$(grep -E 'Mbits/sec' "$OUT/iperf-s.out" | tail -1 | awk '{ for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i-1) }')
expect_eq "iperf -s received a non-zero rate from glass-perf" \
    "$(awk -v r="${iperf_rate:-0}" 'BEGIN { print (r > 0) }')" 1
expect_eq "glass tcp.conn_reset (sender)" "$(counter tcp.conn_reset)" 0
no_sanitizer_report "$GLASSD_ERR"

# ---- 3. -Z (TCP_CONGESTION): a name glass does not have is the user's mistake ---------
rc=0
in_ns timeout 30 "$GLASS_PERF" -c "$GLASS_KERNEL_ADDR" -t 1 -Z nosuch >"$OUT/perf-z.out" 2>"$OUT/perf-z.err" || rc=$?
expect_eq "glass-perf -Z nosuch: exit status" "$rc" 2
expect_eq "glass-perf -Z nosuch: one clear message" \
    "$(grep -c "^glass-perf: -Z 'nosuch': no such congestion control" "$OUT/perf-z.err")" 1
net_done
