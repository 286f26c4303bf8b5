#!/usr/bin/env bash
# Every command in the docs is run by a test: the fenced blocks marked
# ```sh test in README.md and docs/*.md run here, in order, in a lab of
# their own.  The lab name `glass` in them becomes this test's namespace,
# build/ a debug build (tests/net/debug-build.sh) and /tmp/journey* files
# in this test's output directory, so nothing reaches outside the test.
# Each block must exit 0 within 60 s; then the tutorial's claims are
# checked on what the blocks printed (docs/tutorial.md).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/debug-build.sh"

net_setup docs
for cmd in gdb tshark curl; do
    command -v "$cmd" >/dev/null || { echo "SKIP: $cmd is not installed (the docs use it)"; exit 77; }
done
glass_debug_build

# blocks FILE: the `sh test` blocks of FILE, each ended by a line "#--end--".
blocks() {
    awk '/^```sh test$/ { on = 1; next } on && /^```$/ { on = 0; print "#--end--"; next } on' "$1"
}

n=0
for doc in "$GLASS_ROOT/README.md" "$GLASS_ROOT"/docs/*.md; do
    rel=${doc#"$GLASS_ROOT"/}
    block=
    while IFS= read -r line; do
        if [ "$line" != "#--end--" ]; then
            block+="$line"$'\n'
            continue
        fi
        n=$((n + 1))
        script=$OUT/block-$n.sh
        # The docs' lab and paths -> this test's (see the header).
        printf '%s' "$block" | sed -e "s|ip netns exec glass |ip netns exec $NS |g" \
            -e "s|scripts/netns-up glass\$|scripts/netns-up $NS|" \
            -e "s|scripts/netns-down glass\$|scripts/netns-down $NS|" \
            -e "s|build/|$DEBUG_BUILD/|g" -e "s|/tmp/journey|$OUT/journey|g" >"$script"
        if grep -Eq '(netns exec|netns-up|netns-down) glass( |$)' "$script"; then
            fatal "$rel block $n names the lab in a way this test cannot redirect: $(cat "$script")"
        fi
        block=
        rc=0
        (cd "$GLASS_ROOT" && timeout 60 bash -e "$script") >"$OUT/block-$n.out" 2>&1 || rc=$?
        note "$rel block $n:"
        sed 's/^/    | /' "$OUT/block-$n.out"
        expect_eq "$rel block $n exit status" "$rc" 0
    done < <(blocks "$doc")
done
expect_ge "blocks run" "$n" 5

# What docs/tutorial.md says the blocks show.
t=$OUT
grep -q '^200 [0-9]* bytes$' "$t/block-1.out" && pass "tutorial 1: curl got 200 from glass-httpd" ||
    fail "tutorial 1: no '200 N bytes' from curl"
for line in 'arp   learn 10\.0\.0\.1 is-at .* \(REACHABLE\)' \
    'ipv4  rx 10\.0\.0\.1 > 10\.0\.0\.2 proto 6 ttl 64 len 60' \
    'tcp   10\.0\.0\.1:[0-9]+ > 10\.0\.0\.2:80 SYN seq=0 ack=0 win=[0-9]+ len=0  LISTEN' \
    'tcp   10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+  LISTEN -> SYN_RCVD' \
    'tcp   10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+ SYN,ACK seq=0 ack=1 win=65535 len=0' \
    'tcp   10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+  SYN_RCVD -> ESTABLISHED' \
    'sock  fd [0-9]+ accept: fd [0-9]+ 10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+' \
    'tcp   10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+ ACK seq=1 ack=73 win=[0-9]+ len=1448' \
    'ipv4  tx 10\.0\.0\.2 > 10\.0\.0\.1 proto 6 ttl 64 len 1500 via 10\.0\.0\.1' \
    'eth   02:00:0a:00:00:02 > ([0-9a-f]{2}:){5}[0-9a-f]{2} type 0x0800 len 1514' \
    'tcp   10\.0\.0\.2:80 > 10\.0\.0\.1:[0-9]+  LAST_ACK -> CLOSED'; do
    grep -Eq "^ +[0-9.]+ $line" "$t/journey.trace" && pass "tutorial trace line: $line" ||
        fail "tutorial trace line not in $t/journey.trace: $line"
done
grep -Eq '10\.0\.0\.2 → 10\.0\.0\.1 +TCP 74 80 → [0-9]+ \[SYN, ACK\] Seq=0 Ack=1 Win=65535 Len=0 MSS=1460 SACK_PERM TSval=[0-9]+ TSecr=[0-9]+ WS=32' "$t/block-1.out" &&
    pass "tutorial capture line: the SYN,ACK with MSS 1460, SACK_PERM (RFC 2018), TS and WS=32 (RFC 7323)" || fail "tutorial capture line: no SYN,ACK with MSS 1460, SACK_PERM, TS and WS=32"
grep -Eq '^10\.0\.0\.2	10\.0\.0\.1	' "$t/block-2.out" && pass "tutorial 4.2: tshark filter shows glass's SYN,ACK" ||
    fail "tutorial 4.2: tshark shows no SYN from 10.0.0.2"
grep -Eq '^  ipv4 10\.0\.0\.1 > 10\.0\.0\.2 proto 1 ttl 64 len 84 ' "$t/block-3.out" &&
    pass "tutorial 4.3: gdb prints the pkb's IPv4 header" || fail "tutorial 4.3: no decoded IPv4 header from gdb"
grep -Eq 'SYN,ACK seq=0 ack=1 win=[0-9]+ len=0' "$t/block-4.out" && pass "tutorial 4.4: the SYN,ACK" ||
    fail "tutorial 4.4: no SYN,ACK line"
segs=$(grep -Ex '[0-9]+' "$t/block-4.out" | head -1)
expect_ge "tutorial 4.4: 524-byte segments with mtu=576 (MSS 536 less TSopt, RFC 9293 3.7.1, RFC 7323)" "${segs:-0}" 3
net_done
