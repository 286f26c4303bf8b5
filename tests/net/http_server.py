#!/usr/bin/env python3
"""tests/net/http_server.py ADDR PORT FILE - a small HTTP/1.1 server on the
Linux side for glass-get's tests: the things python3 -m http.server does
not do.

  /chunked        FILE's bytes in the chunked coding (RFC 9112 7.1): chunks
                  of varied sizes (1 byte to 64 KiB), a chunk extension on
                  some, a trailer field at the end
  /length         FILE's bytes with a Content-Length
  /close          FILE's bytes, delimited by closing the connection
  /redirect       302, Location: /chunked (a path)
  /redirect-abs   301, Location: http://ADDR:PORT/redirect-rel/x (absolute)
  /redirect-rel/x 307, Location: ../chunked?from=rel (relative, with dots)
  /loop           302, Location: /loop (forever)
  /slow           sends nothing for 60 s (a client's timeout)
  /short          promises len(FILE) bytes, sends half, closes
  /bad-chunked    a chunk size that is not hex
  anything else   404

Threads, so /slow does not hold up the others.  One line per request on
stderr.
"""
import http.server
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    data = b""

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))

    def redirect(self, code, location):
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def body(self, data, length=True):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length:
            self.send_header("Content-Length", str(len(data)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def chunked(self, data):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sizes = [1, 2, 7, 100, 4096, 65536, 1000, 33333]
        off, i = 0, 0
        while off < len(data):
            n = min(sizes[i % len(sizes)], len(data) - off)
            ext = ";name=value" if i % 3 == 0 else ""
            self.wfile.write(b"%x%s\r\n" % (n, ext.encode()) + data[off:off + n] + b"\r\n")
            off += n
            i += 1
        self.wfile.write(b"0\r\nX-Checksum: none\r\n\r\n")

    def do_GET(self):
        host = self.server.server_address
        path = self.path
        if path == "/chunked" or path.startswith("/chunked?"):
            self.chunked(self.data)
        elif path == "/length":
            self.body(self.data)
        elif path == "/close":
            self.body(self.data, length=False)
        elif path == "/redirect":
            self.redirect(302, "/chunked")
        elif path == "/redirect-abs":
            self.redirect(301, "http://%s:%d/redirect-rel/x" % host)
        elif path == "/redirect-rel/x":
            self.redirect(307, "../chunked?from=rel")
        elif path == "/loop":
            self.redirect(302, "/loop")
        elif path == "/slow":
            time.sleep(60)
        elif path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.data)))
            self.end_headers()
            self.wfile.write(self.data[: len(self.data) // 2])
            self.close_connection = True
        elif path == "/bad-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nhello\r\nzz\r\n")
            self.close_connection = True
        else:
            self.send_error(404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "rb") as f:
        Handler.data = f.read()
    with Server((addr, port), Handler) as srv:
        sys.stderr.write("listening on %s:%d\n" % (addr, port))
        sys.stderr.flush()
        srv.serve_forever()


if __name__ == "__main__":
    main()
