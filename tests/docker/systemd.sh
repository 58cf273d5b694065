# tests/docker/systemd.sh: containers that run systemd as PID 1, for tests
# of packages that ship a systemd service. Source it after tests/setup and
# tests/docker/lib.sh:
#
#   . "$VDIST_SRCDIR/tests/docker/systemd.sh"
#   ensure_systemd_image
#   trap 'systemd_stop "$ctr"; rm -rf "$tmp"' EXIT   # cleanup is the caller's
#   systemd_start "$ctr" "$tmp/dist"
#   systemd_exec "$ctr" systemctl status foo
#
# ensure_systemd_image      builds $VDIST_SYSTEMD_IMAGE unless up to date
# systemd_start NAME [DIR]  a detached container NAME booting systemd, DIR
#                           mounted read-only at /dist; waits for "running"
# systemd_exec NAME CMD...  docker exec NAME CMD...
# systemd_stop NAME...      removes the containers, quietly
#
# Images (built offline, like lib.sh's):
#   $VDIST_SYSTEMD_BASE   vdist-test/systemd-base:bookworm: docker/mkbase
#                         minbase + $VDIST_SYSTEMD_INCLUDE
#   $VDIST_SYSTEMD_IMAGE  vdist-test/systemd:bookworm: the same without
#                         /usr/sbin/policy-rc.d, so services do start.
# The policy-rc.d is removed in a derived image (docker build --network
# none, a one-line RUN) rather than by an --entrypoint at each start: the
# containers then run /lib/systemd/systemd directly as PID 1, with nothing
# in front of it, the file is gone before any package is installed (a
# .deb's postinst then really starts its service, as on a real machine),
# and the image's label records which base it was made from, so a rebuilt
# base makes the derived image stale. No unit needs masking: with
# --network none a bookworm container reaches "running" in about a second
# (Debian enables no networkd or wait-online unit by default).
# shellcheck shell=bash

VDIST_SYSTEMD_BASE=${VDIST_SYSTEMD_BASE:-vdist-test/systemd-base:bookworm}
VDIST_SYSTEMD_IMAGE=${VDIST_SYSTEMD_IMAGE:-vdist-test/systemd:bookworm}
VDIST_SYSTEMD_INCLUDE=systemd,systemd-sysv,python3,python3-venv,ca-certificates,curl,rpm,adduser,passwd
# seconds systemd_start waits for the container's systemd to be running
VDIST_SYSTEMD_TIMEOUT=${VDIST_SYSTEMD_TIMEOUT:-60}
export VDIST_SYSTEMD_IMAGE

# ensure_systemd_image: make sure $VDIST_SYSTEMD_IMAGE exists and was made
# from the current $VDIST_SYSTEMD_BASE (which is built first, if missing or
# with another package list). Output is TAP comments; waits on the lock
# ensure_base_images uses, so parallel drivers bootstrap one at a time.
ensure_systemd_image() {
	commented _ensure_systemd_image_locked /tmp/vdist-images.lock
}
# _ensure_systemd_image_locked LOCK: ensure_systemd_image's work, under LOCK.
_ensure_systemd_image_locked() {
	(
		if command -v flock >/dev/null 2>&1; then
			flock 9 || exit 1
		fi
		_ensure_image "$VDIST_SYSTEMD_BASE" "$VDIST_SYSTEMD_INCLUDE" || exit 1
		base_id=$(docker image inspect -f '{{.Id}}' "$VDIST_SYSTEMD_BASE") || exit 1
		have=$(docker image inspect -f '{{index .Config.Labels "org.vdist.systemd.base"}}' \
			"$VDIST_SYSTEMD_IMAGE" 2>/dev/null || true)
		if [ "$have" = "$base_id" ]; then
			echo "ensure_systemd_image: image $VDIST_SYSTEMD_IMAGE exists, skipping"
			exit 0
		fi
		echo "ensure_systemd_image: building $VDIST_SYSTEMD_IMAGE from $VDIST_SYSTEMD_BASE"
		# no context: the Dockerfile comes on stdin. SIGRTMIN+3 is how
		# systemd as PID 1 is asked to shut down (for docker stop).
		docker build -q --network none --label "org.vdist.systemd.base=$base_id" \
			-t "$VDIST_SYSTEMD_IMAGE" - <<-DOCKERFILE
				FROM $VDIST_SYSTEMD_BASE
				RUN rm -f /usr/sbin/policy-rc.d
				ENV container=docker
				STOPSIGNAL SIGRTMIN+3
			DOCKERFILE
	) 9>"$1"
}

# systemd_start NAME [DIR]: start container NAME of $VDIST_SYSTEMD_IMAGE
# with systemd as PID 1 (host folder DIR, if given, read-only at /dist) and
# wait up to $VDIST_SYSTEMD_TIMEOUT s until systemctl is-system-running
# says "running"; prints how long that took. Returns 1, after printing the
# failed units, when it says "degraded"; on timeout, or if the container
# exits, prints the last state (and the pending jobs or docker logs) and
# returns 1. The caller removes NAME in every case (systemd_stop).
systemd_start() {
	local name=$1 dir=${2:-} state='' t0 now
	local dist=()
	if [ -n "$dir" ]; then
		dist=(-v "$dir:/dist:ro")
	fi
	t0=$(date +%s%N)
	docker run -d --name "$name" --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
		--network none -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock \
		${dist[@]+"${dist[@]}"} "$VDIST_SYSTEMD_IMAGE" /lib/systemd/systemd >/dev/null || return 1
	while :; do
		# exits non-zero for anything but "running"; "Failed to connect to
		# bus" (stderr) until systemd is up
		state=$(docker exec "$name" systemctl is-system-running 2>&1) || true
		now=$(date +%s%N)
		case $state in
		running)
			printf 'systemd_start: %s running after %d ms\n' "$name" $(((now - t0) / 1000000))
			return 0
			;;
		degraded)
			echo "systemd_start: $name is degraded; failed units:" >&2
			docker exec "$name" systemctl --failed --no-pager >&2 || true
			return 1
			;;
		esac
		if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
			echo "systemd_start: container $name exited; its log:" >&2
			docker logs "$name" 2>&1 | tail -n 20 >&2 || true
			return 1
		fi
		if [ $(((now - t0) / 1000000000)) -ge "$VDIST_SYSTEMD_TIMEOUT" ]; then
			echo "systemd_start: $name not running after $VDIST_SYSTEMD_TIMEOUT s; last state: ${state:-none}" >&2
			docker exec "$name" systemctl list-jobs --no-pager >&2 || true
			return 1
		fi
		sleep 0.2
	done
}

# systemd_exec NAME CMD...: run CMD in container NAME (docker exec).
systemd_exec() {
	local name=$1
	shift
	docker exec "$name" "$@"
}

# systemd_stop NAME...: remove the containers NAME..., running or not; quiet,
# and never fails (so it can run from an EXIT trap).
systemd_stop() {
	docker rm -f "$@" >/dev/null 2>&1 || true
}
