#!/usr/bin/env python3
# setup.py is read, never run: only keywords given as string literals count
import os
from setuptools import setup, find_packages

here = os.path.dirname(__file__)

setup(
    name='legacy-tool',
    version=open(os.path.join(here, 'VERSION')).read().strip(),
    description=("Converts legacy files "
                 'into modern ones'),  # implicit concatenation
    license="GPL-3.0-or-later",
    url=r'https://example.com/legacy-tool',
    author='C\xe9 Example', author_email="ce@example.com",
    packages=find_packages(exclude=["tests"]),
    entry_points={"console_scripts": ["legacy = legacy_tool:main"]},
    long_description="""A "tool"
with a \\ backslash, a \N{BULLET} and a (parenthesis""",
)
