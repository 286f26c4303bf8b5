#!/usr/bin/env bash
# glass-dig asks a real DNS server: dnsmasq, started by this test inside
# its own namespace on 10.0.0.1 (the kernel side of tap0) with a zone of
# its own (--local=/glass.test/, so unknown names get NXDOMAIN and nothing
# is forwarded anywhere).  Checked: an A record, a CNAME chain followed to
# its address, NXDOMAIN with exit status 1, MX and TXT, a server that does
# not answer (exit 9); DNS over TCP (RFC 1035 4.2.2, RFC 7766): +tcp asks
# over a TCP connection only (the capture shows TCP to port 53 and no UDP),
# and a name with 40 addresses, whose UDP reply exceeds 512 octets so
# dnsmasq sets TC (RFC 1035 4.2.1): glass-dig says ";; Truncated, retrying
# in TCP mode." and prints all 40 from the TCP answer (RFC 7766 5); finally
# +tcp once dnsmasq is gone: the kernel refuses (RST), exit 9.
set -euo pipefail
# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_DIG=$GLASS_BUILD/glass-dig
net_setup dig
[ -x "$GLASS_DIG" ] || fatal "no glass-dig in $GLASS_BUILD"
command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq missing (apt-get install dnsmasq-base)"; exit 77; }

# ---- dnsmasq in our namespace, on 10.0.0.1:53 only --------------------------
big_args=()
for i in $(seq 1 40); do
    big_args+=("--host-record=big.glass.test,10.0.1.$i")
done
DNSMASQ_ERR=$OUT/dnsmasq.log
# --keep-in-foreground: $! is dnsmasq itself (ip netns exec execs it), so
# we end exactly the process we started.
ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
    --pid-file="$OUT/dnsmasq.pid" --no-resolv --no-hosts --port=53 \
    --listen-address="$GLASS_KERNEL_ADDR" --bind-interfaces --local=/glass.test/ \
    --host-record=host.glass.test,10.0.0.60 \
    --host-record=kernel.glass.test,10.0.0.1 \
    --address=/a.glass.test/10.0.0.50 \
    --cname=www.glass.test,alias.glass.test \
    --cname=alias.glass.test,host.glass.test \
    --mx-host=glass.test,mail.glass.test,10 \
    --host-record=mail.glass.test,10.0.0.25 \
    "--txt-record=txt.glass.test,hello glass,second string" \
    "${big_args[@]}" \
    --log-queries --log-facility="$DNSMASQ_ERR" >"$OUT/dnsmasq.out" 2>&1 &
DNSMASQ_PID=$!
note "dnsmasq pid $DNSMASQ_PID, log $DNSMASQ_ERR"

stop_dnsmasq() {
    if [ -n "${DNSMASQ_PID:-}" ] && kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        kill -TERM "$DNSMASQ_PID" 2>/dev/null || true
        wait "$DNSMASQ_PID" 2>/dev/null || true
    fi
    DNSMASQ_PID=
}
# If the test dies early, lib.sh's net_cleanup ends dnsmasq too: it kills
# every pid left in our namespace (ip netns pids), which are all ours.

# Ready when it listens on 10.0.0.1:53 (bounded: 50 x 0.1 s).
for i in $(seq 1 50); do
    if in_ns ss -Hlun "sport = :53" 2>/dev/null | grep -q "$GLASS_KERNEL_ADDR"; then
        note "dnsmasq listening (check $i)"
        break
    fi
    kill -0 "$DNSMASQ_PID" 2>/dev/null || { cat "$OUT/dnsmasq.out"; fatal "dnsmasq exited"; }
    sleep 0.1
    [ "$i" -lt 50 ] || fatal "dnsmasq not listening on $GLASS_KERNEL_ADDR:53 after 5 s"
done

