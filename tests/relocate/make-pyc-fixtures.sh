#!/bin/bash
# make-pyc-fixtures.sh: regenerate tests/relocate/pyc/ (run by hand, not by
# make check). For each CPython release vdist-relocate reads, it compiles
# pycheck.py's module with co_filename under /vdist-old/venv (plain.pyc, and
# a.pyc/b.pyc whose file name str is shared with a constant), relocates them
# with the vdist-relocate given as $1 to /vdist-new/place, and checks the
# result with that very Python's marshal before keeping it as *.expected.
# relocate.test then compares its output with these files byte for byte.
# Needs those interpreters: pyenv's, or the ones listed in $PYTHONS.
set -eu
relocate=${1:?usage: make-pyc-fixtures.sh PATH/TO/vdist-relocate}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/pyc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"
if [ -n "${PYTHONS:-}" ]; then
	read -ra pythons <<<"$PYTHONS"
else
	pythons=("$HOME"/.pyenv/versions/3.{7,8,9,10,11,12,13}.*/bin/python3)
fi
for py in "${pythons[@]}"; do
	xy=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	v=$tmp/$xy
	mkdir -p "$v/bin" "$v/lib/python3.11/site-packages"
	echo "VIRTUAL_ENV='/vdist-old/venv'" >"$v/bin/activate"
	"$py" "$here/pycheck.py" plain /vdist-old/venv "$out/$xy-plain.pyc"
	"$py" "$here/pycheck.py" shared /vdist-old/venv "$tmp"
	mv "$tmp/a.pyc" "$out/$xy-a.pyc"
	mv "$tmp/b.pyc" "$out/$xy-b.pyc"
	cp "$out/$xy"-*.pyc "$v/lib/python3.11/site-packages/"
	"$relocate" --update-path /vdist-new/place "$v" >/dev/null
	for kind in plain a b; do
		"$py" "$here/pycheck.py" same /vdist-old/venv /vdist-new/place \
			"$out/$xy-$kind.pyc" "$v/lib/python3.11/site-packages/$xy-$kind.pyc"
		cp "$v/lib/python3.11/site-packages/$xy-$kind.pyc" "$out/$xy-$kind.expected"
	done
done
