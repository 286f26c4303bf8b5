#!/usr/bin/python3
"""tests/net/attack.py IFACE GLASS_MAC GLASSCTL CTL_SOCKET - the attack suite.

Runs on the kernel side of the lab (ip netns exec NS /usr/bin/python3
attack.py tap0 MAC build/glassctl PATH) against glass-echo (TCP and UDP echo
on port 7, RFC 862) holding tap0 as 10.0.0.2.  Frames are built with scapy
and go in through an AF_PACKET socket on tap0, which also sees every frame
glass sends back.

The attacker is a fake neighbour, 10.0.0.66 at 02:00:00:00:00:66: the
kernel drops glass's frames to that MAC (not its own), so it never RSTs the
TCP connections the suite opens with glass -- only this script answers.

Each case states what glass must answer (a predicate on the frames it sent
within a short window: nothing at all for a drop) and exactly which
counters (glassctl --json stats) must grow, by how much; every other drop
counter must stay still.  One line per case; the last line is
"attack: P passed, F failed (N cases)".  Exit status 0 when all passed.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import time

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, conf

from tapsock import TapSocket, mac_bytes

conf.verb = 0


GLASS_IP = "10.0.0.2"
KERNEL_IP = "10.0.0.1"
FAKE_IP = "10.0.0.66"
FAKE_MAC = "02:00:00:00:00:66"
SPOOF_MAC = "02:00:00:00:00:77"
ECHO_PORT = 7
CLOSED_PORT = 9
BCAST_MAC = "ff:ff:ff:ff:ff:ff"

# Counters whose growth is a drop (or a refusal): a case must name every
# one of them that moves.
DROPPY = ("drop", "no_port", "out_of_window", "ack_unsent", "rst_ignored", "challenge",
          "oow_acks_limited", "conflict", "rate_limited", "error_suppressed", "limited",
          "rcv_beyond_window", "ooo_dropped", "rst_rcvd", "conn_reset")


class Lab(TapSocket):
    """The AF_PACKET socket on tap0, glass's counters, and the fake neighbour."""

    def __init__(self, iface, glass_mac, glassctl, ctl):
        super().__init__(iface, rcvbuf=4 << 20)
        self.glass_mac = glass_mac
        self.glass_mac_b = mac_bytes(glass_mac)
        # The kernel's own end of the tap: glass's traffic with it (ARP
        # for 10.0.0.1 as entries age, replies to the kernel's own
        # who-has) is never an answer to a case, so collect() skips it.
        with open(f"/sys/class/net/{iface}/address") as f:
            self.kernel_mac_b = mac_bytes(f.read().strip())
        self.glassctl = glassctl
        self.ctl = ctl

    # -- counters ----------------------------------------------------------
    def stats(self):
        out = subprocess.run([self.glassctl, "--ctl", self.ctl, "--json", "stats"],
                             check=True, capture_output=True, text=True, timeout=10).stdout
        flat = {}
        for layer, names in json.loads(out)["stats"].items():
            if isinstance(names, dict):
                for name, value in names.items():
                    if isinstance(value, int):
                        flat[f"{layer}.{name}"] = value
        return flat

    # -- frames --------------------------------------------------------------
    def eth(self, payload=None, src=FAKE_MAC, dst=None, type=None):
        e = Ether(src=src, dst=dst or self.glass_mac)
        if type is not None:
            e.type = type
        return e / payload if payload is not None else e

    def _kernel_traffic(self, frame):
        """Glass talking to the kernel's end of the tap, not to a case:
        a frame to the kernel's MAC, or an ARP request for the kernel."""
        if frame[0:6] == self.kernel_mac_b:
            return True
        if len(frame) >= 42 and frame[12:14] == b"\x08\x06":
            a = Ether(frame)[ARP]
            return a.op == 1 and a.pdst == KERNEL_IP
        return False

    def _answer_arp(self, frame):
        """Glass asking for the fake neighbour (ARP aging): answer it."""
        if len(frame) < 42 or frame[12:14] != b"\x08\x06":
            return False
        a = Ether(frame)[ARP]
        if a.op == 1 and a.pdst == FAKE_IP:
            self.sock.send(bytes(self.eth(ARP(op=2, hwsrc=FAKE_MAC, psrc=FAKE_IP,
                                              hwdst=a.hwsrc, pdst=a.psrc), dst=a.hwsrc)))
            return True
        return False

    def collect(self, seconds, until=None):
        """Frames glass sent within `seconds` (its ARP requests for the
        fake neighbour answered and left out, and its traffic with the
        kernel); stop early once until(frames)."""
        got = []

        def until_raw(frames):
            got.append(Ether(frames[-1]))
            return bool(until and until(got))

        self.frames_from(self.glass_mac_b, seconds,
                         skip=lambda f: self._answer_arp(f) or self._kernel_traffic(f),
                         until=until_raw)
        return got

    def send(self, frames, listen=0.3, until=None):
        if not isinstance(frames, list):
            frames = [frames]
        self.drain()
        for f in frames:
            self.sock.send(f if isinstance(f, bytes) else bytes(f))
        return self.collect(listen, until)

    def wait_quiet(self, key="eth.rx", seconds=5.0):
        """Until glass has read everything sent (its eth.rx stops moving)."""
        last = None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            s = self.stats()
            total = sum(v for k, v in s.items() if k.startswith("eth."))
            if total == last:
                return s
            last = total
            time.sleep(0.05)
        return self.stats()


