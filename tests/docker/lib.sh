# tests/docker/lib.sh: helpers for the Docker end-to-end test drivers.
# Source it after tests/setup:
#
#   . "${VDIST_SRCDIR:-$(dirname "$0")/../..}/tests/setup"
#   . "$VDIST_SRCDIR/tests/docker/lib.sh"
#
# docker_ready              0 if the Docker daemon answers (as root, runs
#                           docker/setup-host first when it does not)
# ensure_base_images        builds the offline images below unless present
# ensure_release_images SUITE...
#                           debian:SUITE for each Debian SUITE (bullseye,
#                           trixie...), as debian:bookworm is made below
# make_wheelhouse DIR       Debian's pip/setuptools/wheel wheels plus the
#                           fixture libraries (tests/apps/libs/*) as wheels
# host_python_venv DIR      a venv of the host's Debian Python, offline
# docker_offline ARGS...    docker run --rm --network none ARGS...
# commented CMD...          runs CMD, its output turned into TAP comments
#
# Images (no registry is reachable; all are built with docker/mkbase):
#   $VDIST_IMAGE_DEB  debian:bookworm: minbase + python3, python3-venv,
#                     ca-certificates. Named like the official image on
#                     purpose, so the built-in profile debian-bookworm works
#                     unchanged; also the bare system packages are tested in.
#   $VDIST_IMAGE_RPM  vdist-test/debian-rpm:bookworm: the same plus rpm, for
#                     a test-only profile that builds .rpm files in Debian.
# shellcheck shell=bash

VDIST_IMAGE_DEB=${VDIST_IMAGE_DEB:-debian:bookworm}
VDIST_IMAGE_RPM=${VDIST_IMAGE_RPM:-vdist-test/debian-rpm:bookworm}
VDIST_IMAGE_SUITE=${VDIST_IMAGE_SUITE:-bookworm}
VDIST_IMAGE_DEB_INCLUDE=python3,python3-venv,ca-certificates
VDIST_IMAGE_RPM_INCLUDE=$VDIST_IMAGE_DEB_INCLUDE,rpm
# The Debian Python that matches the images' (wheels built on the host with
# it install in the containers), not whatever python3 comes first in PATH.
VDIST_HOST_PYTHON=${VDIST_HOST_PYTHON:-/usr/bin/python3}
VDIST_SYSTEM_WHEELS=${VDIST_SYSTEM_WHEELS:-/usr/share/python-wheels}
VDIST_APPS=$VDIST_SRCDIR/tests/apps
export VDIST_IMAGE_DEB VDIST_IMAGE_RPM VDIST_HOST_PYTHON VDIST_APPS

# commented CMD...: run CMD with its stdout and stderr as "# " lines (so
# they stay out of the TAP stream); returns CMD's status.
commented() {
	(
		set -o pipefail
		"$@" 2>&1 | sed 's/^/# /'
	)
}

# docker_offline ARGS...: a throwaway container with no network at all.
docker_offline() {
	docker run --rm --network none "$@"
}

# docker_ready: 0 if the docker client is installed and its daemon answers.
# When not, and we are root (and VDIST_DOCKER_SETUP is not 0), runs
# docker/setup-host, which installs what is missing and starts dockerd.
# Otherwise says why on stderr and returns 1: callers fail, never skip.
docker_ready() {
	if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
		return 0
	fi
	if [ "$(id -u)" = 0 ] && [ "${VDIST_DOCKER_SETUP:-1}" != 0 ]; then
		echo "# docker not ready: running docker/setup-host"
		commented "$VDIST_SRCDIR/docker/setup-host" || true
		if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
			return 0
		fi
	fi
	if ! command -v docker >/dev/null 2>&1; then
		echo "docker_ready: docker is not installed; run docker/setup-host as root" >&2
	else
		echo "docker_ready: the Docker daemon does not answer (docker info failed); run docker/setup-host as root" >&2
		docker info 2>&1 | tail -n 3 | sed 's/^/docker_ready:   /' >&2 || true
	fi
	return 1
}

# _ensure_image NAME INCLUDE [SUITE]: build NAME from SUITE (default
# $VDIST_IMAGE_SUITE) with mkbase unless it exists with the same package
# list (an image of that name that mkbase did not make, such as the
# registry's debian:bookworm, lacks python3: rebuild it).
_ensure_image() {
	local name=$1 include=$2 suite=${3:-$VDIST_IMAGE_SUITE} have
	if have=$(docker image inspect -f '{{index .Config.Labels "org.vdist.bootstrap.include"}}' "$name" 2>/dev/null) &&
		[ "$have" != "$include" ]; then
		echo "ensure_base_images: $name has packages '$have', not '$include': rebuilding"
		"$VDIST_SRCDIR/docker/mkbase" "$name" "$suite" --include "$include" --force
	else
		"$VDIST_SRCDIR/docker/mkbase" "$name" "$suite" --include "$include"
	fi
}

