#!/bin/sh
# daemonish fixture (vdist end-to-end tests): after_install script.
#
# Runs as root once the package's files are in place: as the .deb postinst
# ("$1" = configure) or in the .rpm %post ("$1" = 1 on install, 2 on
# upgrade); the arguments are not needed. It makes sure the system user and
# group "daemonish" exist and records the install in
# /var/lib/daemonish/installed. Running it again changes nothing.
set -eu

user=daemonish
state=/var/lib/daemonish

group_exists() {
	getent group "$1" >/dev/null 2>&1
}

if ! id "$user" >/dev/null 2>&1; then
	nologin=/bin/false
	for sh in /usr/sbin/nologin /sbin/nologin; do
		if [ -x "$sh" ]; then
			nologin=$sh
			break
		fi
	done
	if command -v useradd >/dev/null 2>&1; then
		# shadow-utils, on Debian and RPM distros alike
		if group_exists "$user"; then
			group_opt="--gid $user"
		else
			group_opt=--user-group
		fi
		# shellcheck disable=SC2086 # group_opt is one or two words on purpose
		useradd --system $group_opt --home-dir "$state" --no-create-home \
			--shell "$nologin" --comment "daemonish test fixture" "$user"
	elif command -v adduser >/dev/null 2>&1; then
		# Debian's adduser
		if group_exists "$user"; then
			group_opt="--ingroup $user"
		else
			group_opt=--group
		fi
		# shellcheck disable=SC2086
		adduser --system $group_opt --home "$state" --no-create-home \
			--shell "$nologin" --gecos "daemonish test fixture" "$user" >/dev/null
	else
		echo "daemonish: cannot create user $user: no useradd nor adduser" >&2
		exit 1
	fi
fi

mkdir -p "$state"
chown "$user:$(id -gn "$user")" "$state"
chmod 0755 "$state"
# Write then rename, so the marker is never seen half written.
tmpfile="$state/.installed.$$"
printf 'daemonish installed\n' >"$tmpfile"
chmod 0644 "$tmpfile"
mv -f "$tmpfile" "$state/installed"
