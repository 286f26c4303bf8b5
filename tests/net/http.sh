# shellcheck shell=bash disable=SC2034
# tests/net/http.sh - what the HTTP tests (test-http-*.sh) share, on top of
# lib.sh: glass-httpd started and stopped like glassd, files of random
# bytes in a scratch directory that goes when the test ends, a Linux HTTP
# server in the namespace, and sizes that shrink in a sanitizer build.
#
# Sizes: GLASS_NET_BIG=1 moves the full sizes (100 MB), GLASS_NET_BIG=0 the
# small ones; unset, it is 0 in a build configured --enable-sanitizers
# (ASan makes glass several times slower) and 1 otherwise.

# shellcheck source=tests/net/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLASS_HTTPD=$GLASS_BUILD/glass-httpd
GLASS_GET=$GLASS_BUILD/glass-get
HTTPD_PID=
HTTPD_ERR=
HTTPD_LOG=
SCRATCH=

if [ -z "${GLASS_NET_BIG:-}" ]; then
    if grep -q -- '--enable-sanitizers' "$GLASS_BUILD/config.status" 2>/dev/null; then
        GLASS_NET_BIG=0
    else
        GLASS_NET_BIG=1
    fi
fi

# big_mb FULL SMALL: FULL when big transfers are on, else SMALL.
big_mb() {
    if [ "$GLASS_NET_BIG" = 1 ]; then echo "$1"; else echo "$2"; fi
}

# http_setup NAME: net_setup, plus a scratch directory removed at exit.
http_setup() {
    net_setup "$1"
    [ -x "$GLASS_HTTPD" ] || fatal "no glass-httpd in $GLASS_BUILD"
    [ -x "$GLASS_GET" ] || fatal "no glass-get in $GLASS_BUILD"
    command -v curl >/dev/null || { echo "SKIP: curl missing (apt-get install curl)"; exit 77; }
    SCRATCH=$(mktemp -d "/tmp/glass-http-$1.XXXXXX")
    # net_cleanup reads the exit status from $?: hand it on.
    # set +e: errexit still holds in a trap, and (exit $rc) must not end it
    # before net_cleanup deletes the namespace.
    trap 'rc=$?; set +e; httpd_kill; rm -rf "$SCRATCH"; (exit $rc); net_cleanup' EXIT
}

# random_file PATH MB: MB MiB of random bytes.
random_file() {
    head -c "$(($2 * 1048576))" /dev/urandom >"$1"
}

# httpd_start ARGS...: glass-httpd on tap0 (10.0.0.2); the access log goes
# to $OUT/httpd.log, the rest (counters at exit) to $OUT/httpd.err.
httpd_start() {
    HTTPD_ERR=$OUT/httpd.err
    HTTPD_LOG=$OUT/httpd.log
    # ip netns exec execs the program: $! is glass-httpd itself.
    ip netns exec "$NS" "$GLASS_HTTPD" "$@" >"$HTTPD_LOG" 2>"$HTTPD_ERR" &
    HTTPD_PID=$!
    note "glass-httpd pid $HTTPD_PID: $GLASS_HTTPD $*"
}

# Until a GET / gets any HTTP answer: at most 20 tries, about 20 s.
httpd_wait_ready() {
    local i code
    glass_wait_attached "$NS" "$HTTPD_PID" || {
        cat "$HTTPD_ERR"
        fatal "glass-httpd did not attach to $GLASS_TAP within 5 s"
    }
    for i in $(seq 1 20); do
        code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
            "http://$GLASS_STACK_ADDR${HTTPD_PORT:+:$HTTPD_PORT}/" 2>/dev/null || true)
        if [ -n "$code" ] && [ "$code" != 000 ]; then
            note "glass-httpd answers (try $i, status $code)"
            return 0
        fi
        kill -0 "$HTTPD_PID" 2>/dev/null || {
            cat "$HTTPD_ERR"
            fatal "glass-httpd exited before answering"
        }
        sleep 0.2
    done
    cat "$HTTPD_ERR"
    fatal "glass-httpd did not answer a GET within 20 tries"
}

# httpd_stop: prog_stop, and the tcp counters printed.
httpd_stop() {
    prog_stop glass-httpd "$HTTPD_PID" "$HTTPD_ERR"
    HTTPD_PID=
    grep -Eq '^tcp\.[a-z_]+ +[0-9]+$' "$HTTPD_ERR" ||
        fail "glass-httpd printed no tcp counters at exit"
}

httpd_kill() {
    if [ -n "$HTTPD_PID" ] && kill -0 "$HTTPD_PID" 2>/dev/null; then
        kill -KILL "$HTTPD_PID" 2>/dev/null || true
        wait "$HTTPD_PID" 2>/dev/null || true
    fi
    HTTPD_PID=
}

# httpd_counter NAME: a counter glass-httpd printed at exit (absent = 0).
httpd_counter() {
    awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$HTTPD_ERR"
}

# linux_server TAG CMD...: a server on the Linux side of the namespace,
# output in $OUT/TAG.log; waits (5 s at most) until it listens on the port
# given in LINUX_PORT.  Ended by net_cleanup (every pid in the namespace).
linux_server() {
    local tag=$1 i
    shift
    ip netns exec "$NS" "$@" >"$OUT/$tag.log" 2>&1 &
    local pid=$!
    for i in $(seq 1 50); do
        if in_ns ss -Hltn "sport = :$LINUX_PORT" 2>/dev/null | grep -q LISTEN; then
            note "$tag (pid $pid) listening on port $LINUX_PORT"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$OUT/$tag.log"; fatal "$tag exited"; }
        sleep 0.1
    done
    fatal "$tag not listening on port $LINUX_PORT after 5 s"
}

# run_get TAG ARGS...: glass-get in the namespace; sets rc and took;
# stdout in $OUT/TAG.out, stderr in $OUT/TAG.err.  Killed after 60 s
# (exit 124), so a slow transfer fails the check, not the whole test.
run_get() {
    local tag=$1 start=$SECONDS
    shift
    rc=0
    in_ns timeout 60 "$GLASS_GET" "$@" >"$OUT/$tag.out" 2>"$OUT/$tag.err" </dev/null || rc=$?
    took=$((SECONDS - start))
    note "\$ glass-get $*   (exit $rc after ${took}s)"
    sed 's/^/    /' "$OUT/$tag.err" | head -20
    no_sanitizer_report "$OUT/$tag.err"
}
