# shellcheck shell=bash disable=SC2034
# tests/net/lib.sh - what every kernel-interop test shares.
#
# A test sources this, calls net_setup NAME, and is then inside its own lab:
# a network namespace $NS of its own (made with scripts/netns-up, deleted by
# name when the test exits, however it exits) with tap0 = 10.0.0.1/24 on
# the kernel side.  glassd_start runs glassd on tap0 as 10.0.0.2; glassd_stop
# ends it (only the pid we started) and checks it exited 0 and printed its
# counters; counter NAME reads one of them.  expect_* and has_line record a
# failure and go on, so one run shows every broken check; net_done exits
# with the verdict.  Every wait is bounded: wait_for, wait_exit, prog_stop.
#
# Environment (set by tests/net/run; defaults let a test run on its own):
#   GLASS_BUILD      build directory holding glassd, glass-ping (default build/)
#   GLASS_NET_OUT    directory for this run's logs and captures (default: mktemp)
#   GLASS_NS_PREFIX  namespace name prefix (default glass-t-PID-)

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

GLASS_BUILD=${GLASS_BUILD:-$GLASS_ROOT/build}
GLASSD=$GLASS_BUILD/glassd
GLASS_PING=$GLASS_BUILD/glass-ping
# Sanitizer builds: report, and fail through the exit status.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

NS=
FAR_NS_LIST=() # made by far_net_up; net_cleanup deletes them
OUT=
GLASSD_PID=
GLASSD_ERR=
net_failures=0

note() { printf '  %s\n' "$*"; }

# A failed check: say what and go on.
fail() {
    printf 'FAIL %s\n' "$*"
    net_failures=$((net_failures + 1))
}
pass() { printf 'ok   %s\n' "$*"; }

# Abort the test: something it needs did not happen.
fatal() {
    printf 'FAIL %s (test aborted)\n' "$*"
    exit 1
}

expect_eq() { # DESCRIPTION ACTUAL EXPECTED
    if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}
