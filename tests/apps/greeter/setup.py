"""greeter: pure-Python fixture app for the vdist end-to-end tests.

It has a console script, greeter, and one dependency, greetlib, which is
only available as a wheel in the test wheelhouse (tests/apps/libs/greetlib),
an extra "test" that needs extralib, and a manage.py script for make manage.
"""
from setuptools import setup

setup(
    name="greeter",
    version="1.0.0",
    description="Prints a greeting (vdist test fixture)",
    license="MIT",
    packages=["greeter"],
    python_requires=">=3.7",
    install_requires=["greetlib>=1.0"],
    extras_require={"test": ["extralib"]},
    scripts=["manage.py"],
    entry_points={"console_scripts": ["greeter = greeter.cli:main"]},
)
