"""reqonly_main: entry module of the reqonly fixture app (no setup.py).

Run as "python -m reqonly_main [NAME]" from the app folder, or as
"python reqonly_main.py [NAME]". Needs greetlib (see requirements.txt) and
the sibling module reqonly_text, so it only works when the whole source
tree was shipped and the requirements were installed.
"""

import sys

import greetlib

import reqonly_text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    name = argv[0] if argv else "world"
    print(reqonly_text.banner(greetlib.greet(name), greetlib.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())
