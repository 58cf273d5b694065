"""service-demo's server: GET /version and GET / on 127.0.0.1:PORT.

The config file is INI:

    [server]
    port = 8089
    greeting = hello
    # optional, where the "started" marker goes
    state_dir = /var/lib/service-demo
"""

import argparse
import configparser
import http.server
import importlib.metadata
import os
import signal
import sys

from . import DIST

DEFAULT_CONFIG = "/etc/service-demo/service-demo.conf"
DEFAULT_STATE_DIR = "/var/lib/service-demo"


def load_config(path):
    """The [server] section of PATH; exits with a message when unusable."""
    parser = configparser.ConfigParser()
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
        section = parser["server"]
        return {
            "port": section.getint("port", 8089),
            "greeting": section.get("greeting", "hello"),
            "state_dir": section.get("state_dir", DEFAULT_STATE_DIR),
        }
    except (OSError, KeyError, ValueError, configparser.Error) as e:
        sys.exit("service-demo: bad config {}: {}".format(path, e))


def write_marker(state_dir, version):
    """Record the start in STATE_DIR/started (write, then rename)."""
    path = os.path.join(state_dir, "started")
    tmp = "{}.{}".format(path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(version + "\n")
    os.replace(tmp, path)


def make_handler(version, greeting):
    """A request handler class answering /version and /."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/version":
                self.answer(200, version)
            elif self.path == "/":
                self.answer(200, greeting)
            else:
                self.answer(404, "not found")

        def answer(self, status, text):
            body = (text + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main(argv=None):
    args = argparse.ArgumentParser(prog="service-demo")
    args.add_argument("--config", default=DEFAULT_CONFIG, help="INI config file")
    opts = args.parse_args(argv)
    config = load_config(opts.config)
    version = importlib.metadata.version(DIST)

    server = http.server.HTTPServer(
        ("127.0.0.1", config["port"]), make_handler(version, config["greeting"])
    )
    write_marker(config["state_dir"], version)
    # systemctl stop sends SIGTERM: leave serve_forever and exit 0
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print("service-demo {} listening on 127.0.0.1:{}".format(version, config["port"]),
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
