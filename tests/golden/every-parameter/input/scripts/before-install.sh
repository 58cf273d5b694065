#!/bin/sh
# before_install
getent passwd hello >/dev/null || useradd --system hello
