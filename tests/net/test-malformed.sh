#!/usr/bin/env bash
# Hostile input: malformed frames injected from the kernel side (truncated
# headers, lengths that disagree, bad checksums, odd ARP sizes, unknown
# ethertype) are dropped without a reply, each counted under its reason,
# and glassd goes on answering ping.  The sanitizer build of this test
# proves no read past the frame.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_setup malformed
glassd_start --trace eth,arp,ipv4,icmp
glassd_wait_ready
mac=$(in_ns ip neigh show "$GLASS_STACK_ADDR" dev "$GLASS_TAP" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
[ -n "$mac" ] || fatal "the kernel learned no MAC for $GLASS_STACK_ADDR"

rc=0
in_ns timeout 60 python3 "$GLASS_ROOT/tests/net/inject.py" "$GLASS_TAP" "$mac" 2 >"$OUT/inject.out" 2>&1 || rc=$?
cat "$OUT/inject.out"
expect_eq "inject.py: malformed frames unanswered, good ones answered" "$rc" 0

in_ns ping -c 3 -i 0.2 -W 2 -q "$GLASS_STACK_ADDR" >"$OUT/ping.out" 2>&1 || true
read -r sent got < <(ping_summary "$OUT/ping.out") || fatal "no ping summary"
expect_eq "glassd still answers ping afterwards" "$got/$sent" "3/3"

glassd_stop
# Each case names the counter that must count it ("case NAME counter C sent N").
declare -A want=()
while read -r _ _ _ c _ n _; do
    want[$c]=$((${want[$c]:-0} + ${n%:}))
done < <(grep '^case ' "$OUT/inject.out")
[ ${#want[@]} -gt 0 ] || fatal "inject.py reported no cases"
for c in "${!want[@]}"; do
    expect_eq "$c" "$(counter "$c")" "${want[$c]}"
done
note "glassd's trace of the drops:"
grep -E 'drop' "$GLASSD_ERR" | head -40 | sed 's/^/    /' || true
net_done
