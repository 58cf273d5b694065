#!/usr/bin/env python3
"""A Django-style manage.py stand-in: prints the command it was given."""
import sys

print("manage:", " ".join(sys.argv[1:]) or "(no command)")