def describe(frames):
    if not frames:
        return "nothing"
    parts = []
    for f in frames:
        if TCP in f:
            parts.append(f"TCP {f[TCP].sprintf('%flags%')} seq={f[TCP].seq} ack={f[TCP].ack} "
                         f"len={len(f[TCP].payload)}")
        elif ICMP in f:
            parts.append(f"ICMP {f[ICMP].type}/{f[ICMP].code}")
        elif ARP in f:
            parts.append(f"ARP op {f[ARP].op} {f[ARP].psrc} is-at {f[ARP].hwsrc}")
        elif UDP in f:
            parts.append(f"UDP {len(f[UDP].payload)} bytes")
        else:
            parts.append(f.summary())
    return "; ".join(parts)


# -- reply predicates ------------------------------------------------------------
def nothing(frames):
    return not frames


def one(pred):
    def check(frames):
        return len(frames) == 1 and pred(frames[0])
    return check


def is_rst(f):
    return TCP in f and f[TCP].flags.R


def is_pure_ack(ack=None):
    def p(f):
        return (TCP in f and f[TCP].flags == "A" and len(f[TCP].payload) == 0
                and (ack is None or f[TCP].ack == ack))
    return p


def is_icmp(t, c):
    return lambda f: ICMP in f and f[ICMP].type == t and f[ICMP].code == c


def is_echo_reply(f):
    return ICMP in f and f[ICMP].type == 0


