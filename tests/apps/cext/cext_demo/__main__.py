"""python -m cext_demo: same as the cext-demo console script."""

import sys

from cext_demo.cli import main

sys.exit(main())
