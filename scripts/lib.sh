# shellcheck shell=bash disable=SC2034
# scripts/lib.sh - shell helpers shared by scripts/* and tests/net/*.
#
# Source it from a bash script that runs under `set -euo pipefail`:
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It defines functions and GLASS_ROOT (the repository root); it runs nothing.
# (SC2034: the variables are for the scripts that source this file.)

GLASS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The lab addresses (DESIGN.md): the kernel side of tap0, and glass.
GLASS_KERNEL_ADDR=10.0.0.1
GLASS_STACK_ADDR=10.0.0.2
GLASS_PREFIX_LEN=24
GLASS_TAP=tap0

# Debian packages the build, the tests and the demo use.  libc6-dev is
# listed because gcc only recommends it (we install without recommends).
# gdb runs tests/net/test-gdb.sh; man-db renders the man pages (man -l);
# traceroute runs in tests/net/test-router.sh; clang builds the libFuzzer
# harnesses (scripts/fuzz).
GLASS_PACKAGES=(
    autoconf automake libtool pkg-config make gcc libc6-dev check libpcap-dev
    iproute2 iputils-ping arping tshark python3 procps dnsmasq-base socat curl
    gdb man-db traceroute clang nmap python3-scapy valgrind
)

glass_prog=${0##*/}

glass_say() { printf '%s\n' "$*"; }
glass_warn() { printf '%s: warning: %s\n' "$glass_prog" "$*" >&2; }
glass_die() {
    printf '%s: error: %s\n' "$glass_prog" "$*" >&2
    exit 1
}

glass_is_root() { [ "$(id -u)" -eq 0 ]; }

glass_need_root() {
    glass_is_root || glass_die "this needs root (it makes network namespaces and TAP devices); run it as root, e.g. sudo $0"
}

# A namespace name becomes a file under /run/netns: keep it to a safe set.
glass_check_ns_name() {
    case $1 in
    '' | *[!A-Za-z0-9_.-]* | .*)
        glass_die "bad namespace name '$1': use letters, digits, '_', '.', '-' (not starting with '.')"
        ;;
    esac
}

glass_ns_exists() {
    # grep without -q reads to the end: an early exit would SIGPIPE the
    # writer and, under pipefail, turn a match into a failure.
    ip netns list 2>/dev/null | awk '{print $1}' | grep -Fx -- "$1" >/dev/null
}

# Is a Debian package installed?
glass_pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

glass_missing_packages() {
    local p
    for p in "${GLASS_PACKAGES[@]}"; do
        glass_pkg_installed "$p" || printf '%s\n' "$p"
    done
}

# Install whatever is missing from GLASS_PACKAGES.  Never asks a question:
# no stdin in CI, and tshark's debconf question ("should non-superusers be
# able to capture packets?") is answered "no" beforehand.
glass_install_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        glass_warn "not a Debian system: make sure these are installed: ${GLASS_PACKAGES[*]}"
        return 0
    fi
    local missing
    mapfile -t missing < <(glass_missing_packages)
    if [ ${#missing[@]} -eq 0 ]; then
        glass_say "packages: all ${#GLASS_PACKAGES[@]} present"
        return 0
    fi
    if ! glass_is_root; then
        glass_warn "missing Debian packages: ${missing[*]} (run as root to install them, or: sudo apt-get install ${missing[*]})"
        return 0
    fi
    glass_say "packages: installing ${missing[*]}"
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null || glass_die "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
        glass_die "apt-get install ${missing[*]} failed"
}

# glass_wait_attached NS PID: wait until a program holds tap0 in NS (the
# kernel then sees carrier: NO-CARRIER is gone), at most 5 s.  Fails when
# PID exits first or time runs out.
glass_wait_attached() {
    local i
    for i in $(seq 1 50); do
        if ip -n "$1" link show dev "$GLASS_TAP" | grep LOWER_UP >/dev/null; then
            return 0
        fi
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Print a command the way a learner would type it, then run it.
glass_show_run() {
    printf '  $ %s\n' "$*"
    "$@"
}
