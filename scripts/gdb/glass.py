# scripts/gdb/glass.py - gdb helpers for glass: see every layer in the debugger.
#
# Load it with one command (from the source tree):
#
#     gdb -x scripts/gdb/glass.py build/glassd         (or, inside gdb:)
#     (gdb) source scripts/gdb/glass.py
#
# Pretty printers (`print *pkb`, `print *tcb`, `print *sk`):
#   struct pkb        the frame decoded at its header offsets: Ethernet at
#                     l2, IPv4 at l3, TCP/UDP/ICMP at l4.  Offsets a layer
#                     has not set yet are inferred the way the next layer
#                     will find them (in ipv4_input, l3 is not set yet: the
#                     IPv4 header is the data, right after Ethernet).
#   struct tcp_cb     four-tuple, state and the RFC 9293 3.3.1 variables
#                     (relative sequence numbers, as Wireshark shows them);
#                     the ss -ti flags ("ts sack cubic wscale:7,5") with
#                     TS.Recent; CUBIC's W_max, K, epoch and the HyStart++
#                     phase; loss recovery (RecoveryPoint) and the SACK
#                     scoreboard -- what glassctl tcb shows
#   struct glass_sock protocol, four-tuple, descriptor, its control block
#   (`print/r *tcb` shows every field raw; the pkb printer lists its
#   fields after the decoded headers.)
#
# Commands:
#   glass-layers [delete]   a breakpoint at each layer's input and output
#   glass-tcbs [STACK]      every TCP control block, like `glassctl tcb`
#   glass-arp [STACK]       the neighbour cache, like `glassctl arp`
#   glass-routes [STACK]    the routing table, like `glassctl route`
#   glass-ifs [STACK]       the interfaces, like `glassctl if` (offload mode too)
# STACK is an expression for a struct glass_stack *; without it the
# commands look for one in the selected frame and the frames above it
# (a variable `stack`, or `nif`, `tcb`, `sk`, `pkb` that leads to one).

import gdb

PKB_NO_OFFSET = 0xFFFF
ETH_HLEN = 14
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17

# ---- small decoders -------------------------------------------------------


def _little_endian():
    try:
        return "little" in gdb.execute("show endian", to_string=True)
    except gdb.error:
        return True


def ip_str(value):
    """A uint32_t IPv4 address held in network byte order, as a.b.c.d."""
    n = int(value) & 0xFFFFFFFF
    b = n.to_bytes(4, "little" if _little_endian() else "big")
    return "%d.%d.%d.%d" % tuple(b)


def port_int(value):
    """A uint16_t port held in network byte order, as a number."""
    n = int(value) & 0xFFFF
    if _little_endian():
        n = ((n & 0xFF) << 8) | (n >> 8)
    return n


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def be16(b, off):
    return (b[off] << 8) | b[off + 1]


def be32(b, off):
    return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]


def dotted(b, off):
    return "%d.%d.%d.%d" % tuple(b[off:off + 4])


