#!/bin/sh
# tests/docs/man-help.sh - run by `make check`: the man pages and --help agree.
#
# For every program in bin_PROGRAMS (Makefile.am) there is a page
# man/PROG.1, and the options it documents are exactly the options
# `PROG --help` lists (short and long names, compared as sets), so neither
# can gain or lose an option without the other.  Each page also renders
# with `man -l` without a single groff/man warning (when man is installed).
# Run from the build directory (make check does); $srcdir is the source tree.
set -eu
srcdir=${srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# Options of a --help text: lines that start (after spaces) with an option.
help_opts() {
    sed -nE 's/^ +(-[A-Za-z0-9])?(, )?(--[a-z0-9-]+)?.*$/\1 \3/p' "$1" |
        tr ' ' '\n' | grep -E '^-' | sort -u
}
# Options of a man page: bold option names on the tag line after each .TP.
man_opts() {
    awk 'prev == ".TP" { print } { prev = $0 }' "$1" |
        grep -oE '\\fB\\-(\\-)?[A-Za-z0-9][A-Za-z0-9\\-]*\\fR' |
        sed -e 's/\\fB//' -e 's/\\fR//' -e 's/\\-/-/g' | sort -u
}

# bin_PROGRAMS may run over several lines (backslash continuations).
progs=$(awk '/^bin_PROGRAMS *=/ { on = 1; sub(/^bin_PROGRAMS *= */, "") }
             on { line = $0; more = sub(/\\$/, "", line); printf "%s ", line; if (!more) on = 0 }' \
        "$srcdir/Makefile.am" | tr -s ' \t' '  ')
[ -n "$progs" ] || { echo "FAIL no bin_PROGRAMS in $srcdir/Makefile.am"; exit 1; }
for prog in $progs; do
    page=$srcdir/man/$prog.1
    if [ ! -f "$page" ]; then
        fail "$prog has no man page ($page)"
        continue
    fi
    if [ ! -x "./$prog" ]; then
        fail "$prog is not built in $(pwd)"
        continue
    fi
    "./$prog" --help >"$tmp/$prog.help" 2>&1 || fail "$prog --help exited non-zero"
    help_opts "$tmp/$prog.help" >"$tmp/$prog.h"
    man_opts "$page" >"$tmp/$prog.m"
    if [ ! -s "$tmp/$prog.h" ]; then
        fail "$prog --help lists no options"
    elif diff "$tmp/$prog.h" "$tmp/$prog.m" >"$tmp/$prog.diff"; then
        echo "ok   $prog: --help and man/$prog.1 list the same $(wc -l <"$tmp/$prog.h") options"
    else
        fail "$prog: --help (<) and man/$prog.1 (>) differ:"
        cat "$tmp/$prog.diff"
    fi
done

# Pages for programs that are not built are stale.
for page in "$srcdir"/man/*.1; do
    prog=$(basename "$page" .1)
    case " $progs " in *" $prog "*) ;; *) fail "man/$prog.1 documents $prog, which is not in bin_PROGRAMS" ;; esac
done

if command -v man >/dev/null 2>&1; then
    for page in "$srcdir"/man/*.1; do
        out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >"$tmp/render") || fail "man -l $page failed"
        if [ -n "$out" ]; then
            fail "man -l $page warns: $out"
        elif ! grep -q '^NAME' "$tmp/render"; then
            fail "man -l $page rendered no NAME section"
        else
            echo "ok   man -l $(basename "$page") renders without warnings"
        fi
    done
else
    echo "note: man is not installed (apt-get install man-db): rendering not checked"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
