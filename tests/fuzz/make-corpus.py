#!/usr/bin/env python3
"""tests/fuzz/make-corpus.py - write the seed corpus of every fuzz harness.

Seeds are real protocol messages built byte by byte here (no scapy), aimed
at the stack of tests/fuzz/fuzz_stack.c: us 10.0.0.2 (02:00:0a:00:00:02),
the peer 10.0.0.1 (02:00:00:00:00:01), TCP listener on 80, a connection
from the peer's port 40000 to 80, one from us to the peer's 9000, UDP on
53.  Run it from anywhere; it rewrites tests/fuzz/corpus/<name>/.  The
outputs are committed (source data, a few KB in all)."""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
US, PEER = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
US_MAC, PEER_MAC = bytes.fromhex("02000a000002"), bytes.fromhex("020000000001")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, payload, src=PEER, dst=US, ident=1, frag=0, opts=b"", ttl=64, tot=None):
    hl = 20 + len(opts)
    tot = hl + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, tot, ident, frag, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(proto, seg, src=PEER, dst=US):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(sport, dport, seq, ack, flags, opts=b"", data=b"", wnd=65535):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (20 + len(opts)) // 4 << 4, flags, wnd, 0, 0)
    seg = h + opts + data
    return seg[:16] + struct.pack("!H", l4sum(6, seg)) + seg[18:]


