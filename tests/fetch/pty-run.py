#!/usr/bin/env python3
"""Run a command on a pseudo-terminal, for tests/fetch.test's progress bar case.

usage: pty-run.py CMD [ARGS...]

The command's stdin, stdout and stderr are the terminal; everything it
writes there is copied raw to our stdout, and we exit with its status.
"""
import os
import pty
import sys


def main():
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    out = bytearray()
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.exit(os.waitstatus_to_exitcode(status) % 256)


if __name__ == "__main__":
    main()
