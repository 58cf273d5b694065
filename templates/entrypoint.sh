#!/bin/sh
# vdist runtime: the entrypoint of the release image (make release).
# Activates the venv, then runs the command it was given.
set -e
# shellcheck disable=SC1091
. "${APPENV:-/appenv}/bin/activate"
exec "$@"
