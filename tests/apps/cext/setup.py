"""cext: fixture app with a C extension for the vdist end-to-end tests.

The extension cext_demo._zcheck links zlib (libraries=["z"]), so building
it needs a C compiler, the Python headers and zlib's headers, and running
it needs the zlib shared library:

    build deps, Debian: gcc python3-dev zlib1g-dev   RPM: gcc python3-devel zlib-devel
    runtime,    Debian: zlib1g                       RPM: zlib

Console script: cext-demo, which checks the extension against Python's own
zlib module and prints the result.
"""
from setuptools import Extension, setup

setup(
    name="cext-demo",
    version="1.0.0",
    description="Calls a zlib-linked C extension (vdist test fixture)",
    license="MIT",
    packages=["cext_demo"],
    python_requires=">=3.7",
    ext_modules=[
        Extension(
            "cext_demo._zcheck",
            sources=["src/zcheck.c"],
            libraries=["z"],
        )
    ],
    entry_points={"console_scripts": ["cext-demo = cext_demo.cli:main"]},
)
