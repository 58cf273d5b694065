"""Command line of cext-demo: cext-demo [TEXT].

Runs the C extension on TEXT (default: "vdist"), checks its answers
against Python's own zlib module and prints them. Exits 1 on a mismatch.
"""

import sys
import zlib

from cext_demo import _zcheck


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text = argv[0] if argv else "vdist"
    data = text.encode("utf-8")
    crc = _zcheck.crc32(data)
    size, same = _zcheck.roundtrip(data * 64)
    if crc != zlib.crc32(data) or not same:
        print("cext-demo: MISMATCH crc32={:#010x} expected={:#010x} roundtrip={}".format(
            crc, zlib.crc32(data), same), file=sys.stderr)
        return 1
    print("cext-demo: crc32({!r})={:#010x} roundtrip ok ({} -> {} bytes) zlib {}".format(
        text, crc, len(data) * 64, size, _zcheck.zlib_version()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
