"""broken: vdist test fixture whose setup.py does not even parse.

Building it must fail, and vdist must report the failure rather than ship
an empty package. The syntax error below is deliberate: do not fix it.
"""
from setuptools import setup

setup(
    name="broken",
    version="1.0.0",
    packages=["broken"]
    entry_points={"console_scripts": ["broken = broken:main"]},
)