expect_ge() { # DESCRIPTION ACTUAL MINIMUM
    if [ "$2" -ge "$3" ]; then pass "$1 = $2 (>= $3)"; else fail "$1: got $2, expected at least $3"; fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# has_line DESCRIPTION FILE REGEX: some line of FILE matches.
has_line() {
    if grep -Eq -- "$3" "$2"; then pass "$1"; else fail "$1: no /$3/ in $2"; fi
}

# What ASan, LSan and UBSan print (a sanitizer build fails through this).
SANITIZER_RE='Sanitizer|runtime error:|leak|still in use'
no_sanitizer_report() { # FILE
    if grep -Eq "$SANITIZER_RE" "$1"; then
        fail "sanitizer report in $1:"
        grep -E -A20 "$SANITIZER_RE" "$1" | head -60
    fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: until COMMAND succeeds (bounded).
wait_for() {
    local what=$1 limit=$2 i
    shift 2
    for i in $(seq 1 $((limit * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    fail "$what: not within ${limit}s"
    return 1
}

# wait_exit PID SECONDS: its exit status in $rc (killed and 124 after the limit).
wait_exit() {
    local pid=$1 limit=$2 i
    rc=0
    for i in $(seq 1 $((limit * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rc=124
        return 0
    fi
    wait "$pid" || rc=$?
}

# prog_stop NAME PID ERRFILE: SIGTERM, at most 10 s, exit status 0, no
# sanitizer report in ERRFILE.
prog_stop() {
    local rc
    kill -TERM "$2" 2>/dev/null || true
    wait_exit "$2" 10
    [ "$rc" -ne 124 ] || fail "$1 still running 10 s after SIGTERM (killed)"
    expect_eq "$1 exit status after SIGTERM" "$rc" 0
    no_sanitizer_report "$3"
}

in_ns() { ip netns exec "$NS" "$@"; }

# net_setup NAME: the lab for test NAME, torn down on exit.
net_setup() {
    glass_is_root || { echo "SKIP: needs root (network namespaces)"; exit 77; }
    [ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun missing"; exit 77; }
    [ -x "$GLASSD" ] || fatal "no glassd in $GLASS_BUILD (build first)"
    NS=${GLASS_NS_PREFIX:-glass-t-$$-}$1
    if [ -n "${GLASS_NET_OUT:-}" ]; then
        OUT=$GLASS_NET_OUT/$1
        rm -rf "$OUT"
        mkdir -p "$OUT"
    else
        OUT=$(mktemp -d "/tmp/glass-net-$1.XXXXXX")
    fi
    trap net_cleanup EXIT
    # A signal (the runner's timeout) must still run the EXIT trap.
    trap 'exit 143' TERM
    trap 'exit 130' INT
    "$GLASS_ROOT/scripts/netns-up" "$NS" >/dev/null
    note "lab: netns $NS, files in $OUT"
}

net_cleanup() {
    local rc=$? pid ns
    if [ -n "$GLASSD_PID" ] && kill -0 "$GLASSD_PID" 2>/dev/null; then
        kill -KILL "$GLASSD_PID" 2>/dev/null || true
        wait "$GLASSD_PID" 2>/dev/null || true
    fi
    # Whatever else still runs in our private namespaces was started by
    # this test (a glass-ping cut short, a capture): end it by pid so the
    # tap goes with it.
    for ns in "$NS" "${FAR_NS_LIST[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for ns in "${FAR_NS_LIST[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    "$GLASS_ROOT/scripts/netns-down" "$NS" >/dev/null 2>&1 || true
    exit "$rc"
}

# far_net_up FAR_NS FAR_ADDR NEAR_MTU FAR_MTU: a second namespace FAR_NS,
# FAR_ADDR/24 on 10.0.9.0/24, behind the test's namespace, which forwards
# between tap0 and the veth farv0 (10.0.9.1, MTU NEAR_MTU; FAR_MTU on the
# far end, farv1).  net_cleanup deletes FAR_NS, however the test ends.
far_net_up() {
    local far=$1 addr=$2 near_mtu=$3 far_mtu=$4
    ip netns add "$far"
    FAR_NS_LIST+=("$far")
    ip -n "$NS" link add farv0 type veth peer name farv1 netns "$far"
    ip -n "$NS" addr add 10.0.9.1/24 dev farv0
    ip -n "$NS" link set farv0 mtu "$near_mtu" up
    ip -n "$far" addr add "$addr/24" dev farv1
    ip -n "$far" link set farv1 mtu "$far_mtu" up
    ip -n "$far" link set lo up
    ip -n "$far" route add default via 10.0.9.1
    in_ns sysctl -q -w net.ipv4.ip_forward=1
}

# glassd_start [ARGS...]: glassd on tap0 with a capture; stdout and
# stderr (trace, counters) go to files in $OUT.
# shellcheck disable=SC2120 # the arguments are optional
glassd_start() {
    GLASSD_ERR=$OUT/glassd.err
    # Not through a shell function (that would fork a subshell): ip netns
    # exec execs the program, so $! is glassd itself and a signal reaches it.
    ip netns exec "$NS" "$GLASSD" --pcap "$OUT/glassd.pcap" "$@" >"$OUT/glassd.out" 2>"$GLASSD_ERR" &
    GLASSD_PID=$!
    note "glassd pid $GLASSD_PID: $GLASSD --pcap $OUT/glassd.pcap $*"
}

# Until glassd answers a ping: at most 20 tries of about a second.
glassd_wait_ready() {
    local i
    for i in $(seq 1 20); do
        if in_ns ping -c 1 -W 1 -q "$GLASS_STACK_ADDR" >/dev/null 2>&1; then
            note "glassd answers ping (try $i)"
            return 0
        fi
        kill -0 "$GLASSD_PID" 2>/dev/null || {
            cat "$GLASSD_ERR"
            fatal "glassd exited before answering a ping"
        }
        sleep 0.2
    done
    cat "$GLASSD_ERR"
    fatal "glassd did not answer a ping within 20 tries"
}

# Until glassd holds tap0 (the kernel sees carrier), without sending it
# anything: at most 5 s.  For tests that must see the first exchange whole.
glassd_wait_attached() {
    glass_wait_attached "$NS" "$GLASSD_PID" && return 0
    cat "$GLASSD_ERR"
    fatal "glassd did not attach to $GLASS_TAP within 5 s"
}

# glassd_stop: prog_stop, and the counters printed.
glassd_stop() {
    prog_stop glassd "$GLASSD_PID" "$GLASSD_ERR"
    GLASSD_PID=
    # Counters are printed one "layer.name value" per line, non-zero only.
    grep -Eq '^eth\.rx +[0-9]+$' "$GLASSD_ERR" ||
        fail "glassd printed no counters at exit (no 'eth.rx N' line in $GLASSD_ERR)"
}

# counter NAME: a counter glassd printed at exit (absent = 0).
counter() {
    awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$GLASSD_ERR"
}

# ping_summary FILE: "TRANSMITTED RECEIVED" from iputils-style output
# ("5 packets transmitted, 5 received, 0% packet loss...").
ping_summary() {
    sed -nE 's/^([0-9]+) packets transmitted, ([0-9]+) (packets )?received.*/\1 \2/p' "$1" | tail -n 1
}

# tshark_count FILE FILTER: how many frames of the capture match.
tshark_count() {
    local n
    n=$(tshark -n -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l) ||
        fatal "tshark could not read $1"
    echo "$n"
}

net_done() {
    if [ "$net_failures" -ne 0 ]; then
        echo "$net_failures check(s) failed"
        exit 1
    fi
    exit 0
}
