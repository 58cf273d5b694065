#!/usr/bin/env python3
"""HTTP server for tests/fetch.test, on 127.0.0.1 and a free port.

usage: server.py FIXTURES LOG

Prints "PORT BLACKHOLE" on stdout once it listens, then appends "GET /path"
to LOG for every request, before answering it. BLACKHOLE is a second port
whose accept queue is kept full, so connecting to it hangs until the client's
connect timeout (Linux drops SYNs to a full queue). Paths on PORT:

  /good.bin          FIXTURES/good.bin
  /truncated.bin     good.bin with a Content-Length 1000 bytes too big, then close
  /slow.bin          good.bin's headers and first 100 bytes, then nothing for 30 s
  /flaky/N/TAG       503 for the first N requests of each TAG, then good.bin
  /redirect/N        302 to /redirect/N-1; /redirect/0 is good.bin
  anything else      404
"""
import http.server
import os
import socket
import sys
import threading
import time

FIXTURES, LOG = sys.argv[1], sys.argv[2]
with open(os.path.join(FIXTURES, "good.bin"), "rb") as f:
    GOOD = f.read()
lock = threading.Lock()
flaky_seen = {}  # TAG -> requests so far


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers the paths in the module docstring."""

    def log_message(self, format, *args):
        """Keep the default access log off stderr; LOG has what the test needs."""

    def send_body(self, code, body, length=None):
        """Status, Content-Length (default: the body's) and the body."""
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        with lock, open(LOG, "a") as log:
            log.write("GET %s\n" % self.path)
        parts = self.path.strip("/").split("/")
        try:
            if self.path == "/good.bin":
                self.send_body(200, GOOD)
            elif self.path == "/truncated.bin":
                self.send_body(200, GOOD, len(GOOD) + 1000)
                self.close_connection = True
            elif self.path == "/slow.bin":
                self.send_body(200, GOOD[:100], len(GOOD))
                for _ in range(300):
                    time.sleep(0.1)
                self.close_connection = True
            elif len(parts) == 3 and parts[0] == "flaky" and parts[1].isdigit():
                with lock:
                    seen = flaky_seen.get(parts[2], 0)
                    flaky_seen[parts[2]] = seen + 1
                if seen < int(parts[1]):
                    self.send_body(503, b"busy, try again\n")
                else:
                    self.send_body(200, GOOD)
            elif len(parts) == 2 and parts[0] == "redirect" and parts[1].isdigit():
                n = int(parts[1])
                if n == 0:
                    self.send_body(200, GOOD)
                else:
                    self.send_response(302)
                    self.send_header("Location", "/redirect/%d" % (n - 1))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
            else:
                self.send_body(404, b"no such file\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as the timeout cases want


def blackhole():
    """A listening socket that never accepts, its queue filled by two connections."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    fillers = []
    for _ in range(2):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(sock.getsockname())
        except BlockingIOError:
            pass
        fillers.append(c)
    return sock, fillers


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hole, _fillers = blackhole()
    print(server.server_address[1], hole.getsockname()[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
