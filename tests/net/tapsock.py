"""The kernel's end of glass's tap as a raw AF_PACKET socket: what the
frame-crafting net tests (inject.py, attack.py) share.  Imported from the
scripts' own directory (python puts it first on sys.path)."""
import socket
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


class TapSocket:
    def __init__(self, iface, rcvbuf=None):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((iface, ETH_P_ALL))
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)

    def drain(self):
        """Forget every frame already queued."""
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(65536)
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)

    def frames_from(self, src_mac, seconds, skip=None, until=None):
        """Frames from src_mac (raw bytes) within `seconds`, leaving out the
        ones skip(frame) is true for; stop early once until(list) is true.
        until() sees what the caller gets (after convert(frame))."""
        got = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            self.sock.settimeout(left)
            try:
                frame, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                return got
            if addr[2] == PACKET_OUTGOING or frame[6:12] != src_mac:
                continue
            if skip and skip(frame):
                continue
            got.append(frame)
            if until and until(got):
                return got
