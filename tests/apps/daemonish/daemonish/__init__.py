"""daemonish: reports what the package's after_install script set up.

Prints one line per check and exits 0 when the system user "daemonish"
exists and /var/lib/daemonish/installed is there, 1 otherwise.
"""

import pwd
import sys

__version__ = "1.0.0"

USER = "daemonish"
MARKER = "/var/lib/daemonish/installed"


def main(argv=None):
    ok = True
    try:
        entry = pwd.getpwnam(USER)
        print("daemonish: user {} uid {}".format(USER, entry.pw_uid))
    except KeyError:
        print("daemonish: user {} missing".format(USER))
        ok = False
    try:
        with open(MARKER, encoding="utf-8") as f:
            print("daemonish: {}: {}".format(MARKER, f.read().strip()))
    except OSError as e:
        print("daemonish: {}: {}".format(MARKER, e.strerror))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
