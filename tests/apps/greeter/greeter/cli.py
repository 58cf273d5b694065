"""Command line of greeter: greeter [--name NAME] [--version]."""

import argparse
import sys

import greetlib

from greeter import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(prog="greeter", description="Print a greeting.")
    parser.add_argument("--name", default="world", help="who to greet (default: world)")
    parser.add_argument("--version", action="store_true", help="print versions and exit")
    args = parser.parse_args(argv)
    if args.version:
        print("greeter {} (greetlib {})".format(__version__, greetlib.__version__))
        return 0
    print("greeter: {}".format(greetlib.greet(args.name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
