# vdist runtime: a base image bootstrapped from a Debian or Ubuntu mirror
# with mmdebstrap and imported into docker, for sites without a registry.
# Sourced by host.sh (make base-image-PROFILE, or a build whose base image
# is missing) and by vdist's own docker/mkbase.
# shellcheck shell=bash

# vdist_bootstrap_image NAME SUITE MIRROR INCLUDE [ARCH]: make image NAME
# from SUITE (minbase, plus ca-certificates and the comma-separated
# INCLUDE) from MIRROR (mmdebstrap's default when empty), for ARCH
# (Debian's name; default: this machine's). Another architecture than
# this machine's runs by emulation: qemu-user-static's binfmt handlers
# must be registered. Containers of the image
# start no services (a policy-rc.d), keep their apt sources, and carry
# the labels org.vdist.bootstrap.suite and org.vdist.bootstrap.include.
# A previous image of that name, left untagged, is removed. Prints its
# progress; returns non-zero on failure, leaving no image behind.
vdist_bootstrap_image() {
	local name=$1 suite=$2 mirror=$3 include=$4 arch=${5:-} work old_id id host
	local dk=("${docker[@]:-docker}")  # host.sh's DOCKER, when it set one
	command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed (apt-get install mmdebstrap)" >&2; return 1; }
	case $include in *[!A-Za-z0-9.+:,-]*) echo "bad package list: $include" >&2; return 1 ;; esac
	host=$(dpkg --print-architecture)
	arch=${arch:-$host}
	case $arch in *[!a-z0-9]* | '') echo "bad architecture: $arch" >&2; return 1 ;; esac
	if [ "$arch" != "$host" ] && ! vdist_can_run "$arch"; then
		echo "an $arch image on this $host machine runs by emulation, and no binfmt handler for $arch is registered: apt-get install qemu-user-static (and, if /proc/sys/fs/binfmt_misc is empty, mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc), or bootstrap it on an $arch machine" >&2
		return 1
	fi
	old_id=$("${dk[@]}" image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
	work=$(mktemp -d "${TMPDIR:-/tmp}/vdist-bootstrap.XXXXXX") || return 1
	# A mirror's download can fail for a moment (a sync, a dropped
	# connection): one more try before giving up. mmdebstrap gets no fd
	# above 2 (make's jobserver, host.sh's locks): it hands apt a hook
	# "cat >&N" for the first free fd, and dash refuses N > 9 ("Bad fd
	# number"), which failed every bootstrap under make -j check.
	local try
	for try in 1 2; do
		# The customize hook refuses a tree without an apt sources list;
		# its single quotes are on purpose: mmdebstrap expands $1.
		# shellcheck disable=SC2016
		mmdebstrap --variant=minbase --format=tar --quiet --architectures="$arch" --include="ca-certificates${include:+,$include}" \
			--customize-hook='test -s "$1/etc/apt/sources.list" || ls "$1"/etc/apt/sources.list.d/*.sources >/dev/null 2>&1 || { echo "no apt sources in image" >&2; exit 1; }' \
			"$suite" "$work/rootfs.tar" ${mirror:+"$mirror"} >"$work/mmdebstrap.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && break
		cat "$work/mmdebstrap.log" >&2
		rm -f "$work/rootfs.tar"
		if [ "$try" = 2 ]; then
			rm -rf "$work"
			echo "mmdebstrap failed for $name ($suite)" >&2
			return 1
		fi
		echo "mmdebstrap failed for $name ($suite): trying once more in 10 s" >&2
		sleep 10
	done
	# containers run no services when packages install (mmdebstrap removes
	# its own policy-rc.d when done, so this one is added afterwards)
	mkdir -p "$work/extra/usr/sbin"
	printf '#!/bin/sh\n# vdist: containers run no services\nexit 101\n' >"$work/extra/usr/sbin/policy-rc.d"
	chmod 755 "$work/extra/usr/sbin/policy-rc.d"
	tar --append -f "$work/rootfs.tar" --owner=0 --group=0 --numeric-owner -C "$work/extra" ./usr/sbin/policy-rc.d || {
		rm -rf "$work"
		return 1
	}
	if ! id=$("${dk[@]}" import \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV LANG=C.UTF-8' \
		--change "LABEL org.vdist.bootstrap.suite=$suite org.vdist.bootstrap.include=$include org.vdist.arch=$arch" \
		--change 'CMD ["/bin/bash"]' \
		--message "vdist bootstrap $suite ($arch)${include:+ +$include}" \
		"$work/rootfs.tar" "$name"); then
		rm -rf "$work"
		echo "docker import of $name failed" >&2
		return 1
	fi
	rm -rf "$work"
	if ! "${dk[@]}" run --rm --network none "$name" sh -c \
		'test -x /usr/sbin/policy-rc.d && { test -s /etc/apt/sources.list || ls /etc/apt/sources.list.d/*.sources; } >/dev/null 2>&1'; then
		"${dk[@]}" image rm "$name" >/dev/null 2>&1 || true
		echo "image $name does not run or lacks its apt sources" >&2
		return 1
	fi
	echo "imported $name ($id)"
	if [ -n "$old_id" ] && [ "$old_id" != "$id" ] &&
		[ "$("${dk[@]}" image inspect -f '{{len .RepoTags}}' "$old_id" 2>/dev/null)" = 0 ]; then
		"${dk[@]}" image rm "$old_id" >/dev/null 2>&1 && echo "removed previous image $old_id"
	fi
	return 0
}

# vdist_can_run ARCH: this machine runs programs of Debian architecture
# ARCH by a registered, enabled binfmt handler (qemu-user-static's)
vdist_can_run() {
	local q
	case $1 in
	arm64) q=aarch64 ;;
	armhf | armel) q=arm ;;
	ppc64el) q=ppc64le ;;
	*) q=$1 ;;
	esac
	[ -r "/proc/sys/fs/binfmt_misc/qemu-$q" ] && grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$q"
}
