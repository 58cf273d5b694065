"""inventory: the benchmark's fixture service (bench/incremental).

A small Flask app with the dependencies a real one has: Flask and what it
pulls in (Werkzeug, Jinja2, MarkupSafe with its C extension, itsdangerous,
click) and blinker from requirements.txt. bench/incremental builds it with
vdist and with dh-virtualenv from the same local wheelhouse.
"""
from setuptools import setup

setup(
    name="inventory",
    version="1.0",
    description="Keeps a small stock list over HTTP (vdist benchmark fixture)",
    license="MIT",
    packages=["inventory"],
    python_requires=">=3.7",
    install_requires=["flask>=2.2", "markupsafe>=2.1"],
    entry_points={"console_scripts": ["inventory = inventory.cli:main"]},
)