run_dig() { # TAG ARGS...: sets rc; stdout in $OUT/TAG.out, stderr in $OUT/TAG.err
    local tag=$1
    shift
    rc=0
    in_ns timeout 60 "$GLASS_DIG" "$@" >"$OUT/$tag.out" 2>"$OUT/$tag.err" </dev/null || rc=$?
    note "\$ glass-dig $*   (exit $rc)"
    sed 's/^/    /' "$OUT/$tag.out" "$OUT/$tag.err"
    no_sanitizer_report "$OUT/$tag.err"
}
# answer_lines TAG TYPE: "name ttl class type data" lines of that type
answer_lines() {
    awk -v t="$2" '/^;; ANSWER SECTION:/ { on = 1; next } /^$/ { on = 0 }
                   on && $4 == t { $2 = ""; print }' "$OUT/$1.out"
}
has() { # DESCRIPTION TAG REGEX
    if grep -Eq -- "$3" "$OUT/$2.out" "$OUT/$2.err"; then pass "$1"; else fail "$1: no /$3/ in the output"; fi
}

# An A record, the default server being the gateway (10.0.0.1).
run_dig a a.glass.test
expect_eq "A: exit status" "$rc" 0
expect_eq "A: answer" "$(answer_lines a A | awk '{print $1, $4}')" "a.glass.test. 10.0.0.50"
has "A: status NOERROR" a 'status: NOERROR'
has "A: server line" a '^;; SERVER: 10\.0\.0\.1#53'
has "A: query time line" a '^;; Query time: [0-9]+ msec'

# A CNAME chain: www -> alias -> host -> 10.0.0.60, all in one answer.
run_dig cname www.glass.test "@$GLASS_KERNEL_ADDR"
expect_eq "CNAME chain: exit status" "$rc" 0
expect_eq "CNAME chain: links" "$(answer_lines cname CNAME | awk '{print $1 ">" $4}' | tr '\n' ' ')" \
    "www.glass.test.>alias.glass.test. alias.glass.test.>host.glass.test. "
expect_eq "CNAME chain: address at its end" "$(answer_lines cname A | awk '{print $1, $4}')" \
    "host.glass.test. 10.0.0.60"

# NXDOMAIN: a name in our zone that does not exist.
run_dig nx nope.glass.test
expect_eq "NXDOMAIN: exit status" "$rc" 1
has "NXDOMAIN: status" nx 'status: NXDOMAIN'

# MX and TXT.
run_dig mx -t MX glass.test
expect_eq "MX: exit status" "$rc" 0
expect_eq "MX: answer" "$(answer_lines mx MX | awk '{print $4, $5}')" "10 mail.glass.test."
run_dig txt -t TXT txt.glass.test
expect_eq "TXT: exit status" "$rc" 0
expect_eq "TXT: answer" "$(answer_lines txt TXT | cut -d' ' -f5-)" '"hello glass" "second string"'

# Upper case in the question: the reply still matches (RFC 4343).
run_dig upper A.GLASS.TEST
expect_eq "upper-case name: exit status" "$rc" 0

# Truncation: 40 A records do not fit in 512 octets; over TCP they do.
run_dig big --pcap "$OUT/big.pcap" big.glass.test
expect_eq "dnsmasq logged big.glass.test twice (UDP, then TCP)" \
    "$(grep -c "query\[A\] big.glass.test" "$DNSMASQ_ERR")" 2
expect_eq "TC fallback: exit status" "$rc" 0
has "TC fallback: dig's words" big '^;; Truncated, retrying in TCP mode\.$'
has "TC fallback: server line says TCP" big '^;; SERVER: 10\.0\.0\.1#53\(10\.0\.0\.1\) \(TCP\)$'
# The public answer keeps GLASS_DNS_MAX_RECORDS (32) records; the capture
# below shows all 40 came.
expect_eq "TC fallback: 32 distinct addresses kept, all from 10.0.1.1-40" \
    "$(answer_lines big A | awk '{print $4}' | grep -E '^10\.0\.1\.([1-9]|[1-3][0-9]|40)$' |
        sort -u | wc -l)" 32
if ! grep -Eq 'flags:.* tc' "$OUT/big.out"; then
    pass "TC fallback: the TCP answer has no tc flag"
else
    fail "TC fallback: tc flag still shown"
fi
expect_eq "TC fallback: one UDP query to port 53 in the capture" \
    "$(tshark_count "$OUT/big.pcap" 'udp.dstport == 53')" 1
expect_ge "TC fallback: TCP segments to port 53 in the capture" \
    "$(tshark_count "$OUT/big.pcap" 'tcp.dstport == 53')" 4
