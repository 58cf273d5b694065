"""service-demo: vdist test fixture app that runs as a systemd service.

The console script service-demo serves HTTP on 127.0.0.1, on the port of
its config file (--config, default /etc/service-demo/service-demo.conf):

    GET /version   the installed distribution's version
    GET /          the greeting from the config file

On start it writes its version to /var/lib/service-demo/started, which
shows that the state folder is writable by the service's user.
pkg/service-demo.service is its systemd unit (User=service-demo) and
pkg/service-demo.conf its default config. Standard library only.
"""
from setuptools import setup

setup(
    name="service-demo",
    version="1.0.0",
    description="A tiny HTTP service run by systemd (vdist test fixture)",
    license="MIT",
    packages=["service_demo"],
    python_requires=">=3.9",
    entry_points={"console_scripts": ["service-demo = service_demo.server:main"]},
)