def udp(sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    return seg[:6] + struct.pack("!H", l4sum(17, seg) or 0xFFFF) + seg[8:]


def icmp(typ, code, rest):
    m = struct.pack("!BBH", typ, code, 0) + rest
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def eth(etype, payload, dst=US_MAC, src=PEER_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


MSS = bytes([2, 4, 0x05, 0xB4])
SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04
def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def dns(ident, flags, name, qtype, answers):
    """A DNS message (RFC 1035 4.1); answers are (type, rdata) for the
    question's name, written as a compression pointer to offset 12."""
    m = struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0) + qname(name) + struct.pack("!HH", qtype, 1)
    for typ, rdata in answers:
        m += b"\xc0\x0c" + struct.pack("!HHIH", typ, 1, 3600, len(rdata)) + rdata
    return m


DNS_REPLY = dns(0x1234, 0x8180, "www.example.com", 1,
                [(5, qname("web.example.com")), (1, bytes([93, 184, 216, 34]))])
DNS_TXT = dns(0xABCD, 0x8180, "txt.example", 16, [(16, b"\x05hello\x05world")])


def l3_frames():
    """(name, frame) pairs: one real exchange per protocol."""
    echo = icmp(8, 0, struct.pack("!HH", 7, 1) + b"glass-ping-data!")
    quoted = ipv4(17, udp(53, 33434, b"")[:8], src=US, dst=PEER)
    unreach = icmp(3, 3, b"\0\0\0\0" + quoted)
    frag_needed = icmp(3, 4, struct.pack("!HH", 0, 1400) + ipv4(6, tcp(9000, 49152, 1, 1, ACK)[:8], src=US, dst=PEER))
    big = udp(53, 53, b"x" * 64)
    frag1 = ipv4(17, big[:40], ident=77, frag=0x2000)
    frag2 = ipv4(17, big[40:], ident=77, frag=5)
    rr = bytes([7, 11, 4]) + b"\0" * 8 + b"\0"  # record route + EOL, RFC 791
    return {
        "icmp_echo": ipv4(1, echo),
        "icmp_unreach": ipv4(1, unreach),
        "icmp_frag_needed": ipv4(1, frag_needed),
        "udp_dns_query": ipv4(17, udp(5353, 53, bytes.fromhex("beef01000001000000000000") + b"\3www\7example\3com\0\0\1\0\1")),
        "udp_closed": ipv4(17, udp(5353, 9, b"hi")),
        "tcp_syn": ipv4(6, tcp(40001, 80, 7000, 0, SYN, MSS + bytes([1, 3, 3, 7]) + bytes([4, 2, 8, 10]) + b"\0" * 8 + b"\1\1")),
        "tcp_data": ipv4(6, tcp(40000, 80, 1001, 0, ACK | PSH, data=b"GET / HTTP/1.1\r\n\r\n")),
        "tcp_fin": ipv4(6, tcp(40000, 80, 1001, 0, ACK | FIN)),
        "tcp_rst": ipv4(6, tcp(9000, 49152, 5001, 0, RST)),
        "ipv4_options": ipv4(1, echo, opts=rr),
        "ipv4_frag1": frag1,
        "ipv4_frag2": frag2,
    }


def write(name, files):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for fname, data in files.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


def main():
    l3 = l3_frames()
    areq = arp(1, PEER_MAC, PEER, b"\0" * 6, US)
    arep = arp(2, PEER_MAC, PEER, US_MAC, US)
    grat = arp(1, PEER_MAC, PEER, b"\0" * 6, PEER)
    spoof = arp(2, bytes.fromhex("02dead00beef"), US, US_MAC, US)
    write("arp", {"request": areq, "reply": arep, "gratuitous": grat, "spoof_us": spoof})
    frames = {k: eth(0x0800, v) for k, v in l3.items()}
    frames["arp_request"] = eth(0x0806, areq, dst=b"\xff" * 6)
    write("eth", frames)
    # fuzz_frames records: u16 length, u8 time advance, u8 flags, frame
    rec = lambda f, dt=0, fl=0: struct.pack("!HBB", len(f), dt, fl) + f
    write("frames", {
        # flags: bit 0 fix checksums; 2 read, 4 send, 8 shut down, 16 close
        "http_request": rec(frames["tcp_data"], 0, 2) + rec(frames["tcp_fin"], 10, 2 | 4),
        "talk_and_close": rec(frames["tcp_data"], 0, 2 | 4) + rec(frames["tcp_rst"], 130, 8 | 16),
        "new_conn": rec(frames["tcp_syn"]) + rec(eth(0x0800, ipv4(6, tcp(40001, 80, 7001, 0, ACK))), 5, 1),
        "ping_then_wait": rec(frames["icmp_echo"]) + rec(frames["arp_request"], 200),
        "fragments": rec(frames["ipv4_frag2"]) + rec(frames["ipv4_frag1"], 1),
        "pmtu": rec(frames["icmp_frag_needed"], 0, 1) + rec(frames["tcp_rst"], 50, 1),
        "udp": rec(frames["udp_dns_query"]) + rec(frames["udp_closed"]),
    })
    # fuzz_ipv4 records: u16 length, u8 time advance (ms), datagram
    irec = lambda p, dt=0: struct.pack("!HB", len(p), dt) + p
    write("ipv4", {
        "echo": irec(l3["icmp_echo"]),
        "options": irec(l3["ipv4_options"]),
        "two_fragments": irec(l3["ipv4_frag1"]) + irec(l3["ipv4_frag2"], 3),
        "tcp_syn": irec(l3["tcp_syn"]),
    })
    write("icmp", {k[5:]: v[20:] for k, v in l3.items() if k.startswith("icmp_")})
    write("udp", {k[4:]: v[20:] for k, v in l3.items() if k.startswith("udp_")})
    write("tcp_opts", {
        "syn_linux": MSS + bytes([4, 2, 8, 10]) + b"\0" * 8 + bytes([1, 3, 3, 7]),
        "mss": MSS,
        "timestamps": bytes([1, 1, 8, 10]) + b"\0\0\0\1\0\0\0\2",
        "sack": bytes([1, 1, 5, 10]) + b"\0\0\0\1\0\0\0\2",
        "bad_length": bytes([2, 1, 5, 0]),
    })
    write("dns", {"a_cname": DNS_REPLY, "txt": DNS_TXT,
                  "nxdomain": dns(0x1234, 0x8183, "nope.example.com", 1, [])})
    write("http", {
        "request": b"\0GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
        "response": b"\1HTTP/1.1 301 Moved\r\nLocation: /b\r\nTransfer-Encoding: chunked\r\n\r\n",
        "chunked": b"\x025\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
        "url": b"\x03http://example.com:8080/a/b?q#frag",
        "location": b"\x04../x/./y?z",
    })
    magic = bytes([99, 130, 83, 99])
    write("dhcp", {
        "offer": bytes([53, 1, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 0, 1, 6, 4, 10, 0, 0, 1,
                        54, 4, 10, 0, 0, 1, 51, 4, 0, 0, 14, 16, 58, 4, 0, 0, 7, 8, 59, 4, 0, 0, 12, 78, 255]),
        "ack_padded": bytes([0, 0, 53, 1, 5, 0, 255, 0, 0]),
        "with_magic": magic + bytes([53, 1, 2, 255]),
    })


if __name__ == "__main__":
    main()