class Suite:
    def __init__(self, lab):
        self.lab = lab
        self.passed = 0
        self.failed = 0
        self.ip_id = 1

    def result(self, name, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def check_counters(self, before, after, want):
        """Every counter in want grew by exactly that much; no other drop
        counter moved.  Returns a list of complaints."""
        bad = []
        for k, n in want.items():
            d = after.get(k, 0) - before.get(k, 0)
            if d != n:
                bad.append(f"{k} +{d}, want +{n}")
        for k in after:
            if k in want or not any(w in k for w in DROPPY):
                continue
            d = after[k] - before.get(k, 0)
            if d:
                bad.append(f"{k} +{d} unexpected")
        return bad

    def case(self, name, frames, answer, counters, listen=0.25, count=1):
        """Send frames (count times each), check the answer and counters."""
        lab = self.lab
        before = lab.stats()
        got = []
        for _ in range(count):
            got += lab.send(frames() if callable(frames) else frames, listen)
        after = lab.wait_quiet()
        bad = self.check_counters(before, after, counters)
        if not answer(got):
            bad.insert(0, "answer was " + describe(got))
        want = ", ".join(f"{k} +{v}" for k, v in counters.items())
        self.result(name, not bad, "; ".join(bad) if bad else f"answer {describe(got)}; {want}")
        return got

    # -- helpers ---------------------------------------------------------------
    def ip(self, src=FAKE_IP, dst=GLASS_IP, **kw):
        self.ip_id += 1
        return IP(src=src, dst=dst, id=self.ip_id, **kw)

    def echo(self, **kw):
        return self.ip(**kw) / ICMP(type=8, id=0x6174, seq=self.ip_id) / Raw(b"glass-attack")


def raw_ip(pkt):
    """Bytes of an IPv4 packet scapy has filled in (lengths, checksums)."""
    return bytes(pkt)


def inet_checksum(data):
    """RFC 1071."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_with_options(pkt, opts):
    """pkt's bytes with raw option bytes (a multiple of 4, any garbage)
    after its 20-byte header; IHL, total length and checksum fixed."""
    raw = bytes(pkt)
    hdr = bytearray(raw[:20] + opts)
    hdr[0] = 0x40 | (len(hdr) // 4)
    hdr[2:4] = struct.pack("!H", len(raw) + len(opts))
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", inet_checksum(bytes(hdr)))
    return bytes(hdr) + raw[20:]


def patch(data, off, new):
    return data[:off] + new + data[off + len(new):]


# ---- the cases ------------------------------------------------------------------------

def ethernet_cases(s):
    lab = s.lab
    good = bytes(lab.eth(s.echo()))
    # The kernel refuses to send a frame shorter than an Ethernet header
    # (dev->min_header_len), so eth.drop_short is proved by the unit tests
    # and fuzz_eth; the shortest frames the wire can bring are these.
    del good
    s.case("eth-header-only-ipv4", bytes(lab.eth(type=0x0800)), nothing, {"ipv4.drop_short": 1})
    s.case("eth-header-only-arp", bytes(lab.eth(type=0x0806)), nothing, {"arp.drop_short": 1})
    s.case("eth-source-broadcast-mac", bytes(lab.eth(s.echo(), src=BCAST_MAC)), nothing,
           {"eth.drop_bad_source": 1})
    s.case("eth-source-multicast-mac", bytes(lab.eth(s.echo(), src="01:00:5e:00:00:01")), nothing,
           {"eth.drop_bad_source": 1})
    s.case("eth-destination-other-unicast", bytes(lab.eth(s.echo(), dst="02:00:00:00:00:99")),
           nothing, {"eth.drop_not_for_us": 1})
    s.case("eth-unknown-ethertype", bytes(lab.eth(Raw(b"x" * 46), type=0x88B5)), nothing,
           {"eth.drop_unknown_type": 1})
    # RFC 894: the IP header says how long the datagram is; padding after
    # it (an Ethernet minimum of 60 bytes and then some) is not data.
    s.case("eth-padding-after-datagram", bytes(lab.eth(s.echo())) + b"\0" * 200,
           one(is_echo_reply), {})
    # A frame over the MTU cannot be sent through the kernel's tap (its
    # MTU is glass's); drivers/tap.c drops a read cut short and counts it
    # in the interface's rx_dropped (glassctl if).


def arp_cases(s):
    lab = s.lab
    req = ARP(op=1, hwsrc=FAKE_MAC, psrc=FAKE_IP, pdst=GLASS_IP)
    body = bytes(req)
    s.case("arp-truncated-20-bytes", bytes(lab.eth(type=0x0806)) + body[:20], nothing,
           {"arp.drop_short": 1})
    s.case("arp-hardware-length-8", bytes(lab.eth(ARP(op=1, hwlen=8, hwsrc=FAKE_MAC, psrc=FAKE_IP,
                                                      pdst=GLASS_IP))), nothing,
           {"arp.drop_bad_hardware": 1})
    s.case("arp-hardware-type-6", bytes(lab.eth(ARP(op=1, hwtype=6, hwsrc=FAKE_MAC, psrc=FAKE_IP,
                                                    pdst=GLASS_IP))), nothing,
           {"arp.drop_bad_hardware": 1})
    s.case("arp-protocol-length-16", bytes(lab.eth(type=0x0806)) + patch(body, 5, b"\x10"),
           nothing, {"arp.drop_bad_protocol": 1})
    s.case("arp-opcode-3", bytes(lab.eth(ARP(op=3, hwsrc=FAKE_MAC, psrc=FAKE_IP, pdst=GLASS_IP))),
           nothing, {"arp.drop_bad_opcode": 1})
    s.case("arp-sender-mac-broadcast",
           bytes(lab.eth(ARP(op=1, hwsrc=BCAST_MAC, psrc=FAKE_IP, pdst=GLASS_IP))), nothing,
           {"arp.drop_bad_sender": 1})
    s.case("arp-sender-ip-broadcast",
           bytes(lab.eth(ARP(op=1, hwsrc=FAKE_MAC, psrc="255.255.255.255", pdst=GLASS_IP))),
           nothing, {"arp.drop_bad_sender": 1})
    s.case("arp-sender-ip-multicast",
           bytes(lab.eth(ARP(op=1, hwsrc=FAKE_MAC, psrc="224.0.0.1", pdst=GLASS_IP))),
           nothing, {"arp.drop_bad_sender": 1})
    s.case("arp-target-not-ours",
           bytes(lab.eth(ARP(op=1, hwsrc=FAKE_MAC, psrc=FAKE_IP, pdst="10.0.0.77"))), nothing,
           {"arp.drop_not_for_us": 1})
    # RFC 5227 2.4: another MAC claims our address.  glass keeps it and
    # defends it once (an announcement naming itself), then stays quiet
    # for DEFEND_INTERVAL (10 s) however often it is claimed.
    spoof = lambda: bytes(lab.eth(ARP(op=2, hwsrc=SPOOF_MAC, psrc=GLASS_IP, hwdst=BCAST_MAC,
                                      pdst=GLASS_IP), src=SPOOF_MAC, dst=BCAST_MAC))
    s.case("arp-spoof-our-address-rfc5227-2.4-defended",
           spoof, one(lambda f: ARP in f and f[ARP].psrc == GLASS_IP
                      and f[ARP].hwsrc == lab.glass_mac),
           {"arp.conflict": 1})
    s.case("arp-spoof-our-address-again-x5-not-defended", spoof, nothing, {"arp.conflict": 5},
           count=5, listen=0.1)
    # Glass still answers for itself with its own MAC.
    s.case("arp-who-has-us-after-spoof", bytes(lab.eth(req, dst=BCAST_MAC)),
           one(lambda f: ARP in f and f[ARP].op == 2 and f[ARP].hwsrc == lab.glass_mac), {})


def ipv4_cases(s):
    lab = s.lab
    good = raw_ip(s.echo())
    s.case("ipv4-truncated-10-bytes", bytes(lab.eth(type=0x0800)) + good[:10], nothing,
           {"ipv4.drop_short": 1})
    s.case("ipv4-version-6", bytes(lab.eth(type=0x0800)) + raw_ip(s.echo(version=6)), nothing,
           {"ipv4.drop_bad_version": 1})
    s.case("ipv4-ihl-4", bytes(lab.eth(type=0x0800)) + raw_ip(s.echo(ihl=4)), nothing,
           {"ipv4.drop_bad_ihl": 1})
    s.case("ipv4-ihl-15-past-datagram", bytes(lab.eth(type=0x0800))
           + raw_ip(s.ip(ihl=15, len=28) / ICMP(type=8)), nothing, {"ipv4.drop_bad_ihl": 1})
    s.case("ipv4-total-length-past-frame", bytes(lab.eth(type=0x0800))
           + raw_ip(s.echo(len=200)), nothing, {"ipv4.drop_bad_length": 1})
    s.case("ipv4-total-length-below-header", bytes(lab.eth(type=0x0800))
           + raw_ip(s.echo(len=12)), nothing, {"ipv4.drop_bad_length": 1})
    s.case("ipv4-bad-header-checksum", bytes(lab.eth(type=0x0800)) + raw_ip(s.echo(chksum=0x1234)),
           nothing, {"ipv4.drop_bad_checksum": 1})
    # RFC 791 3.1 options: garbage is skipped (RFC 1122 3.2.1.8), the
    # datagram itself still served.
    for name, opt in (("length-0", b"\x44\x00\x00\x00"), ("length-1", b"\x07\x01\x00\x00"),
                      ("length-past-header", b"\x07\x28\x04\x00"),
                      ("kind-only-at-end", b"\x01\x01\x01\x94"),
                      ("unknown-kind-255", b"\xff\x04\xab\xcd"),
                      ("40-bytes-of-nop-garbage", b"\x01" * 39 + b"\x9e")):
        s.case(f"ipv4-options-{name}-rfc1122-3.2.1.8", bytes(lab.eth(type=0x0800))
               + ip_with_options(s.echo(), opt), one(is_echo_reply), {})
    s.case("ipv4-option-lsrr-rfc7126-4.3", bytes(lab.eth(type=0x0800))
           + ip_with_options(s.echo(), b"\x83\x07\x04\x0a\x00\x00\x01\x00"),
           nothing, {"ipv4.drop_source_route": 1})
    # LAND: source = destination = us.
    s.case("ipv4-land-icmp-source-is-us", bytes(lab.eth(s.echo(src=GLASS_IP))), nothing,
           {"ipv4.drop_bad_source": 1})
    for name, src in (("limited-broadcast", "255.255.255.255"), ("subnet-broadcast", "10.0.0.255"),
                      ("multicast", "224.0.0.1"), ("loopback", "127.0.0.1"),
                      ("this-network-0.0.0.5", "0.0.0.5"), ("class-e", "240.0.0.1")):
        s.case(f"ipv4-source-{name}-rfc1122-3.2.1.3", bytes(lab.eth(s.echo(src=src))), nothing,
               {"ipv4.drop_bad_source": 1})
    s.case("ipv4-destination-not-ours", bytes(lab.eth(s.echo(dst="10.0.0.77"))), nothing,
           {"ipv4.drop_not_for_us": 1})
    s.case("ipv4-unicast-in-link-broadcast-rfc1122-3.3.6",
           bytes(lab.eth(s.echo(), dst=BCAST_MAC)), nothing, {"ipv4.drop_link_broadcast": 1})
    s.case("ipv4-unknown-protocol-253-rfc1122-3.2.2.1",
           bytes(lab.eth(s.ip(proto=253) / Raw(b"x" * 20))), one(is_icmp(3, 2)),
           {"ipv4.drop_unknown_proto": 1})
    # A fragment that would end past 65535 (RFC 791: offset + length).
    s.case("ipv4-fragment-past-65535", bytes(lab.eth(s.ip(proto=17, frag=8189, flags=0)
                                                     / Raw(b"y" * 64))),
           nothing, {"ipv4.reass_drop_too_long": 1})


def icmp_cases(s):
    lab = s.lab
    s.case("icmp-truncated-3-bytes", bytes(lab.eth(s.ip(proto=1) / Raw(b"\x08\x00\x00"))),
           nothing, {"icmp.drop_short": 1})
    s.case("icmp-bad-checksum", bytes(lab.eth(s.ip() / ICMP(type=8, chksum=0x1234)
                                              / Raw(b"abc"))), nothing,
           {"icmp.drop_bad_checksum": 1})
    s.case("icmp-echo-to-broadcast-rfc1122-3.2.2.6",
           bytes(lab.eth(s.echo(dst="10.0.0.255"), dst=BCAST_MAC)), nothing,
           {"icmp.drop_broadcast_echo": 1})
    # An error that quotes nothing usable: counted, never answered
    # (RFC 1122 3.2.2: no error about an error).
    s.case("icmp-unreachable-quoting-2-bytes", bytes(lab.eth(s.ip() / ICMP(type=3, code=3)
                                                             / Raw(b"\x45\x00"))), nothing, {})
    s.case("icmp-largest-echo-1472-answered",
           bytes(lab.eth(s.ip() / ICMP(type=8, id=1, seq=1) / Raw(b"L" * 1472))),
           one(lambda f: is_echo_reply(f) and len(f[ICMP].payload) == 1472), {})


def udp_cases(s):
    lab = s.lab
    s.case("udp-truncated-4-bytes", bytes(lab.eth(s.ip(proto=17) / Raw(b"\x12\x34\x00\x07"))),
           nothing, {"udp.drop_short": 1})
    s.case("udp-length-past-datagram", bytes(lab.eth(s.ip() / UDP(sport=5000, dport=ECHO_PORT,
                                                                 len=100) / Raw(b"hi"))),
           nothing, {"udp.drop_bad_length": 1})
    s.case("udp-length-below-8", bytes(lab.eth(s.ip() / UDP(sport=5000, dport=ECHO_PORT, len=4)
                                               / Raw(b"hi"))), nothing,
           {"udp.drop_bad_length": 1})
    s.case("udp-bad-checksum", bytes(lab.eth(s.ip() / UDP(sport=5000, dport=ECHO_PORT,
                                                         chksum=0x1234) / Raw(b"hi"))),
           nothing, {"udp.drop_bad_checksum": 1})
    s.case("udp-echo-answered", bytes(lab.eth(s.ip() / UDP(sport=5000, dport=ECHO_PORT)
                                              / Raw(b"hello"))),
           one(lambda f: UDP in f and bytes(f[UDP].payload) == b"hello"), {})
    s.case("udp-closed-port-rfc1122-4.1.3.1", bytes(lab.eth(s.ip() / UDP(sport=5000,
                                                                        dport=CLOSED_PORT))),
           one(is_icmp(3, 3)), {"udp.no_port": 1})
    s.case("udp-closed-port-to-broadcast-no-error-rfc1122-3.2.2",
           bytes(lab.eth(s.ip(dst="10.0.0.255") / UDP(sport=5000, dport=CLOSED_PORT),
                         dst=BCAST_MAC)), nothing,
           {"udp.no_port": 1, "icmp.error_suppressed": 1})


# ---- TCP ------------------------------------------------------------------------------

def tcp_seg(s, sport, dport, flags, seq=1000, ack=0, payload=b"", **kw):
    window = kw.pop("window", 8192)
    src = kw.pop("src", FAKE_IP)
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=window, **kw)
    pkt = s.ip(src=src) / t
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(s.lab.eth(pkt))


def tcp_header_cases(s):
    lab = s.lab
    syn = tcp_seg(s, 4000, ECHO_PORT, "S")
    ip_part = syn[14:34]
    tcp_part = syn[34:]
    s.case("tcp-truncated-12-bytes", bytes(lab.eth(s.ip(proto=6) / Raw(tcp_part[:12]))), nothing,
           {"tcp.drop_short": 1})
    s.case("tcp-data-offset-4", bytes(lab.eth(s.ip() / TCP(sport=4001, dport=ECHO_PORT, flags="S",
                                                          dataofs=4))), nothing,
           {"tcp.drop_bad_offset": 1})
    s.case("tcp-data-offset-15-past-segment",
           bytes(lab.eth(s.ip() / TCP(sport=4002, dport=ECHO_PORT, flags="S", dataofs=15))),
           nothing, {"tcp.drop_bad_offset": 1})
    s.case("tcp-bad-checksum", bytes(lab.eth(s.ip() / TCP(sport=4003, dport=ECHO_PORT, flags="S",
                                                         chksum=0x1234))), nothing,
           {"tcp.drop_bad_checksum": 1})
    del ip_part
    # RFC 9293 3.1: every option but EOL and NOP has a length byte
    # counting kind and length; a length that lies is no segment of ours.
    bad_opts = {
        "length-0": b"\x02\x00\x05\xb4",
        "length-1": b"\x08\x01\x00\x00",
        "length-past-header": b"\x08\x20\x00\x00",
        "kind-without-length": b"\x01\x01\x01\x02",
        "mss-length-3": b"\x02\x03\x05\x01",
        "mss-length-5": b"\x02\x05\x05\xb4\x00\x00\x00\x00",
        "wscale-length-4": b"\x03\x04\x07\x00",
        "timestamps-length-9": b"\x08\x09" + b"\0" * 7 + b"\0" * 3,
        "sack-permitted-length-3": b"\x04\x03\x00\x00",
        "sack-length-9": b"\x05\x09" + b"\0" * 7 + b"\0" * 3,
        "sack-length-2": b"\x05\x02\x00\x00",
    }
    for n, (name, opt) in enumerate(bad_opts.items()):
        t = TCP(sport=4100 + n, dport=ECHO_PORT, flags="S", seq=1, window=8192,
                options=[]) / Raw(b"")
        raw = bytearray(bytes(t))
        raw = raw[:20] + bytearray(opt)
        raw[12] = (len(raw) // 4) << 4
        s.case(f"tcp-option-{name}-rfc9293-3.1", bytes(lab.eth(s.ip(proto=6) / Raw(fix_tcp_csum(
            bytes(raw))))), nothing, {"tcp.drop_bad_options": 1})
    # Unknown options of sane length are skipped: the SYN is answered.
    t = TCP(sport=4200, dport=ECHO_PORT, flags="S", seq=1, window=8192)
    raw = bytearray(bytes(t))[:20] + bytearray(b"\xfd\x06abcd\x01\x00")
    raw[12] = (len(raw) // 4) << 4
    s.case("tcp-options-40-bytes-largest-header-answered", bytes(lab.eth(s.ip(proto=6) / Raw(
        fix_tcp_csum(bytes(TCP(sport=4201, dport=ECHO_PORT, flags="S", seq=1, window=8192,
                               options=[("NOP", None)] * 36 + [("MSS", 1400)])))))),
        one(lambda f: TCP in f and f[TCP].flags == "SA"), {})
    lab.send(tcp_seg(s, 4201, ECHO_PORT, "R", seq=2), 0.1)
    s.case("tcp-option-unknown-kind-skipped", bytes(lab.eth(s.ip(proto=6) / Raw(fix_tcp_csum(
        bytes(raw))))), one(lambda f: TCP in f and f[TCP].flags == "SA"), {})
    lab.send(tcp_seg(s, 4200, ECHO_PORT, "R", seq=2), 0.1)  # drop the half-open child


def fix_tcp_csum(seg, src=FAKE_IP, dst=GLASS_IP):
    seg = bytearray(seg)
    seg[16:18] = b"\0\0"
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(seg))
    data = pseudo + bytes(seg)
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    seg[16:18] = struct.pack("!H", ~total & 0xFFFF)
    return bytes(seg)


def tcp_flag_cases(s):
    lab = s.lab
    # RFC 9293 3.10.7.2 LISTEN: a RST is ignored first; then a SYN with
    # a FIN, or a segment with neither SYN nor ACK, is no opening: drop.
    # 3.10.7.1 CLOSED: "An incoming segment not containing a RST causes a
    # RST to be sent in response" -- whatever else it carries (Linux too).
    combos = [("SYN+FIN", "SF", 2), ("SYN+RST", "SR", 0), ("no-flags", "", 0),
              ("SYN+FIN+PSH+URG", "SFPU", 2)]
    for n, (name, flags, synfin) in enumerate(combos):
        rst = "R" in flags
        s.case(f"tcp-{name}-to-listener", tcp_seg(s, 4301 + n, ECHO_PORT, flags), nothing,
               {} if rst else {"tcp.drop_bad_flags": 1})
        s.case(f"tcp-{name}-to-closed-port", tcp_seg(s, 4311 + n, CLOSED_PORT, flags, seq=1000),
               nothing if rst else one(lambda f, a=1000 + synfin: is_rst(f) and f[TCP].ack == a),
               {} if rst else {"tcp.no_port": 1})
    # 3.10.7.2 LISTEN: a RST is ignored, an ACK earns <SEQ=SEG.ACK><CTL=RST>,
    # "any other control or text-bearing segment" without SYN or ACK is dropped.
    s.case("tcp-FIN-only-to-listener-rfc9293-3.10.7.2", tcp_seg(s, 4350, ECHO_PORT, "F"), nothing,
           {"tcp.drop_bad_flags": 1})
    s.case("tcp-xmas-to-listener-rst-ignored", tcp_seg(s, 4351, ECHO_PORT, "FSRPAU"), nothing, {})
    s.case("tcp-xmas-to-closed-port-rst-ignored", tcp_seg(s, 4351, CLOSED_PORT, "FSRPAU"), nothing,
           {})
    s.case("tcp-ACK-to-listener-rfc9293-3.10.7.2", tcp_seg(s, 4352, ECHO_PORT, "A", ack=77777),
           one(lambda f: is_rst(f) and f[TCP].seq == 77777), {"tcp.no_port": 1})
    s.case("tcp-RST-to-listener-ignored", tcp_seg(s, 4353, ECHO_PORT, "R"), nothing, {})
    # 3.10.7.1 CLOSED: no RST for a RST; anything else earns one.
    s.case("tcp-SYN-to-closed-port-rfc9293-3.10.7.1", tcp_seg(s, 4354, CLOSED_PORT, "S", seq=500),
           one(lambda f: is_rst(f) and f[TCP].ack == 501), {"tcp.no_port": 1})
    s.case("tcp-FIN-to-closed-port", tcp_seg(s, 4355, CLOSED_PORT, "F", seq=600),
           one(lambda f: is_rst(f) and f[TCP].ack == 601), {"tcp.no_port": 1})
    s.case("tcp-RST-to-closed-port-ignored", tcp_seg(s, 4356, CLOSED_PORT, "R"), nothing, {})
    # LAND: a SYN from our own address and port to ourselves.
    s.case("tcp-land-syn-src-equals-dst", bytes(lab.eth(s.ip(src=GLASS_IP) / TCP(
        sport=ECHO_PORT, dport=ECHO_PORT, flags="S", seq=1))), nothing,
        {"ipv4.drop_bad_source": 1})
    s.case("tcp-syn-to-broadcast", bytes(lab.eth(s.ip(dst="10.0.0.255") / TCP(
        sport=4357, dport=ECHO_PORT, flags="S", seq=1), dst=BCAST_MAC)), nothing,
        {"tcp.drop_not_unicast": 1})


class Conn:
    """A TCP connection from the fake neighbour to glass-echo, by hand."""

    def __init__(self, s, sport, window=65535):
        self.s = s
        self.sport = sport
        self.snd_nxt = 100000
        self.window = window
        self.rcv_nxt = 0
        synack = s.lab.send(self.seg("S", seq=self.snd_nxt, options=[("MSS", 1460)]), 2.0,
                            until=lambda fr: any(TCP in f and f[TCP].flags == "SA" for f in fr))
        synack = [f for f in synack if TCP in f and f[TCP].flags == "SA"]
        if not synack:
            raise RuntimeError(f"no SYN-ACK from glass for port {sport}")
        self.snd_nxt += 1
        self.iss = synack[0][TCP].seq
        self.rcv_nxt = self.iss + 1
        s.lab.send(self.seg("A"), 0.1)

    def seg(self, flags, seq=None, ack=None, payload=b"", window=None, **kw):
        return tcp_seg(self.s, self.sport, ECHO_PORT, flags,
                       seq=(self.snd_nxt if seq is None else seq) & 0xFFFFFFFF,
                       ack=(self.rcv_nxt if ack is None else ack) & 0xFFFFFFFF, payload=payload,
                       window=self.window if window is None else window, **kw)

    def exchange(self, frames, want, seconds=3.0, window=None):
        """Send frames, then read glass's text until `want` bytes came,
        ACKing as it arrives (as a real receiver would: glass's Nagle
        holds a small segment until the one before is acknowledged)."""
        lab = self.s.lab
        got = lab.send(frames, 0.05)
        text = self.data_from(got)
        if text:
            lab.sock.send(self.seg("A", window=window))
        deadline = time.monotonic() + seconds
        while len(text) < want and time.monotonic() < deadline:
            more = self.data_from(lab.collect(deadline - time.monotonic(), until=lambda fr: True))
            if more:
                text += more
                lab.sock.send(self.seg("A", window=window))
        return text

    def data_from(self, frames):
        """Glass's text in these frames, in order from rcv_nxt (first copy
        of each byte wins); rcv_nxt advances past it."""
        got = {}
        for f in frames:
            if TCP in f and len(f[TCP].payload):
                off = (f[TCP].seq - self.rcv_nxt) & 0xFFFFFFFF
                for i, b in enumerate(bytes(f[TCP].payload)):
                    got.setdefault(off + i, b)
        out = bytearray()
        while len(out) in got:
            out.append(got[len(out)])
        self.rcv_nxt = (self.rcv_nxt + len(out)) & 0xFFFFFFFF
        return bytes(out)


def tcp_established_cases(s):
    lab = s.lab
    c = Conn(s, 20000 + os.getpid() % 20000)
    # RFC 5961 3.2: an out-of-window RST is dropped silently; one in the
    # window but not at RCV.NXT earns a challenge ACK; only RCV.NXT resets.
    s.case("tcp-rst-out-of-window-rfc5961-3.2", c.seg("R", seq=c.snd_nxt + 1000000), nothing,
           {"tcp.rst_ignored": 1})
    s.case("tcp-rst-in-window-challenge-ack-rfc5961-3.2", c.seg("R", seq=c.snd_nxt + 1000),
           one(is_pure_ack(c.snd_nxt)), {"tcp.challenge_acks": 1})
    # RFC 5961 4.2: a SYN on a synchronized connection, any sequence number.
    s.case("tcp-syn-in-window-challenge-ack-rfc5961-4.2", c.seg("S", seq=c.snd_nxt + 10),
           one(is_pure_ack(c.snd_nxt)), {"tcp.challenge_acks": 1})
    s.case("tcp-syn-out-of-window-challenge-ack-rfc5961-4.2", c.seg("S", seq=c.snd_nxt - 5000000),
           one(is_pure_ack(c.snd_nxt)), {"tcp.challenge_acks": 1})
    # RFC 5961 5.2: an ACK older than SND.UNA - MAX.SND.WND.
    s.case("tcp-ack-too-old-challenge-ack-rfc5961-5.2",
           c.seg("A", ack=(c.rcv_nxt - 200000) & 0xFFFFFFFF, payload=b"x"), one(is_pure_ack(c.snd_nxt)),
           {"tcp.challenge_acks": 1})
    # RFC 9293 3.10.7.4: an ACK for data not yet sent: ACK, drop (the
    # byte it carries is not taken).
    s.case("tcp-ack-for-unsent-data-rfc9293-3.10.7.4",
           c.seg("A", ack=(c.rcv_nxt + 5000) & 0xFFFFFFFF, payload=b"u"),
           one(is_pure_ack(c.snd_nxt)), {"tcp.ack_unsent": 1})
    # Data outside the window: ACK (not rate limited: data), not delivered.
    s.case("tcp-data-out-of-window-acked-not-taken",
           c.seg("PA", seq=c.snd_nxt + 3000000, payload=b"evil"), one(is_pure_ack(c.snd_nxt)),
           {"tcp.out_of_window": 1})

    # Overlapping and contradictory retransmissions.  Out-of-order bytes
    # already held are never overwritten by a later copy (first copy
    # wins); glass-echo sends back exactly what the application read.
    base = c.snd_nxt
    frames = [c.seg("PA", seq=base + 4, payload=b"EEEE"),      # out of order
              c.seg("PA", seq=base + 4, payload=b"FFFF"),      # contradicts it
              c.seg("PA", seq=base + 6, payload=b"GGGGHH"),    # overlaps its end
              c.seg("PA", seq=base, payload=b"ABCD")]          # fills the hole
    c.snd_nxt = base + 12
    text = c.exchange(frames, 12)
    s.result("tcp-contradictory-out-of-order-copies-first-copy-wins", text == b"ABCDEEEEGGHH",
             f"echoed {text!r}, want b'ABCDEEEEGGHH'")
    # An in-order segment that covers queued out-of-order bytes is taken
    # whole and the queued copy dropped, as Linux does (tcp_ofo_queue drops
    # what RCV.NXT passed): the application sees one consistent stream.
    base = c.snd_nxt
    frames = [c.seg("PA", seq=base + 4, payload=b"EEEE"),
              c.seg("PA", seq=base, payload=b"ABCDXXXXXX"),
              c.seg("PA", seq=base + 10, payload=b"HH")]
    c.snd_nxt = base + 12
    text = c.exchange(frames, 12)
    s.result("tcp-in-order-segment-supersedes-queued-out-of-order-copy", text == b"ABCDXXXXXXHH",
             f"echoed {text!r}, want b'ABCDXXXXXXHH'")

    # In-order overlap: the new bytes of a longer retransmission are taken.
    before = lab.stats()
    base = c.snd_nxt
    frames = [c.seg("PA", seq=base, payload=b"hello"),
              c.seg("PA", seq=base, payload=b"HELLOworld")]
    c.snd_nxt = base + 10
    text = c.exchange(frames, 10)
    s.result("tcp-longer-retransmission-new-bytes-taken", text == b"helloworld",
             f"echoed {text!r}, want b'helloworld'")

    # Challenge ACKs are limited to challenge_ack_limit (1000) a second
    # for the whole stack (RFC 5961 7): 1500 in-window RSTs, sent in a
    # burst; every one is either answered or counted as limited, and the
    # ACKs seen on the wire are the ones counted.
    time.sleep(1.1)  # a fresh one-second window
    before = lab.stats()
    n = 1500
    rsts = [c.seg("R", seq=c.snd_nxt + 100 + i) for i in range(n)]
    lab.drain()
    acks = 0
    for i in range(0, n, 100):
        for f in rsts[i:i + 100]:
            lab.sock.send(f)
        acks += sum(1 for f in lab.collect(0.01) if is_pure_ack()(f))
    acks += sum(1 for f in lab.collect(0.5) if is_pure_ack()(f))
    after = lab.wait_quiet()
    d = {k: after[k] - before.get(k, 0) for k in ("tcp.rx", "tcp.challenge_acks",
                                                  "tcp.challenge_limited")}
    ok = (d["tcp.challenge_acks"] + d["tcp.challenge_limited"] == d["tcp.rx"]
          and acks == d["tcp.challenge_acks"] and d["tcp.challenge_acks"] <= 1000
          and d["tcp.challenge_limited"] >= d["tcp.rx"] - 1000 and d["tcp.challenge_limited"] > 0)
    s.result("tcp-challenge-ack-rate-limit-1500-rsts-rfc5961-7", ok,
             f"sent {n}, glass read {d['tcp.rx']}, challenge ACKs seen {acks}, counted "
             f"{d['tcp.challenge_acks']}, limited {d['tcp.challenge_limited']}")

    # Unacceptable pure ACKs (a blind attacker's, or an ACK war): one
    # answer per 500 ms per connection (Linux tcp_invalid_ratelimit).
    time.sleep(0.6)
    before = lab.stats()
    n = 200
    junk = [c.seg("A", seq=c.snd_nxt + 2000000 + i) for i in range(n)]
    got = lab.send(junk, 0.3)
    after = lab.wait_quiet()
    oow = after["tcp.out_of_window"] - before["tcp.out_of_window"]
    lim = after["tcp.oow_acks_limited"] - before["tcp.oow_acks_limited"]
    answers = sum(1 for f in got if is_pure_ack()(f))
    ok = oow == after["tcp.rx"] - before["tcp.rx"] and answers == oow - lim and answers >= 1 \
        and lim >= 1 and answers <= 5
    s.result("tcp-out-of-window-acks-rate-limited-200", ok,
             f"glass read {oow}, answered {answers}, limited {lim}")

    # Zero window for ever (RFC 9293 3.8.6.1): glass-echo has 100 bytes
    # to send back but we offer no window.  It must not send them; it
    # probes (persist timer, backing off) and never gives up; once the
    # window opens, the bytes come.
    time.sleep(0.6)
    before = lab.stats()
    payload = bytes(range(100))
    got = lab.send(c.seg("PA", payload=payload, window=0), 0.3)
    c.snd_nxt += len(payload)
    probes = 0
    leaked = 0
    deadline = time.monotonic() + 4.0
    while time.monotonic() < deadline:
        for f in lab.collect(deadline - time.monotonic(), until=lambda fr: True):
            if TCP in f and len(f[TCP].payload):
                if len(f[TCP].payload) > 1:
                    leaked += 1
                probes += 1
                lab.sock.send(c.seg("A", window=0))  # a real receiver: still zero
    after = lab.stats()
    persist = after["tcp.persist_probes"] - before["tcp.persist_probes"]
    text = c.exchange([c.seg("A", window=65535)], 100)
    ok = leaked == 0 and probes >= 1 and persist >= 1 and text == payload
    s.result("tcp-zero-window-persist-rfc9293-3.8.6.1", ok,
             f"in 4 s: {probes} probes of 1 byte ({persist} counted), {leaked} bigger segments; "
             f"window opened: {len(text)} of 100 bytes back{' intact' if text == payload else ''}")
    lab.send(c.seg("A"), 0.1)

    # Done: a RST exactly at RCV.NXT resets (RFC 5961 3.2).
    s.case("tcp-rst-at-rcv-nxt-resets", c.seg("R", seq=c.snd_nxt), nothing,
           {"tcp.rst_rcvd": 1, "tcp.conn_reset": 1})


def data_from_peek(self, frames):
    saved = self.rcv_nxt
    out = self.data_from(frames)
    self.rcv_nxt = saved
    return out


Conn.data_from_peek = data_from_peek


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    lab = Lab(*sys.argv[1:5])
    s = Suite(lab)
    # Introduce the fake neighbour: glass learns it from a request for us.
    r = lab.send(bytes(lab.eth(ARP(op=1, hwsrc=FAKE_MAC, psrc=FAKE_IP, pdst=GLASS_IP),
                               dst=BCAST_MAC)), 1.0)
    if not any(ARP in f and f[ARP].op == 2 for f in r):
        print("FAIL glass did not answer the fake neighbour's ARP request", flush=True)
        return 1
    only = os.environ.get("ATTACK_ONLY", "")
    groups = [ethernet_cases, arp_cases, ipv4_cases, icmp_cases, udp_cases, tcp_header_cases,
              tcp_flag_cases, tcp_established_cases]
    for g in groups:
        if only and only not in g.__name__:
            continue
        try:
            g(s)
        except Exception as e:  # a broken bench is a failure, not a crash
            s.result(g.__name__, False, f"aborted: {type(e).__name__}: {e}")
    print(f"attack: {s.passed} passed, {s.failed} failed ({s.passed + s.failed} cases)",
          flush=True)
    return 0 if s.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
