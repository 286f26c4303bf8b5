# shellcheck shell=bash
# tests/net/flood.sh - what the flood tests (test-syn-flood.sh,
# test-flood-*.sh, test-churn.sh, test-nmap.sh) share, on top of http.sh:
# the flood generator (tests/net/flood.c, built here into $OUT), glass's
# MAC as the kernel learned it, and memory read through glassctl.
#
# Sizes: GLASS_FLOOD_SCALE divides every flood count (default 1; 5 in a
# build configured --enable-sanitizers, where ASan makes glass several
# times slower).

# shellcheck source=tests/net/http.sh
. "$(dirname "${BASH_SOURCE[0]}")/http.sh"

GLASSCTL=$GLASS_BUILD/glassctl
FLOOD=
if [ -z "${GLASS_FLOOD_SCALE:-}" ]; then
    if grep -q -- '--enable-sanitizers' "$GLASS_BUILD/config.status" 2>/dev/null; then
        GLASS_FLOOD_SCALE=5
    else
        GLASS_FLOOD_SCALE=1
    fi
fi

# scaled N: N divided by GLASS_FLOOD_SCALE.
scaled() { echo $(($1 / GLASS_FLOOD_SCALE)); }

# flood_build: cc tests/net/flood.c into $OUT/flood.
flood_build() {
    command -v cc >/dev/null || { echo "SKIP: no C compiler for tests/net/flood.c"; exit 77; }
    FLOOD=$OUT/flood
    cc -O2 -Wall -o "$FLOOD" "$GLASS_ROOT/tests/net/flood.c" || fatal "could not build flood.c"
}

# glass_mac: the MAC the kernel learned for 10.0.0.2 (after a ping or GET).
glass_mac() {
    in_ns ip neigh show "$GLASS_STACK_ADDR" dev "$GLASS_TAP" |
        awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# mem_stat CTL FIELD: memory in_use or peak (bytes) from glassctl stats.
mem_stat() {
    "$GLASSCTL" --ctl "$1" stats | awk -v f="$2" '$1 == f { print $2 }'
}

# tcb_count CTL: TCP control blocks glassctl ss lists (one row each, any state).
tcb_count() {
    "$GLASSCTL" --ctl "$1" ss |
        grep -cE ' (LISTEN|SYN_SENT|SYN_RCVD|ESTABLISHED|FIN_WAIT_[12]|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT) ' || true
}

# ctl_counter CTL LAYER.NAME: a counter of the running program, from
# glassctl stats ("layer:" lines, then "    name value"); absent = 0.
ctl_counter() {
    "$GLASSCTL" --ctl "$1" stats |
        awk -v n="$2" '/^[a-z0-9_]+:$/ { l = substr($1, 1, length($1) - 1); next }
                       l "." $1 == n { v = $2 } END { print v + 0 }'
}
