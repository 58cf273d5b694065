"""daemonish: vdist test fixture app with install and remove scripts.

pkg/after_install.sh creates the system user "daemonish" and writes
/var/lib/daemonish/installed; pkg/before_remove.sh removes that file.
The console script daemonish reports whether both are in place.
"""
from setuptools import setup

setup(
    name="daemonish",
    version="1.0.0",
    description="Checks what its package scripts set up (vdist test fixture)",
    license="MIT",
    packages=["daemonish"],
    python_requires=">=3.7",
    entry_points={"console_scripts": ["daemonish = daemonish:main"]},
)
