#!/usr/bin/env bash
# The HTTP transfers on a bad wire: tc netem on tap0 (loss 3%, delay 5 ms,
# 10% reordered, 1% duplicated) acts on every frame Linux sends to glass.
# curl fetches a 20 MB file from glass-httpd (glass sends, the ACKs suffer)
# and glass-get fetches a 20 MB file from python3 -m http.server (glass
# receives the damaged stream: retransmissions, the out-of-order queue,
# duplicate data); both digests must match.  4 MB each in a sanitizer
# build.  The counters show that the damage happened.
set -euo pipefail
# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

http_setup http-netem
command -v tc >/dev/null || { echo "SKIP: tc missing (apt-get install iproute2)"; exit 77; }
G=$GLASS_STACK_ADDR
K=$GLASS_KERNEL_ADDR
W=$SCRATCH/www
mkdir -p "$W"
MB=$(big_mb 20 4)
random_file "$W/big.bin" "$MB"
want=$(sha "$W/big.bin")

netem="loss 3% delay 5ms reorder 10% duplicate 1%"
# shellcheck disable=SC2086 # the netem words are meant to split
if ! in_ns tc qdisc add dev "$GLASS_TAP" root netem $netem 2>"$OUT/tc.err"; then
    # A kernel without sch_netem (some containers) cannot run this test.
    if grep -q 'qdisc kind is unknown' "$OUT/tc.err"; then
        echo "SKIP: this kernel has no netem qdisc (sch_netem)"
        exit 77
    fi
    cat "$OUT/tc.err"
    fatal "tc qdisc add netem failed"
fi
note "tc qdisc on $GLASS_TAP: $(in_ns tc qdisc show dev "$GLASS_TAP" | head -n 1)"

# ---- curl from glass-httpd -------------------------------------------------------
httpd_start --root "$W"
httpd_wait_ready
start=$SECONDS
code=$(in_ns curl -s --max-time 80 -o "$SCRATCH/curl.out" -w '%{http_code}' "http://$G/big.bin" || true)
note "curl: $MB MiB through netem in $((SECONDS - start)) s"
expect_eq "curl status" "$code" 200
expect_eq "curl sha256" "$(sha "$SCRATCH/curl.out" 2>/dev/null || echo none)" "$want"
rm -f "$SCRATCH/curl.out"
httpd_stop
expect_ge "glass-httpd saw duplicate ACKs or retransmitted (tcp.dup_acks + tcp.retransmits)" \
    "$(($(httpd_counter tcp.dup_acks) + $(httpd_counter tcp.retransmits)))" 1

# ---- glass-get from Linux ---------------------------------------------------------
LINUX_PORT=8000
linux_server http.server python3 -m http.server --bind "$K" --directory "$W" 8000
run_get get -q -o "$SCRATCH/get.out" "http://$K:8000/big.bin"
note "glass-get: $MB MiB through netem in ${took} s"
expect_eq "glass-get exit status" "$rc" 0
expect_eq "glass-get sha256" "$(sha "$SCRATCH/get.out" 2>/dev/null || echo none)" "$want"

net_done
