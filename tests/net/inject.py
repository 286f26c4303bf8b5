#!/usr/bin/env python3
"""tests/net/inject.py IFACE GLASS_MAC [COUNT] - send malformed frames to glass.

Runs on the kernel side of the lab (ip netns exec NS python3 inject.py tap0
MAC).  Only one process can attach to a tap, and glassd holds tap0, so the
frames go in through an AF_PACKET socket on tap0: the kernel hands them to
the tap, glassd reads them.  The same socket watches what glassd sends back.

Each case is sent COUNT times (default 2).  A malformed frame must be dropped
without a reply; a well-formed echo request sent first and last proves the
watch works (it must be answered).  Prints one line per case with the
counter the test script expects to see grow, and exits 1 when a malformed
frame was answered or a good one was not.  Standard library only.
"""

import socket
import struct
import sys

from tapsock import TapSocket, mac_bytes

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806

KERNEL_IP = socket.inet_aton("10.0.0.1")
GLASS_IP = socket.inet_aton("10.0.0.2")
ECHO_ID = 0x6c61  # "la": ours, so the kernel's own pings are told apart


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def inet_checksum(data):
    """RFC 1071: one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_header(payload_len, proto=1, ihl=5, version=4, total_len=None, fix_checksum=True):
    """RFC 791 header from 10.0.0.1 to 10.0.0.2 (no options)."""
    if total_len is None:
        total_len = ihl * 4 + payload_len
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total_len & 0xFFFF,
                      0x1234, 0x4000, 64, proto, 0, KERNEL_IP, GLASS_IP)
    if fix_checksum:
        hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr


def icmp_echo(seq, good_checksum=True, data=b"glass-inject-test"):
    """RFC 792 echo request."""
    msg = struct.pack("!BBHHH", 8, 0, 0, ECHO_ID, seq) + data
    csum = inet_checksum(msg)
    if not good_checksum:
        csum ^= 0x5555
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def arp_request(src_mac, hlen=6, plen=4):
    """RFC 826 request "who has 10.0.0.2", with the sizes given."""
    sha = (src_mac + b"\0" * hlen)[:hlen]
    spa = (KERNEL_IP + b"\0" * plen)[:plen]
    tpa = (GLASS_IP + b"\0" * plen)[:plen]
    return (struct.pack("!HHBBH", 1, ETH_P_IP, hlen, plen, 1)
            + sha + spa + b"\0" * hlen + tpa)


class Lab(TapSocket):
    def __init__(self, iface, glass_mac):
        super().__init__(iface)
        self.my_mac = self.sock.getsockname()[4][:6]
        self.glass_mac = glass_mac
        self.seq = 0

    def eth(self, ethertype, payload):
        return self.glass_mac + self.my_mac + struct.pack("!H", ethertype) + payload

    def next_seq(self):
        self.seq += 1
        return self.seq

    def frames_from_glass(self, seconds):
        """Every frame glass sent within `seconds`."""
        return self.frames_from(self.glass_mac, seconds)

    def send(self, frame, listen):
        self.drain()
        self.sock.send(frame)
        return self.frames_from_glass(listen)


def describe(frame):
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == ETH_P_IP and len(frame) >= 34 and frame[23] == 1:
        return f"ICMP type {frame[34]}" if len(frame) > 34 else "ICMP"
    return f"ethertype 0x{ethertype:04x}, {len(frame)} bytes"


def is_echo_reply(frame, seq):
    return (len(frame) >= 42 and struct.unpack("!H", frame[12:14])[0] == ETH_P_IP
            and frame[23] == 1 and frame[34] == 0
            and struct.unpack("!HH", frame[38:42]) == (ECHO_ID, seq))


def malformed_cases(lab):
    """(name, counter that must count it, ethertype, payload builder): the
    payload is built anew for each send, so each echo has its own sequence."""
    def echo_ip(**kw):
        icmp = icmp_echo(lab.next_seq())
        return ipv4_header(len(icmp), **kw) + icmp

    def truncated():
        return echo_ip()[:10]           # half an IPv4 header

    def length_past_frame():
        icmp = icmp_echo(lab.next_seq())
        return ipv4_header(len(icmp), total_len=20 + len(icmp) + 100) + icmp

    def bad_checksum():
        icmp = icmp_echo(lab.next_seq())
        hdr = ipv4_header(len(icmp))
        return hdr[:10] + struct.pack("!H", struct.unpack("!H", hdr[10:12])[0] ^ 0x0101) + hdr[12:] + icmp

    def ihl_past_frame():
        # IHL 15 says 60 header octets; total length and frame hold 28.
        icmp = icmp_echo(lab.next_seq(), data=b"")
        return ipv4_header(0, ihl=15, total_len=20 + len(icmp)) + icmp

    def ihl_too_small():
        icmp = icmp_echo(lab.next_seq())
        return ipv4_header(len(icmp), ihl=4, total_len=20 + len(icmp)) + icmp

    def bad_version():
        return echo_ip(version=6)

    def icmp_bad_checksum():
        icmp = icmp_echo(lab.next_seq(), good_checksum=False)
        return ipv4_header(len(icmp)) + icmp

    def icmp_truncated():
        return ipv4_header(4) + icmp_echo(lab.next_seq())[:4]

    return [
        ("ipv4-truncated-header", "ipv4.drop_short", ETH_P_IP, truncated),
        ("ipv4-total-length-past-frame", "ipv4.drop_bad_length", ETH_P_IP, length_past_frame),
        ("ipv4-bad-header-checksum", "ipv4.drop_bad_checksum", ETH_P_IP, bad_checksum),
        ("ipv4-ihl-past-frame", "ipv4.drop_bad_ihl", ETH_P_IP, ihl_past_frame),
        ("ipv4-ihl-below-5", "ipv4.drop_bad_ihl", ETH_P_IP, ihl_too_small),
        ("ipv4-version-6", "ipv4.drop_bad_version", ETH_P_IP, bad_version),
        ("icmp-bad-checksum", "icmp.drop_bad_checksum", ETH_P_IP, icmp_bad_checksum),
        ("icmp-truncated", "icmp.drop_short", ETH_P_IP, icmp_truncated),
        ("arp-hlen-8", "arp.drop_bad_hardware", ETH_P_ARP, lambda: arp_request(lab.my_mac, hlen=8)),
        ("arp-plen-16", "arp.drop_bad_protocol", ETH_P_ARP, lambda: arp_request(lab.my_mac, plen=16)),
        ("arp-truncated", "arp.drop_short", ETH_P_ARP, lambda: arp_request(lab.my_mac)[:12]),
        ("unknown-ethertype-0x88b5", "eth.drop_unknown_type", 0x88B5, lambda: b"glass" * 10),
    ]


def control(lab, when):
    """A well-formed echo request must be answered (proves the watch works)."""
    seq = lab.next_seq()
    icmp = icmp_echo(seq)
    replies = lab.send(lab.eth(ETH_P_IP, ipv4_header(len(icmp)) + icmp), 2.0)
    ok = any(is_echo_reply(f, seq) for f in replies)
    print(f"control-{when}: good echo request -> {'echo reply' if ok else 'NO REPLY'}")
    return ok


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    lab = Lab(sys.argv[1], mac_bytes(sys.argv[2]))
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 2
    print(f"kernel side {mac_text(lab.my_mac)} -> glass {mac_text(lab.glass_mac)}, each case x{count}")
    ok = control(lab, "first")
    for name, counter, ethertype, build in malformed_cases(lab):
        answers = []
        for _ in range(count):
            answers += lab.send(lab.eth(ethertype, build()), 0.3)
        verdict = "dropped" if not answers else "ANSWERED: " + ", ".join(describe(f) for f in answers)
        print(f"case {name} counter {counter} sent {count}: {verdict}")
        ok = ok and not answers
    ok = control(lab, "last") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