# ensure_base_images: make sure the test images exist; mkbase prints one
# line per image (building, or skipping one already there). Output is TAP
# comments. Parallel drivers wait for each other on a lock.
ensure_base_images() {
	local lock=/tmp/vdist-images.lock
	commented _ensure_images_locked "$lock"
}
_ensure_images_locked() {
	(
		if command -v flock >/dev/null 2>&1; then
			flock 9 || exit 1
		fi
		_ensure_image "$VDIST_IMAGE_DEB" "$VDIST_IMAGE_DEB_INCLUDE" &&
			_ensure_image "$VDIST_IMAGE_RPM" "$VDIST_IMAGE_RPM_INCLUDE"
	) 9>"$1"
}

# ensure_release_images SUITE...: debian:SUITE for each SUITE, with the
# packages of $VDIST_IMAGE_DEB (named like the official images, so the
# built-in profiles debian-SUITE work unchanged, and the clean containers
# packages are installed in); under the same lock, output as TAP comments
ensure_release_images() {
	commented _ensure_release_images_locked /tmp/vdist-images.lock "$@"
}
_ensure_release_images_locked() {
	local lock=$1 suite
	shift
	(
		if command -v flock >/dev/null 2>&1; then
			flock 9 || exit 1
		fi
		for suite; do
			_ensure_image "debian:$suite" "$VDIST_IMAGE_DEB_INCLUDE" "$suite" || exit 1
		done
	) 9>"$lock"
}

# host_python_venv DIR: create a venv of $VDIST_HOST_PYTHON in DIR with pip,
# setuptools and wheel from Debian's wheels, without any index.
host_python_venv() {
	local dir=$1
	[ -x "$VDIST_HOST_PYTHON" ] || {
		echo "host_python_venv: $VDIST_HOST_PYTHON not found (install python3, python3-venv)" >&2
		return 1
	}
	"$VDIST_HOST_PYTHON" -m venv "$dir" || return 1
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install -q --no-index \
		--find-links "$VDIST_SYSTEM_WHEELS" setuptools wheel || return 1
}

# make_wheelhouse DIR: fill DIR (created if needed) with Debian's pip,
# setuptools and wheel wheels and a wheel of each fixture library under
# tests/apps/libs, built offline. Sources are copied first, so the source
# tree (possibly read-only) gets no build/ or *.egg-info.
make_wheelhouse() {
	local dest=$1 work kind whl lib n=0
	mkdir -p "$dest" || return 1
	for kind in pip setuptools wheel; do
		whl=''
		for whl in "$VDIST_SYSTEM_WHEELS/$kind"-*.whl; do :; done
		if [ ! -f "$whl" ]; then
			echo "make_wheelhouse: no $kind wheel in $VDIST_SYSTEM_WHEELS (install python3-$kind-whl)" >&2
			return 1
		fi
		cp "$whl" "$dest/" || return 1
	done
	work=$(mktemp -d "${TMPDIR:-/tmp}/vdist-wheelhouse.XXXXXX") || return 1
	if ! host_python_venv "$work/venv" >"$work/log" 2>&1; then
		cat "$work/log" >&2
		rm -rf "$work"
		return 1
	fi
	for lib in "$VDIST_APPS"/libs/*/; do
		lib=${lib%/}
		[ -f "$lib/pyproject.toml" ] || [ -f "$lib/setup.py" ] || continue
		if ! mkdir -p "$work/src" || ! cp -R "$lib" "$work/src/"; then
			rm -rf "$work"
			return 1
		fi
		if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$work/venv/bin/python" -m pip wheel -q \
			--no-index --no-build-isolation --no-deps -w "$dest" \
			"$work/src/${lib##*/}" >"$work/log" 2>&1; then
			cat "$work/log" >&2
			echo "make_wheelhouse: building a wheel of ${lib##*/} failed" >&2
			rm -rf "$work"
			return 1
		fi
		n=$((n + 1))
	done
	rm -rf "$work"
	if [ "$n" = 0 ]; then
		echo "make_wheelhouse: no fixture library in $VDIST_APPS/libs" >&2
		return 1
	fi
}
