# shellcheck shell=bash
# tests/net/debug-build.sh - sourced by the tests that drive gdb
# (test-gdb.sh, test-docs.sh): glass_debug_build sets DEBUG_BUILD to a
# build directory configured --enable-debug (-O0 -g3, no sanitizers) that
# holds glassd and glass-httpd.  $GLASS_BUILD when it is one; otherwise
# (scripts/check's optimised build/ and sanitizer build-asan/) one is made
# in out/gdb-debug-build/ (a few seconds at -O0; kept for the next run).
# Exits 77 (skip) only when no out-of-tree build can be made.

glass_is_debug_build() { # DIR
    grep -Eq '^GLASS_CFLAGS = .*-O0 -g3' "$1/Makefile" 2>/dev/null &&
        ! grep -Eq '^GLASS_CFLAGS = .*-fsanitize' "$1/Makefile"
}

glass_debug_build() {
    DEBUG_BUILD=$GLASS_BUILD
    if glass_is_debug_build "$DEBUG_BUILD"; then
        return 0
    fi
    DEBUG_BUILD=$GLASS_ROOT/out/gdb-debug-build
    note "$GLASS_BUILD is not an --enable-debug build: building glassd and glass-httpd -O0 -g3 in $DEBUG_BUILD"
    if [ -f "$GLASS_ROOT/config.status" ]; then
        echo "SKIP: the source tree is configured in place, so no out-of-tree debug build can be made (make distclean there, or run with an --enable-debug build)"
        exit 77
    fi
    mkdir -p "$DEBUG_BUILD"
    if ! glass_is_debug_build "$DEBUG_BUILD"; then
        (cd "$DEBUG_BUILD" && "$GLASS_ROOT/configure" --enable-debug) >"$OUT/configure.log" 2>&1 ||
            { tail -20 "$OUT/configure.log"; fatal "configure --enable-debug failed"; }
    fi
    make -C "$DEBUG_BUILD" -j2 glassd glass-httpd >"$OUT/make.log" 2>&1 ||
        { tail -20 "$OUT/make.log"; fatal "building the debug glassd failed"; }
    glass_is_debug_build "$DEBUG_BUILD" || fatal "$DEBUG_BUILD is not a debug build"
}