TCP_FLAGS = [(0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"),
             (0x08, "PSH"), (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR")]


def tcp_flags_str(f):
    names = [n for bit, n in TCP_FLAGS if f & bit]
    return ",".join(names) if names else "none"


ICMP_TYPES = {0: "echo reply", 3: "destination unreachable", 8: "echo request",
              11: "time exceeded", 12: "parameter problem"}


def decode_eth(b, off):
    if off + ETH_HLEN > len(b):
        return None, "eth  (truncated)"
    etype = be16(b, off + 12)
    return etype, "eth  %s > %s type 0x%04x" % (mac_str(b[off + 6:off + 12]),
                                                  mac_str(b[off:off + 6]), etype)


def decode_arp(b, off):
    if off + 28 > len(b):
        return "arp  (truncated)"
    op = be16(b, off + 6)
    if op == 1:
        return "arp  who-has %s tell %s (%s)" % (dotted(b, off + 24), dotted(b, off + 14),
                                                 mac_str(b[off + 8:off + 14]))
    if op == 2:
        return "arp  reply %s is-at %s" % (dotted(b, off + 14), mac_str(b[off + 8:off + 14]))
    return "arp  op %d" % op


def decode_ipv4(b, off):
    """(protocol, header length, line), or (None, None, line)."""
    if off + 20 > len(b) or b[off] >> 4 != 4:
        return None, None, "ipv4 (not an IPv4 header here)"
    ihl = (b[off] & 0xF) * 4
    tot = be16(b, off + 2)
    ident = be16(b, off + 4)
    frag = be16(b, off + 6)
    ttl, proto, csum = b[off + 8], b[off + 9], be16(b, off + 10)
    flags = []
    if frag & 0x4000:
        flags.append("DF")
    if frag & 0x2000:
        flags.append("MF")
    line = "ipv4 %s > %s proto %d ttl %d len %d id %d%s%s hlen %d csum 0x%04x" % (
        dotted(b, off + 12), dotted(b, off + 16), proto, ttl, tot, ident,
        " " + ",".join(flags) if flags else "",
        " frag %d" % ((frag & 0x1FFF) * 8) if frag & 0x1FFF else "", ihl, csum)
    return proto, ihl, line


def decode_l4(b, off, proto):
    if proto == IPPROTO_TCP:
        if off + 20 > len(b):
            return "tcp  (truncated)"
        doff = (b[off + 12] >> 4) * 4
        return "tcp  %d > %d [%s] seq %u ack %u win %d hlen %d" % (
            be16(b, off), be16(b, off + 2), tcp_flags_str(b[off + 13]),
            be32(b, off + 4), be32(b, off + 8), be16(b, off + 14), doff)
    if proto == IPPROTO_UDP:
        if off + 8 > len(b):
            return "udp  (truncated)"
        return "udp  %d > %d len %d csum 0x%04x" % (be16(b, off), be16(b, off + 2),
                                                    be16(b, off + 4), be16(b, off + 6))
    if proto == IPPROTO_ICMP:
        if off + 8 > len(b):
            return "icmp (truncated)"
        t, c = b[off], b[off + 1]
        line = "icmp %s (type %d code %d)" % (ICMP_TYPES.get(t, "type %d" % t), t, c)
        if t in (0, 8):
            line += " id %d seq %d" % (be16(b, off + 4), be16(b, off + 6))
        return line
    return "ip proto %d payload" % proto


def pkb_layers(pkb):
    """The decoded header lines of a struct pkb (a gdb.Value)."""
    head = pkb["head"]
    head_addr = int(head.address) if head.address is not None else int(head)
    data_off = int(pkb["data"]) - head_addr
    tail_off = int(pkb["tail"]) - head_addr
    if data_off < 0 or tail_off < data_off or tail_off > 0x20000:
        return ["(pkb pointers look wrong: data %d tail %d from head)" % (data_off, tail_off)]
    b = bytes(gdb.selected_inferior().read_memory(head_addr, tail_off))
    l2, l3, l4 = (int(pkb[f]) for f in ("l2", "l3", "l4"))
    lines = []
    etype = None
    if l2 != PKB_NO_OFFSET:
        etype, line = decode_eth(b, l2)
        lines.append(line)
    # Where the network header is: l3 once IPv4 has set it; before that
    # (eth_input handing over to ipv4_input) it is what follows Ethernet.
    ip_off = None
    if l3 != PKB_NO_OFFSET:
        ip_off = l3
    elif etype == ETH_P_IP:
        ip_off = l2 + ETH_HLEN
    elif etype == ETH_P_ARP:
        lines.append(decode_arp(b, l2 + ETH_HLEN))
    elif l2 == PKB_NO_OFFSET and data_off < tail_off and b[data_off] >> 4 == 4:
        ip_off = data_off           # on the way down: ipv4_output's input
    if ip_off is not None:
        proto, ihl, line = decode_ipv4(b, ip_off)
        lines.append(line)
        if proto is not None:
            l4_off = l4 if l4 != PKB_NO_OFFSET else ip_off + ihl
            if l4_off < tail_off:
                lines.append(decode_l4(b, l4_off, proto))
    elif l4 != PKB_NO_OFFSET:
        lines.append("l4 at %d (no IPv4 header to say which protocol)" % l4)
    if not lines:
        lines.append("(no headers yet: %d bytes of data)" % (tail_off - data_off))
    return lines


# ---- pretty printers --------------------------------------------------------


class PkbPrinter:
    """struct pkb: the headers it holds, decoded, then its fields."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        head = int(v["head"].address)
        data, tail = int(v["data"]) - head, int(v["tail"]) - head
        nif = v["nif"]
        name = nif.dereference()["name"].string() if int(nif) else "-"
        try:
            layers = pkb_layers(v)
        except gdb.MemoryError as e:
            layers = ["(cannot read the buffer: %s)" % e]
        return "pkb %d bytes on %s (headroom %d)\n  %s" % (
            tail - data, name, data, "\n  ".join(layers))

    def children(self):
        for f in self.val.type.fields():
            if f.name != "head":
                yield f.name, self.val[f.name]


def tcb_tuple(v):
    return "%s:%d > %s:%d" % (ip_str(v["laddr"]), port_int(v["lport"]),
                              ip_str(v["faddr"]), port_int(v["fport"]))


def tcb_state(v):
    s = str(v["state"])
    return s[4:] if s.startswith("TCP_") else s


def u32(x):
    return int(x) & 0xFFFFFFFF


def tcb_synced(v):
    return tcb_state(v) not in ("LISTEN", "CLOSED", "SYN_SENT")


def tcb_info(v):
    """The ss -ti flags glassctl ss prints: "ts sack cubic wscale:7,5"."""
    synced = tcb_synced(v)
    words = []
    if synced and bool(v["ts_ok"]):
        words.append("ts")
    if synced and bool(v["sack"]["ok"]):
        words.append("sack")
    if int(v["cc"]):
        words.append(v["cc"].dereference()["name"].string())
    if synced and bool(v["ws_ok"]):
        words.append("wscale:%d,%d" % (int(v["snd_wscale"]), int(v["rcv_wscale"])))
    return " ".join(words) or "-"


HYSTART_PHASES = {0: "off", 1: "ss", 2: "css"}


def tcb_cubic(v):
    """CUBIC's state from cc_priv (struct cubic in tcp_cc_cubic.c, whose
    layout is private: read through gdb's knowledge of the type)."""
    if not int(v["cc"]) or v["cc"].dereference()["name"].string() != "cubic":
        return None
    try:
        ctype = gdb.lookup_type("struct cubic")
    except gdb.error:
        return None
    c = v["cc_priv"].address.cast(ctype.pointer()).dereference()
    return ("  cubic W_max=%.2f K=%.3fs %s hystart=%s" % (
        float(c["w_max"]), float(c["k"]),
        "epoch at %dus" % int(c["t_epoch"]) if bool(c["in_epoch"]) else "no epoch",
        HYSTART_PHASES.get(int(c["hs"]["phase"]), "?")))


def tcb_recovery(v):
    """RFC 6675 / RFC 6582 loss recovery and the SACK scoreboard."""
    sack = v["sack"]
    nsb = int(sack["nsb"])
    sb = ",".join("%u-%u" % (u32(sack["sb"][i]["left"]), u32(sack["sb"][i]["right"]))
                  for i in range(nsb)) or "-"
    if bool(v["in_recovery"]):
        kind = "sack" if bool(sack["recovery"]) else "newreno"
        rec = "recovery=%s RecoveryPoint=%u" % (kind, (u32(v["recover"]) - 1) & 0xFFFFFFFF)
    else:
        rec = "recovery=no"
    return "  %s scoreboard=%s" % (rec, sb)


class TcbPrinter:
    """struct tcp_cb: the connection in RFC 9293 words."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        iss, irs = u32(v["iss"]), u32(v["irs"])
        rel = lambda x, base: (u32(x) - base) & 0xFFFFFFFF
        s = ("tcb %s %s\n"
             "  snd_una=%d snd_nxt=%d snd_wnd=%d (relative to iss=%u)\n"
             "  rcv_nxt=%d rcv_wnd=%d (relative to irs=%u)\n"
             "  cwnd=%d ssthresh=%d mss=%d srtt=%dus rto=%dus retransmits=%d") % (
            tcb_tuple(v), tcb_state(v),
            rel(v["snd_una"], iss), rel(v["snd_nxt"], iss), int(v["snd_wnd"]), iss,
            rel(v["rcv_nxt"], irs), int(v["rcv_wnd"]), irs,
            int(v["cwnd"]), int(v["ssthresh"]), int(v["snd_mss"]), int(v["srtt"]),
            int(v["rto"]), int(v["retransmits"]))
        # What glassctl tcb adds (issue 8): the options the SYNs agreed
        # (RFC 7323, RFC 2018), CUBIC/HyStart++ and SACK recovery.
        s += "\n  %s" % tcb_info(v)
        if tcb_synced(v) and bool(v["ts_ok"]):
            s += " TS.Recent=%u" % u32(v["ts_recent"])
        cubic = tcb_cubic(v)
        if cubic:
            s += "\n" + cubic
        s += "\n" + tcb_recovery(v)
        return s


class SockPrinter:
    """struct glass_sock: what `ss` would say about it."""

    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        proto = {6: "tcp", 17: "udp"}.get(int(v["protocol"]), "proto %d" % int(v["protocol"]))
        s = "sock fd %d %s %s:%d > %s:%d" % (
            int(v["fd"]), proto, ip_str(v["laddr"]), port_int(v["lport"]),
            ip_str(v["faddr"]), port_int(v["fport"]))
        if int(v["tcb"]):
            s += " " + tcb_state(v["tcb"].dereference())
        if bool(v["closed"]):
            s += " (closed)"
        return s


def glass_printers(val):
    t = val.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT:
        return None
    return {"pkb": PkbPrinter, "tcp_cb": TcbPrinter,
            "glass_sock": SockPrinter}.get(t.tag, lambda v: None)(val)


# ---- finding the stack ------------------------------------------------------


def _stack_from_frame(frame):
    try:
        block = frame.block()
    except RuntimeError:
        return None
    names = set()
    while block is not None:
        for sym in block:
            if sym.is_variable or sym.is_argument:
                names.add(sym.name)
        block = block.superblock
    # Arguments first: at a function's first line its local `stack` may
    # not be assigned yet (ipv4_input: stack = nif->stack is still to run).
    for name, path in (("nif", "->stack"), ("tcb", "->stack"), ("sk", "->stack"),
                       ("pkb", "->nif->stack"), ("stack", "")):
        if name not in names:
            continue
        try:
            v = frame.read_var(name)
            for step in filter(None, path.split("->")):
                if not int(v):
                    break
                v = v.dereference()[step]
            if _looks_like_stack(v):
                return v
        except (gdb.error, gdb.MemoryError, RuntimeError):
            continue
    return None


def _looks_like_stack(v):
    """A non-null struct glass_stack * whose interface list can be read."""
    t = v.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_PTR or not int(v):
        return False
    if t.target().strip_typedefs().tag != "glass_stack":
        return False
    s = v.dereference()
    return int(s["netifs"]) != 0 and int(s["tcp"]) != 0 and int(s["routes"]) != 0


def find_stack(arg):
    if arg.strip():
        return gdb.parse_and_eval(arg)
    frame = gdb.selected_frame()
    while frame is not None:
        v = _stack_from_frame(frame)
        if v is not None:
            return v
        frame = frame.older()
    raise gdb.GdbError("no struct glass_stack in sight: select a frame that has one, "
                       "or give it (e.g. glass-tcbs stack)")


# ---- commands ---------------------------------------------------------------

# Upward (netif_input -> eth_input -> arp_input/ipv4_input -> icmp/udp/tcp)
# and downward (tcp/udp output -> ipv4_output -> arp_output -> eth_output ->
# netif_output); see docs/architecture.md.
LAYER_FUNCTIONS = [
    "netif_input", "eth_input", "arp_input", "ipv4_input",
    "icmp_input", "udp_input", "tcp_input", "sock_wakeup",
    "tcp_output", "udp_output", "icmp_output", "ipv4_output",
    "arp_output", "eth_output", "netif_output",
]


class GlassLayers(gdb.Command):
    """glass-layers [delete]: stop at every layer's input and output.

Sets a breakpoint on each of netif_input, eth_input, arp_input, ipv4_input,
icmp_input, udp_input, tcp_input, sock_wakeup (up) and tcp_output,
udp_output, icmp_output, ipv4_output, arp_output, eth_output, netif_output
(down).  `glass-layers delete` removes them again."""

    def __init__(self):
        super().__init__("glass-layers", gdb.COMMAND_BREAKPOINTS)
        self.bps = []

    def invoke(self, arg, from_tty):
        for bp in self.bps:
            if bp.is_valid():
                bp.delete()
        self.bps = []
        if arg.strip() == "delete":
            print("glass-layers: breakpoints deleted")
            return
        for fn in LAYER_FUNCTIONS:
            if gdb.lookup_global_symbol(fn) is None and gdb.lookup_static_symbol(fn) is None:
                print("glass-layers: no function %s in this program (skipped)" % fn)
                continue
            self.bps.append(gdb.Breakpoint(fn, internal=False))
        print("glass-layers: %d breakpoints (glass-layers delete removes them)" % len(self.bps))


def _walk(v, link):
    while int(v):
        yield v.dereference()
        v = v.dereference()[link]


class GlassTcbs(gdb.Command):
    """glass-tcbs [STACK]: every TCP control block of the stack."""

    def __init__(self):
        super().__init__("glass-tcbs", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        stack = find_stack(arg)
        ts = stack.dereference()["tcp"]
        if not int(ts):
            print("no TCP state (stack not set up)")
            return
        n = 0
        for tcb in _walk(ts.dereference()["tcbs"], "next"):
            print("(struct tcp_cb *) 0x%x  %s" % (int(tcb.address), TcbPrinter(tcb).to_string()))
            n += 1
        print("%d control block%s" % (n, "" if n == 1 else "s"))


ARP_STATES = {"ARP_INCOMPLETE": "INCOMPLETE", "ARP_REACHABLE": "REACHABLE",
              "ARP_STALE": "STALE", "ARP_PROBE": "PROBE", "ARP_STATIC": "STATIC"}


class GlassArp(gdb.Command):
    """glass-arp [STACK]: the neighbour cache (address, MAC, state, queue)."""

    def __init__(self):
        super().__init__("glass-arp", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        stack = find_stack(arg)
        cache = stack.dereference()["arp"]
        if not int(cache):
            print("no ARP cache")
            return
        buckets = cache.dereference()["buckets"]
        lo, hi = buckets.type.range()
        rows = []
        for i in range(lo, hi + 1):
            for e in _walk(buckets[i], "next"):
                mac = bytes(int(e["mac"][j]) & 0xFF for j in range(6))
                state = ARP_STATES.get(str(e["state"]), str(e["state"]))
                rows.append("%-15s %-17s %-10s %-6s queued %d" % (
                    ip_str(e["addr"]), mac_str(mac) if state != "INCOMPLETE" else "-",
                    state, e["nif"].dereference()["name"].string(),
                    int(e["queue"]["count"])))
        for r in sorted(rows):
            print(r)
        print("%d entr%s" % (len(rows), "y" if len(rows) == 1 else "ies"))


class GlassRoutes(gdb.Command):
    """glass-routes [STACK]: the IPv4 routing table, as the lookup sees it."""

    def __init__(self):
        super().__init__("glass-routes", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        stack = find_stack(arg)
        rt = stack.dereference()["routes"]
        if not int(rt):
            print("no routing table")
            return
        # struct route_table is private to route.c: gdb knows it from the
        # debug info once that file's symbols are read.
        t = gdb.lookup_type("struct route_table")
        table = rt.cast(t.pointer()).dereference()
        n = int(table["n"])
        for i in range(n):
            r = table["r"][i]
            dest = "%s/%d" % (ip_str(r["net"]), int(r["prefix_len"]))
            if dest == "0.0.0.0/0":
                dest = "default"
            via = "via %s " % ip_str(r["gateway"]) if int(r["gateway"]) else ""
            origin = "connected" if str(r["origin"]) == "ROUTE_CONNECTED" else "static"
            print("%s %sdev %s metric %d (%s)" % (dest, via, r["nif"].dereference()["name"].string(),
                                                 int(r["metric"]), origin))
        print("%d route%s" % (n, "" if n == 1 else "s"))


class GlassIfs(gdb.Command):
    """glass-ifs [STACK]: the interfaces: name, MAC, MTU, addresses, counters."""

    def __init__(self):
        super().__init__("glass-ifs", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        stack = find_stack(arg)
        for nif in _walk(stack.dereference()["netifs"], "next"):
            mac = bytes(int(nif["mac"][j]) & 0xFF for j in range(6))
            addrs = " ".join("%s/%d" % (ip_str(nif["addrs"][i]["addr"]),
                                        int(nif["addrs"][i]["prefix_len"]))
                             for i in range(int(nif["naddrs"])))
            c = nif["cnt"]
            feats = int(nif["features"])
            names = [n for bit, n in ((1, "rx-csum"), (2, "tx-csum"), (4, "tso4")) if feats & bit]
            print("%d: %s %s mtu %d %s %s  rx %d pkts %d bytes  tx %d pkts %d bytes"
                  "  offload %s%s gso_rx %d tso_tx %d" % (
                      int(nif["index"]), nif["name"].string(), mac_str(mac), int(nif["mtu"]),
                      "UP" if bool(nif["up"]) else "DOWN", addrs,
                      int(c["rx_packets"]), int(c["rx_bytes"]),
                      int(c["tx_packets"]), int(c["tx_bytes"]),
                      "vnet" if feats else "plain",
                      " (" + ",".join(names) + ")" if names else "",
                      int(c["gso_rx"]), int(c["tso_tx"])))


def register(objfile=None):
    target = objfile if objfile is not None else gdb
    # Registered once per program; a second `source` replaces nothing.
    if not any(getattr(p, "__name__", "") == "glass_printers"
               for p in getattr(target, "pretty_printers", [])):
        target.pretty_printers.append(glass_printers)


register()
GlassLayers()
GlassTcbs()
GlassArp()
GlassRoutes()
GlassIfs()
print("glass gdb helpers loaded: print *pkb / *tcb / *sk; glass-layers, glass-tcbs, "
      "glass-arp, glass-routes, glass-ifs")
