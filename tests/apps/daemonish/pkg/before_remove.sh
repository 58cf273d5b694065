#!/bin/sh
# daemonish fixture (vdist end-to-end tests): before_remove script.
#
# Runs as root before the package's files go away: as the .deb prerm
# ("$1" = remove, or upgrade when a new version replaces this one) or in
# the .rpm %preun ("$1" = 0 on erase, 1 when a new version stays). On an
# upgrade it does nothing; otherwise it removes what after_install made in
# /var/lib/daemonish. The system user is kept, as Debian does for system
# users, since files it owns may remain. Running it again changes nothing.
set -eu

state=/var/lib/daemonish

case "${1:-}" in
upgrade | 1) exit 0 ;;
esac

rm -f "$state/installed" "$state"/.installed.*
# Only if nothing else was left there.
rmdir "$state" 2>/dev/null || true
