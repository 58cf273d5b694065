"""python -m greeter: same as the greeter console script."""

import sys

from greeter.cli import main

sys.exit(main())