expect_eq "TC fallback: the DNS answer over TCP (tshark decodes it)" \
    "$(tshark -n -r "$OUT/big.pcap" -Y 'tcp.srcport == 53 && dns.flags.response == 1' \
        -T fields -e dns.count.answers 2>/dev/null | head -n 1)" 40

# +tcp: the question over TCP only.
run_dig tcp --pcap "$OUT/tcp.pcap" a.glass.test +tcp
expect_eq "+tcp: exit status" "$rc" 0
expect_eq "+tcp: answer" "$(answer_lines tcp A | awk '{print $1, $4}')" "a.glass.test. 10.0.0.50"
has "+tcp: server line says TCP" tcp '^;; SERVER: 10\.0\.0\.1#53\(10\.0\.0\.1\) \(TCP\)$'
expect_eq "+tcp: no UDP to port 53 in the capture" \
    "$(tshark_count "$OUT/tcp.pcap" 'udp.port == 53')" 0
expect_eq "+tcp: one SYN to port 53" \
    "$(tshark_count "$OUT/tcp.pcap" 'tcp.dstport == 53 && tcp.flags.syn == 1')" 1
expect_eq "+tcp: the query has the two-octet length prefix (RFC 1035 4.2.2)" \
    "$(tshark -n -r "$OUT/tcp.pcap" -Y 'tcp.dstport == 53 && dns' -T fields -e dns.length \
        2>/dev/null | head -n 1 | grep -Eq '^[0-9]+$' && echo yes || echo no)" yes
expect_eq "+tcp: glass closed the connection (FIN from glass)" \
    "$(tshark_count "$OUT/tcp.pcap" 'tcp.dstport == 53 && tcp.flags.fin == 1')" 1
run_dig tcpmx -t MX glass.test +tcp
expect_eq "+tcp MX: answer" "$(answer_lines tcpmx MX | awk '{print $4, $5}')" "10 mail.glass.test."

# A server that does not answer: 10.0.0.1 port 53 is served, 10.0.0.77 is
# nobody (no ARP reply), 2 tries of 1 s + 2 s.
run_dig none a.glass.test @10.0.0.77 +tries=2 +time=1
expect_eq "no server: exit status" "$rc" 9
has "no server: dig's words" none 'no servers could be reached'

# Usage errors exit 2.
run_dig usage1
expect_eq "no NAME: exit status" "$rc" 2
run_dig usage2 a..glass.test
expect_eq "bad name: exit status" "$rc" 2
run_dig usage3 -t SOA glass.test
expect_eq "unsupported type: exit status" "$rc" 2

# glass-ping takes a host name too: the resolver asks the gateway (dnsmasq).
rc=0
in_ns timeout 60 "$GLASS_PING" -c 1 -W 5 kernel.glass.test >"$OUT/ping-name.out" 2>"$OUT/ping-name.err" </dev/null || rc=$?
note "\$ glass-ping -c 1 kernel.glass.test   (exit $rc)"
sed 's/^/    /' "$OUT/ping-name.out" "$OUT/ping-name.err"
expect_eq "glass-ping by name: exit status" "$rc" 0
has "glass-ping by name: resolved to 10.0.0.1" ping-name '^PING kernel.glass.test \(10\.0\.0\.1\)'
rc=0
in_ns timeout 60 "$GLASS_PING" -c 1 nope.glass.test >"$OUT/ping-nx.out" 2>"$OUT/ping-nx.err" </dev/null || rc=$?
expect_eq "glass-ping unknown name: exit status 2" "$rc" 2
has "glass-ping unknown name: says why" ping-nx 'nope.glass.test: '

stop_dnsmasq

# +tcp with nobody on port 53: the kernel answers the SYN with a RST.
run_dig refused a.glass.test +tcp +tries=2
expect_eq "+tcp refused: exit status" "$rc" 9
has "+tcp refused: dig's words" refused '^;; communications error to 10\.0\.0\.1#53: Connection refused$'
expect_eq "+tcp refused: no retry after a refusal (1 try)" \
    "$(grep -Eo '\(([0-9]+) tries\)' "$OUT/refused.err")" "(1 tries)"
net_done
