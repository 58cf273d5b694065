# vdist runtime: the steps of a build inside the builder container, used
# by build.sh. The same for every build: what differs is in values.sh.
# Mounts: /src the source, /vdist the build's folder, /vdist-runtime this
# folder (all read-only), /out where the finished package goes. Work
# happens under /build.
# shellcheck shell=bash

# vdist_log MESSAGE...: one progress line (in the log; on the console with V=1)
vdist_log() { printf 'vdist: %s\n' "$*"; }

# vdist_now: milliseconds since the epoch (date: bash 4 has no EPOCHREALTIME)
vdist_now() { date +%s%3N; }

# vdist_step NAME RESULT: the line host.sh shows on the quiet console for
# step NAME, with the time since the previous step; restarts the clock
vdist_step() {
	local now
	now=$(vdist_now)
	printf 'vdist-step: %s\t%s\t%s\n' "$1" "$2" "$((now - ${vdist_t0:-now}))"
	vdist_t0=$now
}

# vdist_die MESSAGE...: stop the build with an error
vdist_die() {
	printf 'vdist: error: %s\n' "$*" >&2
	exit 1
}

# where host.sh puts the project's package scripts (tests point it elsewhere)
vdist_scripts=${VDIST_SCRIPTS:-/vdist/scripts}

# vdist_setup: the effective metadata, which host.sh resolved from make,
# the environment and vdist.json (in that order) into VDIST_*, and the
# paths of this build
vdist_setup() {
	version=${VDIST_VERSION:?host.sh passes the effective version}
	iteration=${VDIST_ITERATION:?host.sh passes the effective iteration}
	maintainer=${VDIST_MAINTAINER:?host.sh passes the effective maintainer}
	vdist_offline=${VDIST_OFFLINE:?host.sh passes the effective offline}
	venv=$vdist_venv
	pkgname=$vdist_package_name
	# (tests run the packaging steps outside a container, elsewhere)
	stage=${VDIST_STAGE:-/build/stage}
	outdir=${VDIST_OUTDIR:-/build/out}
	mkdir -p "$outdir"
	summary=${vdist_description%%$'\n'*}
	[ -n "$summary" ] || summary=$vdist_app
}

# vdist_file_name ARCH: the package file's name (vdist-gen made the
# format); a custom_filename that names environment variables host.sh
# expanded from its own environment, and checked, into VDIST_FILE_NAME
vdist_file_name() {
	if [ ${#vdist_custom_filename_vars[@]} -gt 0 ]; then
		printf '%s' "${VDIST_FILE_NAME:?host.sh passes custom_filename expanded}"
		return
	fi
	# shellcheck disable=SC2059
	printf -- "$vdist_file_format" "$version" "$iteration" "$1"
}

# vdist_prepare_source: copy to /build/src the files of /src that host.sh
# listed in /vdist/files.list: what make's inputs are (git's view of a
# work tree, without source exclude, VCS folders, dist/, .vdist/,
# wheelhouse/ and vdist's own files); links stay links
vdist_prepare_source() {
	local list=${VDIST_FILES_LIST:-/vdist/files.list}
	vdist_log "copying the source"
	[ -f "$list" ] || vdist_die "no $list: host.sh lists the source's files (run make, not build.sh)"
	mkdir -p /build/src
	tar -C /src --null --no-recursion -T "$list" -cf - | tar -C /build/src -xf -
	workdir=/build/src
	if [ -n "$vdist_working_dir" ]; then
		workdir=/build/src/${vdist_working_dir#/}
	fi
	[ -d "$workdir" ] || vdist_die "working_dir '$vdist_working_dir' is not a folder of the source"
}

# vdist_find_python: the interpreter the venv is made from; its versioned
# name, so the venv never follows python3 to another version
vdist_find_python() {
	if [ -n "$vdist_python_build_prefix" ]; then
		# the builder image compiled CPython under a neutral prefix; the
		# package carries a copy at the Python prefix (CPython finds its
		# library folder relative to its binary, so the copy just works)
		local built=$vdist_python_build_prefix
		[ -x "$built/bin/python3" ] || vdist_die "the builder image has no compiled Python at $built"
		if [ "$built" != "$vdist_python_prefix" ]; then
			vdist_log "copying CPython $vdist_python_version to $vdist_python_prefix"
			mkdir -p "$(dirname "$vdist_python_prefix")"
			rm -rf "$vdist_python_prefix"
			cp -a "$built" "$vdist_python_prefix"
		fi
	fi
	python=$vdist_python_prefix/bin/python3
	[ -x "$python" ] || vdist_die "no Python at $python: install it through build_deps, or set python_basedir"
	local pyver
	pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	if [ -x "$vdist_python_prefix/bin/python$pyver" ]; then
		python=$vdist_python_prefix/bin/python$pyver
	fi
	vdist_log "using $python (Python $pyver)"
}

# vdist_make_venv: the venv at its final path, so nothing needs relocating
vdist_make_venv() {
	vdist_log "creating the virtualenv $venv"
	mkdir -p "$vdist_install_root"
	"$python" -m venv "$venv"
	# Python 3.13's venv writes a .gitignore ("*") at its top for a work
	# tree; in a package it is a stray VCS file (lintian:
	# package-contains-vcs-control-file)
	rm -f "$venv/.gitignore"
	vpython=$venv/bin/python
}

# vdist_pip_setup: the arguments of every pip install: the project's
# wheelhouse (make wheels) when host.sh mounted it, only it when offline,
# then pip_args
vdist_pip_setup() {
	pip_args=()
	if [ -d /wheelhouse ]; then
		pip_args+=(--find-links /wheelhouse)
	fi
	if [ "$vdist_offline" = true ]; then
		[ -d /wheelhouse ] || vdist_die "offline build without a wheelhouse: run make wheels first"
		pip_args+=(--no-index)
	fi
	pip_args+=("${vdist_pip_args[@]}")
}

# vdist_pip: the venv's pip (never the base interpreter's), with pip's
# cache where host.sh mounted one for this builder image, else none; it
# never byte-compiles (vdist_compile does, with hash-based .pyc files)
vdist_pip() {
	local cache=(--no-cache-dir)
	[ -z "${VDIST_PIP_CACHE:-}" ] || cache=(--cache-dir "$VDIST_PIP_CACHE")
	"$vpython" -m pip "$1" "${cache[@]}" --disable-pip-version-check "${@:2}"
}

# vdist_has_setup: true when the working folder is a Python project pip installs
vdist_has_setup() { [ -f "$workdir/setup.py" ] || [ -f "$workdir/pyproject.toml" ]; }

# vdist_pip_install_deps: requirements, then the app's own dependencies,
# as pip reads them from the app's metadata the way pip install does it
# (pip install --dry-run --report, on a copy of the source, so the app's
# own install later finds the source as a cold build does); the app
# itself is not installed. A pip without --report (before 22.2) installs
# the app's own dependencies with the app, each build.
vdist_pip_install_deps() {
	vdist_pip_setup
	local req=
	if [ -n "$vdist_requirements_path" ]; then
		req=/build/src/${vdist_requirements_path#/}
	fi
	cd "$workdir"
	if [ -n "$req" ] && [ -f "$req" ]; then
		vdist_log "installing $vdist_requirements_path"
		vdist_pip install --no-compile "${pip_args[@]}" -r "$req"
	elif [ "$vdist_requirements_explicit" = true ]; then
		vdist_die "requirements_path '$vdist_requirements_path' is not a file of the source"
	fi
	vdist_has_setup || return 0
	if ! vdist_pip install --help | grep -q -- '--report'; then
		vdist_log "this pip has no --report: the app's own dependencies are installed with it, not cached"
		return 0
	fi
	vdist_log "reading the application's dependencies (pip install --dry-run --report)"
	local meta=/build/meta reqs=()
	rm -rf "$meta"
	mkdir -p "$meta"
	cp -a /build/src "$meta/src"
	(cd "$meta/src${workdir#/build/src}" &&
		vdist_pip install --dry-run --quiet --report "$meta/report.json" "${pip_args[@]}" .)
	mapfile -t reqs < <("$vpython" - "$meta/report.json" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
    report = json.load(f)
for item in report.get("install", []):
    if not (item.get("requested") and item.get("is_direct")):
        continue  # the app is the one requested by its folder
    for req in item.get("metadata", {}).get("requires_dist", []) or []:
        # an extra's requirements are not the app's
        if "extra" not in req.partition(";")[2]:
            print(req)
PY
)
	rm -rf "$meta"
	if [ ${#reqs[@]} -gt 0 ]; then
		vdist_log "installing the application's dependencies: ${reqs[*]}"
		vdist_pip install --no-compile "${pip_args[@]}" "${reqs[@]}"
	fi
}

# vdist_deps_count: "N packages": how many distributions the venv holds
# besides pip, setuptools and wheel
vdist_deps_count() {
	local n
	n=$(find "$venv"/lib/python3*/site-packages -maxdepth 1 \( -name '*.dist-info' -o -name '*.egg-info' \) 2>/dev/null |
		grep -cvE '/(pip|setuptools|wheel)-[^/]*\.(dist|egg)-info$' || true)
	if [ "$n" = 1 ]; then printf '1 package'; else printf '%s packages' "$n"; fi
}

# vdist_deps: the venv with the app's dependencies, byte-compiled, and
# the compiled CPython's copy with it: from the dependency cache when
# host.sh found the archive of VDIST_DEPS_KEY there, else made now and
# archived for the next build. Both ways give the same files: the cache
# is the very tree a cold build makes, archived by tar before the app
# goes in.
vdist_deps() {
	local key=${VDIST_DEPS_KEY:-} cache=${VDIST_DEPS_CACHE:-/cache/deps} dirs=("${venv#/}")
	! vdist_python_outside_venv || dirs+=("${vdist_python_prefix#/}")
	vpython=$venv/bin/python
	if [ -n "$key" ] && [ -f "$cache/$key.tar" ]; then
		vdist_log "dependencies from the cache ($key)"
		mkdir -p "$vdist_install_root"
		tar -C / -xf "$cache/$key.tar"
		vdist_step dependencies "cached, $(vdist_deps_count)"
		return 0
	fi
	vdist_find_python
	vdist_prune_python
	vdist_make_venv
	vdist_pip_install_deps
	vdist_compile_all
	if [ -n "$key" ]; then
		mkdir -p "$cache"
		tar -C / -cf "$cache/.$key.tar.$$" "${dirs[@]}"
		chown "${VDIST_UID:-0}:${VDIST_GID:-0}" "$cache/.$key.tar.$$"
		mv "$cache/.$key.tar.$$" "$cache/$key.tar"
	fi
	vdist_step dependencies "installed, $(vdist_deps_count)"
}

# vdist_app: the app into the venv (its dependencies are there already),
# or, without setup.py or pyproject.toml, the source tree as $venv/app
vdist_app() {
	vdist_pip_setup
	cd "$workdir"
	if vdist_has_setup; then
		vdist_log "installing the application"
		vdist_pip install --no-compile "${pip_args[@]}" .
		vdist_step app "$vdist_app installed"
	else
		vdist_log "no setup.py or pyproject.toml: shipping the source as $venv/app"
		mkdir -p "$venv/app"
		cp -a . "$venv/app/"
		vdist_step app "source tree as $venv/app"
	fi
	# the venv must not hold VCS folders or a copy of the build tree
	find "$venv" \( -name .git -o -name .hg -o -name .svn \) -prune -exec rm -rf {} +
}

# vdist_prune: the venv without what only building needed: pip,
# setuptools and wheel (unless keep_pip, or another installed
# distribution requires one of them), uninstalled by pip so that their
# scripts (bin/pip...) go too; and without the direct_url.json that pip
# records for a package installed from a local folder, which names a
# build path
vdist_prune() {
	local remove
	remove=$("$vpython" - "$vdist_keep_pip" <<'PY'
import json, os, re, sys
import importlib.metadata as md

def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()

dists = list(md.distributions())
for d in dists:
    text = d.read_text("direct_url.json")
    if not text or not json.loads(text).get("url", "").startswith("file:"):
        continue
    folder = str(d._path)
    os.remove(os.path.join(folder, "direct_url.json"))
    record = os.path.join(folder, "RECORD")
    entry = os.path.basename(folder) + "/direct_url.json,"
    with open(record) as f:
        lines = [line for line in f if not line.startswith(entry)]
    with open(record, "w") as f:
        f.writelines(lines)
if sys.argv[1] == "true":
    sys.exit(0)
try:
    from pip._vendor.packaging.requirements import Requirement
except ImportError:
    Requirement = None
tools = ("setuptools", "wheel", "pip")
installed = {canon(d.metadata["Name"]) for d in dists}
needed = set()
for d in dists:
    if canon(d.metadata["Name"]) in tools:
        continue
    for r in d.requires or []:
        if Requirement is None:
            needed.add(canon(re.match(r"[A-Za-z0-9._-]+", r).group(0)))
            continue
        req = Requirement(r)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            needed.add(canon(req.name))
print(" ".join(t for t in tools if t in installed and t not in needed))
PY
)
	if [ -n "$remove" ]; then
		vdist_log "removing what only building needed: $remove"
		# shellcheck disable=SC2086
		"$vpython" -m pip uninstall -y -q --disable-pip-version-check $remove
	fi
}

# vdist_prune_python: the compiled CPython the package carries without
# what only building or testing CPython needs: its static library and its
# own test suites
vdist_prune_python() {
	[ -n "$vdist_python_build_prefix" ] || return 0
	local lib=$vdist_python_prefix/lib
	rm -f "$lib"/libpython3*.a "$lib"/python3.*/config-3.*/libpython3*.a
	rm -rf "$lib"/python3.*/lib2to3/tests "$lib"/python3.*/idlelib/idle_test "$lib"/python3.*/tkinter/test \
		"$lib"/python3.*/ctypes/test "$lib"/python3.*/sqlite3/test "$lib"/python3.*/distutils/tests \
		"$lib"/python3.*/unittest/test "$lib"/python3.*/lib-dynload/_test*.so "$lib"/python3.*/lib-dynload/xxlimited*.so
}

# vdist_relative_links: the venv's links into itself made relative (venv
# links bin/python to the compiled CPython by absolute path), as Debian's
# policy wants within one top-level folder
vdist_relative_links() {
	local l t
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		case $t in "$venv"/*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$t")" "$l" ;; esac
	done < <(find "$venv" -type l -print0)
}

# vdist_compile: every .py of the venv (and of a Python outside it)
# byte-compiled now, with hash-based .pyc files: they do not depend on
# file times, so the build is reproducible, and Python finds them valid
# at run time, so nothing is written under the install root. checked-hash
# rather than unchecked: a source edited in place (a hotfix on a server)
# is still noticed, for the cost of hashing each source on import.
#
# vdist_compile_all compiles the whole tree (the dependency stage);
# vdist_compile then compiles what came after it, the files that have no
# .pyc yet (the app's), so a warm build compiles only the app.
vdist_compile_all() {
	local dirs=("$venv")
	! vdist_python_outside_venv || dirs+=("$vdist_python_prefix")
	vdist_log "byte-compiling ${dirs[*]} (checked-hash .pyc files)"
	find "${dirs[@]}" -name __pycache__ -type d -prune -exec rm -rf {} +
	"$vpython" -m compileall -q -f -j 0 --invalidation-mode checked-hash "${dirs[@]}" ||
		vdist_log "warning: some files did not compile (above); Python will not use .pyc files for them"
}
vdist_compile() {
	vdist_log "byte-compiling the files added after the dependencies"
	"$vpython" - "$venv" <<'PY'
import importlib.util, os, py_compile, sys

mode = py_compile.PycInvalidationMode.CHECKED_HASH
for top in sys.argv[1:]:
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py"):
                src = os.path.join(root, f)
                if not os.path.exists(importlib.util.cache_from_source(src)):
                    try:
                        py_compile.compile(src, invalidation_mode=mode, doraise=True)
                    except py_compile.PyCompileError as e:
                        print("vdist: warning: %s did not compile: %s" % (src, e.msg.strip()))
PY
}

# vdist_strip: the stage's ELF files stripped of what running does not
# need (strip --strip-unneeded), unless strip is false: what rpmbuild's
# brp scripts would do, without their byte-compiling
vdist_strip() {
	[ "$vdist_strip" = true ] || return 0
	command -v strip >/dev/null || vdist_die "strip is not in the builder image: add binutils to build_deps, or set \"strip\": false"
	local f n=0
	while IFS= read -r -d '' f; do
		strip --strip-unneeded "$f" || vdist_die "strip failed on ${f#"$stage"}; set \"strip\": false to ship it as it is"
		n=$((n + 1))
	done < <(vdist_elf_files)
	vdist_log "stripped $n ELF files"
}

# vdist_elf_files: the stage's ELF files (shared objects and executables),
# NUL-separated
vdist_elf_files() {
	local f magic
	while IFS= read -r -d '' f; do
		magic=''
		IFS= read -r -n 4 -d '' magic <"$f" || true
		[ "$magic" != $'\177ELF' ] || printf '%s\0' "$f"
	done < <(find "$stage" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0 | LC_ALL=C sort -z)
}

# vdist_shlibs_deps: the packages the stage's ELF files need, one per line
# with its version (dpkg-shlibdeps, as debhelper runs it), for .debs
vdist_shlibs_deps() {
	local elf=() f work out
	[ -d "$stage" ] || return 0
	while IFS= read -r -d '' f; do elf+=("-e$f"); done < <(vdist_elf_files)
	[ ${#elf[@]} -gt 0 ] || return 0
	# dpkg-shlibdeps reads debian/control; a minimal one in a scratch folder
	work=$(mktemp -d)
	mkdir "$work/debian"
	printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkgname" "$pkgname" >"$work/debian/control"
	out=$(cd "$work" && dpkg-shlibdeps -O --ignore-missing-info "${elf[@]}" 2>/dev/null) ||
		vdist_die "dpkg-shlibdeps failed on the package's ELF files"
	rm -rf "$work"
	out=${out#shlibs:Depends=}
	[ "$out" = "$(printf '%s' "$out" | grep -v '^shlibs:')" ] || out=''
	printf '%s\n' "$out" | tr ',' '\n' | sed 's/^ *//; /^$/d'
}

# vdist_deb_depends: the Depends of a .deb: the runtime deps vdist.json and
# the profile name, then those the ELF files need that are not named
# already (a bare name gives way to the versioned one); one per line
vdist_deb_depends() {
	local shlibs
	shlibs=$(vdist_shlibs_deps)
	{ printf '%s\n' "${vdist_package_deps[@]}"; printf '%s\n' "$shlibs"; } | awk -v shl="$shlibs" -v declared="${#vdist_package_deps[@]}" '
		BEGIN { n = split(shl, s, "\n"); for (i = 1; i <= n; i++) { split(s[i], w, " "); lib[w[1]] = 1 } }
		NF == 0 { next }
		# a declared bare name that dpkg-shlibdeps versions: take its line
		NR <= declared && NF == 1 && ($1 in lib) { next }
		!seen[$0]++'
}

# vdist_check_names: fail on the first file of the stage whose name the
# package format cannot hold, naming it, before the packager fails on it
# less clearly or, worse, makes a package that does not install: dpkg
# keeps its file lists one name per line (a newline), rpmbuild refuses
# control characters, DEL and names that are not UTF-8
vdist_check_names() {
	local pat why bad
	if [ "$vdist_package_type" = deb ]; then
		pat=$'*\n*' why='a newline, which dpkg cannot install'
	else
		pat='*[[:cntrl:]]*' why='a control character, which rpm refuses'
	fi
	bad=$(cd "$stage" && LC_ALL=C find . -name "$pat" -printf '%P\0' -quit | tr '\0' '\n')
	if [ -z "$bad" ] && [ "$vdist_package_type" != deb ]; then
		# in a UTF-8 locale "." matches no byte that is not UTF-8 (where the
		# image has no such locale, rpmbuild's own error stands)
		why='bytes that are not UTF-8, which rpm refuses'
		bad=$(cd "$stage" && find . -printf '%P\0' | { LC_ALL=C.UTF-8 grep -zaxv '.*' || true; } | head -zn 1 | tr '\0' '\n')
	fi
	[ -z "$bad" ] || vdist_die "the package would hold $(printf '%q' "/$bad"), a name with $why: rename it, or leave it out with the source's \"exclude\""
}

# vdist_normalise: the stage the same whatever the host and whenever its
# parts were made: modes from the file kind only (the source's came from
# the host's umask), and every time SOURCE_DATE_EPOCH (files from the
# dependency cache were made at another time than those of a cold build)
vdist_normalise() {
	chmod -R u+rwX,go+rX,go-w "$stage"
	find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# vdist_license_files: the source's license files (LICENSE*, LICENCE*,
# COPYING* at the top of the source), NUL-separated
vdist_license_files() {
	find /build/src -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'LICENCE*' -o -iname 'COPYING*' \) -print0 |
		LC_ALL=C sort -z
}

# vdist_copyright: /usr/share/doc/PKG/copyright in Debian's
# machine-readable format (DEP-5), from license, maintainer and the
# source's license files
vdist_copyright() {
	local f holder
	holder=$(vdist_license_files | xargs -0r grep -h -m1 -i '^[[:space:]]*copyright' 2>/dev/null | head -n 1 |
		sed 's/^[[:space:]]*[Cc][Oo][Pp][Yy][Rr][Ii][Gg][Hh][Tt][[:space:]]*\(([Cc])[[:space:]]*\)\{0,1\}//')
	printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
	printf 'Upstream-Name: %s\n' "$vdist_app"
	printf 'Upstream-Contact: %s\n' "$(vdist_oneline "$maintainer")"
	[ -z "$vdist_url" ] || printf 'Source: %s\n' "$(vdist_oneline "$vdist_url")"
	printf 'Comment: The virtualenv under %s also holds the Python packages\n' "$venv"
	printf ' %s depends on; the license of each is in its *.dist-info folder.\n' "$vdist_app"
	printf '\nFiles: *\nCopyright: %s\n' "${holder:-$(vdist_changelog_date +%Y) $(vdist_oneline "$maintainer")}"
	printf 'License: %s\n' "$(vdist_oneline "${vdist_license:-unknown}")"
	while IFS= read -r -d '' f; do
		sed 's/[[:space:]]*$//; s/^$/./; s/^/ /' "$f"
	done < <(vdist_license_files)
}

# vdist_changelog_date: SOURCE_DATE_EPOCH as changelogs write dates
vdist_changelog_date() { LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" "$1"; }

# vdist_docs_deb: copyright, changelog.Debian.gz and the lintian
# overrides of what a bundled virtualenv is by design
vdist_docs_deb() {
	local doc=$stage/usr/share/doc/$pkgname over=$stage/usr/share/lintian/overrides
	mkdir -p "$doc" "$over"
	vdist_copyright >"$doc/copyright"
	if [ -f "$vdist_scripts/changelog" ]; then
		cp "$vdist_scripts/changelog" "$doc/changelog.Debian"
	else
		{
			printf '%s (%s-%s) unstable; urgency=medium\n\n' "$pkgname" "$version" "$iteration"
			printf '  * %s %s, packaged with its own virtualenv by vdist.\n\n' "$vdist_app" "$version"
			printf ' -- %s  %s\n' "$(vdist_oneline "$maintainer")" "$(vdist_changelog_date -R)"
		} >"$doc/changelog.Debian"
	fi
	gzip -9n "$doc/changelog.Debian"
	{
		printf '# vdist: tags a self-contained virtualenv carries by design, each with its reason\n\n'
		case $vdist_install_root in
		/opt | /opt/*)
			printf '# the app and its venv are one self-contained unit under /opt, as the FHS has /opt for\n'
			printf '%s: dir-or-file-in-opt\n' "$pkgname" ;;
		esac
		printf '# byte-compiled at build time (hash-based), so nothing is written under the venv at run time\n'
		printf '%s: package-installs-python-pycache-dir\n' "$pkgname"
		printf "# the venv's console scripts run the venv's own interpreter, by design\n"
		printf '%s: unusual-interpreter\n' "$pkgname"
		if [ -n "$vdist_python_build_prefix" ]; then
			printf "# the CPython the package carries keeps its standard library as upstream ships it:\n"
			printf "# #! lines of modules that can run as scripts, which run with the package's own Python\n"
			printf '%s: python3-script-but-no-python3-dep\n%s: script-not-executable\n%s: interpreter-in-usr-local\n' \
				"$pkgname" "$pkgname" "$pkgname"
			printf "# CPython's extension modules take their symbols from the interpreter that loads them\n"
			printf '%s: shared-library-lacks-prerequisites\n%s: library-not-linked-against-libc\n' "$pkgname" "$pkgname"
			printf "# pyexpat links the system's libexpat.so.1 (--with-system-expat): the text lintian\n"
			printf "# takes for a copy of expat is pyexpat's own error message\n"
			printf '%s: embedded-library\n' "$pkgname"
		fi
		if [ "$vdist_keep_pip" = true ] && [ -z "$vdist_python_build_prefix" ]; then
			printf "# keep_pip: pip's own vendored modules have a #! line; they are imported, never run\n"
			printf '%s: script-not-executable\n' "$pkgname"
		elif [ -z "$vdist_python_build_prefix" ] && compgen -G "$stage$venv/lib/python3*/site-packages/pkg_resources" >/dev/null; then
			printf "# Debian 11's venv has pkg_resources as a distribution of its own, which stays (the console\n"
			printf "# scripts of a setup.py install import it); its vendored modules have a #! line, and are imported\n"
			printf '%s: script-not-executable\n' "$pkgname"
		fi
		printf '# a package of its own, not an upload to Debian: there is no ITP bug to close\n'
		printf '%s: initial-upload-closes-no-bugs\n' "$pkgname"
	} >"$over/$pkgname"
}

# vdist_installed_size: the stage's size in KiB, as dpkg-gencontrol counts
# it (each file rounded up to a KiB, one per folder or link), which does
# not depend on the file system
vdist_installed_size() {
	[ -d "$stage" ] || { echo 0; return 0; }
	find "$stage" -path "$stage/DEBIAN" -prune -o -mindepth 1 -printf '%y %s\n' |
		awk '$1 == "f" { n += int(($2 + 1023) / 1024) } $1 != "f" { n++ } END { print n + 0 }'
}

# vdist_python_outside_venv: true when the package carries a compiled
# Python that is not inside the venv's folder
vdist_python_outside_venv() {
	[ -n "$vdist_python_build_prefix" ] || return 1
	case $vdist_python_prefix in
	"$venv" | "$venv"/*) return 1 ;;
	esac
}

# vdist_stage: the package's file tree
vdist_stage() {
	vdist_log "staging $venv"
	rm -rf "$stage"
	mkdir -p "$stage$vdist_install_root"
	cp -a "$venv" "$stage$venv"
	if vdist_python_outside_venv; then
		mkdir -p "$stage$(dirname "$vdist_python_prefix")"
		cp -a "$vdist_python_prefix" "$stage$vdist_python_prefix"
	fi
}

# vdist_oneline TEXT: TEXT with newlines as spaces, for one-line fields
vdist_oneline() { printf '%s' "$1" | tr '\n' ' '; }

# vdist_hook KEY...: shell code that runs the project's script for each
# KEY (before_install, ...) copied by host.sh into $vdist_scripts; empty
# when none of them is set. The script travels inside a here-document
# whose end marker is derived from its own hash.
vdist_hook() {
	local key file marker
	for key in "$@"; do
		file=$vdist_scripts/$key
		[ -f "$file" ] || continue
		marker=VDIST_$(sha256sum "$file" | cut -c1-16)
		printf 'vdist_run %s <<'\''%s'\''\n' "$key" "$marker"
		cat "$file"
		[ -z "$(tail -c1 "$file")" ] || printf '\n'
		printf '%s\n' "$marker"
	done
}

# vdist_hook_prelude: the helper that package scripts use to run a hook
vdist_hook_prelude() {
	cat <<'PRELUDE'
# vdist_run NAME: run the script on standard input as the project's NAME
# hook, with the interpreter its #! line names (else sh)
vdist_run() {
	vdist_tmp=$(mktemp)
	cat >"$vdist_tmp"
	vdist_interp=sh
	IFS= read -r vdist_first <"$vdist_tmp" || :
	case $vdist_first in '#!'*) vdist_interp=${vdist_first#'#!'} ;; esac
	# shellcheck disable=SC2086
	# (unlink, not rm: rpmlint counts rm in a scriptlet as dangerous)
	$vdist_interp "$vdist_tmp" || { vdist_rc=$?; unlink "$vdist_tmp"; echo "$1 script failed ($vdist_rc)" >&2; exit "$vdist_rc"; }
	unlink "$vdist_tmp"
}
PRELUDE
}

# vdist_maint_script FILE CASE-CODE: write a maintainer script if the case
# code runs anything
vdist_maint_script() {
	local file=$1 body=$2
	[ -n "$body" ] || return 0
	{
		printf '#!/bin/sh\n# Generated by vdist: runs the project'\''s package scripts.\nset -e\n'
		case $body in *'vdist_run '*) vdist_hook_prelude ;; esac
		printf '%s\n' "$body"
		printf 'exit 0\n'
	} >"$file"
	chmod 0755 "$file"
}

# vdist_case PATTERN KEY: one case branch running hook KEY, or nothing
vdist_case() {
	local code
	code=$(vdist_hook "$2")
	[ -n "$code" ] || return 0
	printf '%s)\n%s\n;;\n' "$1" "$code"
}

# vdist_cleanup_code: shell code that removes what Python left in the
# install folder at run time (__pycache__ of code not compiled at build
# time), then the folders left empty, so removal leaves nothing behind
vdist_cleanup_code() {
	local q
	q=$(printf '%q' "$venv")
	printf 'if [ -d %s ]; then find %s -depth -name __pycache__ -type d -exec rm -rf {} + 2>/dev/null || :; find %s -depth -type d -empty -delete 2>/dev/null || :; fi' "$q" "$q" "$q"
}

# vdist_deb_scripts DIR: preinst, postinst, prerm and postrm into DIR (those
# with something to run): the project's scripts run on a first install
# and a final removal, the upgrade ones on upgrades, and the final
# removal clears what Python left behind. The same for dpkg-deb and fpm.
vdist_deb_scripts() {
	local dir=$1 user cases dirs inst upg sd prerm_sd rm_case
	user=$(vdist_user_code)
	cases=$(vdist_case install before_install; vdist_case upgrade before_upgrade)
	[ -z "$user$cases" ] || vdist_maint_script "$dir/preinst" "$user
case \"\$1\" in
$cases
esac"
	dirs=$(vdist_dirs_code) inst=$(vdist_hook after_install) upg=$(vdist_hook after_upgrade)
	sd=$(vdist_deb_systemd_postinst)
	[ -z "$dirs$inst$upg$sd" ] || vdist_maint_script "$dir/postinst" "if [ \"\$1\" = configure ]; then
	:
$dirs
	if [ -z \"\${2:-}\" ]; then
		:
$inst
	else
		:
$upg
	fi
fi
$sd"
	prerm_sd=$(vdist_deb_systemd_prerm) rm_case=$(vdist_case remove before_remove)
	[ -z "$prerm_sd$rm_case" ] || vdist_maint_script "$dir/prerm" "$prerm_sd
case \"\$1\" in
$rm_case
esac"
	vdist_maint_script "$dir/postrm" "case \"\$1\" in
$(vdist_case remove after_remove)
esac
case \"\$1\" in
remove|purge)
	$(vdist_cleanup_code)
	;;
esac
$(vdist_deb_systemd_postrm)"
}

# vdist_join ITEM...: the items joined by ", ", as control fields list them
vdist_join() { local IFS=,; printf '%s' "$*" | sed 's/,/, /g'; }

# vdist_q WORD...: the words shell-quoted, for generated code
vdist_q() { printf '%q ' "$@" | sed 's/ $//'; }

# vdist_user_code: code that makes the system user and its group, with a
# home folder and no login shell, unless it exists: adduser --system
# (deb) or useradd -r (rpm), as each family's own packages do. Nothing
# ever removes it: files it owned may outlive the package (logs, backups),
# and a reused uid would hand them to someone else (Debian policy 9.2.2).
vdist_user_code() {
	[ -n "$vdist_user" ] || return 0
	local u h
	u=$(vdist_q "$vdist_user") h=$(vdist_q "$vdist_user_home")
	if [ "$vdist_package_type" = deb ]; then
		printf 'if ! getent passwd %s >/dev/null; then\n\tadduser --system --group --quiet --home %s --shell /usr/sbin/nologin %s\nfi\n' "$u" "$h" "$u"
	else
		printf 'getent group %s >/dev/null || groupadd -r %s\n' "$u" "$u"
		# (the package owns the home: %dir %attr gives it its owner)
		printf 'if ! getent passwd %s >/dev/null; then\n\tuseradd -r -g %s -d %s -s /sbin/nologin -c %s %s\nfi\n' \
			"$u" "$u" "$h" "$(vdist_q "$vdist_app")" "$u"
	fi
}

# vdist_dirs_code: code that gives the owned folders their owner and mode
# (deb: the package unpacks them as root's)
vdist_dirs_code() {
	local i spec
	for ((i = 0; i < ${#vdist_dirs[@]}; i += 2)); do
		spec=${vdist_dirs[i + 1]}
		printf '\tchown %s %s\n\tchmod %s %s\n' "$(vdist_q "${spec%:*}")" "$(vdist_q "${vdist_dirs[i]}")" \
			"$(vdist_q "${spec##*:}")" "$(vdist_q "${vdist_dirs[i]}")"
	done
}

# vdist_units_q: the unit names, shell-quoted
vdist_units_q() { vdist_q "${vdist_unit_names[@]}"; }

# vdist_deb_systemd_postinst: what dh_installsystemd's postinst does:
# deb-systemd-helper enables the units on first install (and keeps the
# admin's choice after), a running systemd reloads, then deb-systemd-invoke
# starts them (restarts them on upgrade). Both come with init-system-helpers,
# which is essential in Debian and Ubuntu.
vdist_deb_systemd_postinst() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	local units act=start
	units=$(vdist_units_q)
	[ "$vdist_systemd_start" = true ] || act=''
	printf 'case "$1" in configure|abort-upgrade|abort-deconfigure|abort-remove)\n'
	if [ "$vdist_systemd_enable" = true ]; then
		printf '\tfor vdist_unit in %s; do\n' "$units"
		printf '\t\tdeb-systemd-helper unmask "$vdist_unit" >/dev/null || :\n'
		printf '\t\tif deb-systemd-helper --quiet was-enabled "$vdist_unit"; then\n'
		printf '\t\t\tdeb-systemd-helper enable "$vdist_unit" >/dev/null || :\n'
		printf '\t\telse\n\t\t\tdeb-systemd-helper update-state "$vdist_unit" >/dev/null || :\n\t\tfi\n'
		printf '\tdone\n'
	fi
	printf '\tif [ -d /run/systemd/system ]; then\n\t\tsystemctl --system daemon-reload >/dev/null || :\n'
	if [ -n "$act" ]; then
		printf '\t\tif [ -n "${2:-}" ]; then vdist_act=restart; else vdist_act=start; fi\n'
		printf '\t\tdeb-systemd-invoke "$vdist_act" %s >/dev/null || :\n' "$units"
	else
		printf '\t\t[ -z "${2:-}" ] || deb-systemd-invoke try-restart %s >/dev/null || :\n' "$units"
	fi
	printf '\tfi\n;;\nesac\n'
}

# vdist_deb_systemd_prerm: a running unit stops before a final removal
vdist_deb_systemd_prerm() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	local units
	units=$(vdist_units_q)
	printf 'if [ -d /run/systemd/system ] && [ "$1" = remove ]; then\n'
	printf '\tdeb-systemd-invoke stop %s >/dev/null || :\nfi\n' "$units"
}

# vdist_deb_systemd_postrm: after removal systemd forgets the units
# (reload; deb-systemd-helper masks them until purge, then forgets its state)
vdist_deb_systemd_postrm() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	local units
	units=$(vdist_units_q)
	printf 'if [ "$1" = remove ] && [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || :; fi\n'
	printf 'if [ "$1" = remove ]; then deb-systemd-helper mask %s >/dev/null || :; fi\n' "$units"
	printf 'if [ "$1" = purge ]; then deb-systemd-helper purge %s >/dev/null || :; deb-systemd-helper unmask %s >/dev/null || :; fi\n' "$units" "$units"
}

# vdist_stage_service: the units, config files, links and owned folders
# in the stage
vdist_stage_service() {
	local i name
	for name in "${vdist_unit_names[@]}"; do
		install -D -m 0644 "$vdist_scripts/units/$name" "$stage$vdist_unit_dir/$name"
	done
	for ((i = 0; i < ${#vdist_config_files[@]}; i += 2)); do
		install -D -m 0644 "$vdist_scripts/config/$((i / 2))" "$stage${vdist_config_files[i]}"
	done
	for ((i = 0; i < ${#vdist_links[@]}; i += 2)); do
		mkdir -p "$stage$(dirname "${vdist_links[i]}")"
		# Debian's policy wants a link across top-level folders absolute,
		# rpm's relative
		if [ "$vdist_package_type" = rpm ]; then
			ln -sfn "$(realpath -m --relative-to="$(dirname "${vdist_links[i]}")" "${vdist_links[i + 1]}")" "$stage${vdist_links[i]}"
		else
			ln -sfn "${vdist_links[i + 1]}" "$stage${vdist_links[i]}"
		fi
	done
	for ((i = 0; i < ${#vdist_dirs[@]}; i += 2)); do
		mkdir -p "$stage${vdist_dirs[i]}"
	done
}

# vdist_deb_control ARCH: the package's control file, on standard output
# (for dpkg-deb, and for fpm as its custom control file)
vdist_deb_control() {
	local arch=$1 deps size
	deps=$(vdist_deb_depends | paste -sd, | sed 's/,/, /g')
	size=$(vdist_installed_size)
	{
		printf 'Package: %s\n' "$pkgname"
		printf 'Version: %s-%s\n' "$version" "$iteration"
		printf 'Architecture: %s\n' "$arch"
		printf 'Maintainer: %s\n' "$(vdist_oneline "$maintainer")"
		printf 'Installed-Size: %s\n' "$size"
		[ ${#vdist_pre_depends[@]} -eq 0 ] || printf 'Pre-Depends: %s\n' "$(vdist_join "${vdist_pre_depends[@]}")"
		[ -z "$deps" ] || printf 'Depends: %s\n' "$deps"
		[ ${#vdist_recommends[@]} -eq 0 ] || printf 'Recommends: %s\n' "$(vdist_join "${vdist_recommends[@]}")"
		[ ${#vdist_suggests[@]} -eq 0 ] || printf 'Suggests: %s\n' "$(vdist_join "${vdist_suggests[@]}")"
		[ ${#vdist_conflicts[@]} -eq 0 ] || printf 'Conflicts: %s\n' "$(vdist_join "${vdist_conflicts[@]}")"
		[ ${#vdist_breaks[@]} -eq 0 ] || printf 'Breaks: %s\n' "$(vdist_join "${vdist_breaks[@]}")"
		[ ${#vdist_replaces[@]} -eq 0 ] || printf 'Replaces: %s\n' "$(vdist_join "${vdist_replaces[@]}")"
		[ ${#vdist_provides[@]} -eq 0 ] || printf 'Provides: %s\n' "$(vdist_join "${vdist_provides[@]}")"
		[ -z "$vdist_url" ] || printf 'Homepage: %s\n' "$(vdist_oneline "$vdist_url")"
		printf 'Section: %s\nPriority: %s\n' "$vdist_section" "$vdist_priority"
		printf 'Description: %s\n' "$summary"
		# extended description: each line indented, empty lines as " ."
		if [ "$summary" != "$vdist_description" ] && [ -n "$vdist_description" ]; then
			printf '%s\n' "${vdist_description#*$'\n'}" | sed 's/^[[:space:]]*$/./; s/^/ /'
		fi
	}
}

# vdist_package_deb: a .deb from the stage with dpkg-deb
vdist_package_deb() {
	local arch file
	arch=$(dpkg --print-architecture)
	vdist_docs_deb
	mkdir -p "$stage/DEBIAN"
	vdist_deb_control "$arch" >"$stage/DEBIAN/control"
	vdist_deb_scripts "$stage/DEBIAN"
	# config files are conffiles: an admin's edit survives upgrades, purge removes them
	local i
	for ((i = 0; i < ${#vdist_config_files[@]}; i += 2)); do
		printf '%s\n' "${vdist_config_files[i]}"
	done >"$stage/DEBIAN/conffiles"
	[ -s "$stage/DEBIAN/conffiles" ] || rm -f "$stage/DEBIAN/conffiles"
	# md5sum -z: the names as they are (without it a backslash is escaped)
	(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0r md5sum -z | tr '\0' '\n') \
		>"$stage/DEBIAN/md5sums"
	vdist_normalise
	file=$(vdist_file_name "$arch")
	vdist_log "packaging $file with dpkg-deb"
	# dpkg-deb sorts the members and, with SOURCE_DATE_EPOCH, dates the archive by it
	dpkg-deb --root-owner-group -Z"$vdist_compression" ${vdist_compression_level:+-z"$vdist_compression_level"} \
		--build "$stage" "$outdir/$file"
	rm -rf "$stage/DEBIAN"
	package_file=$file
}

# vdist_rpm_scriptlet_body CONDITION-HOOK-PAIRS...: the code of a spec
# scriptlet that runs each hook when its condition holds, % doubled (rpm
# expands macros in scriptlets); nothing when no hook is set
vdist_rpm_scriptlet_body() {
	local code=''
	while [ $# -ge 2 ]; do
		local hook
		hook=$(vdist_hook "$2")
		if [ -n "$hook" ]; then
			code+="if $1; then
:
$hook
fi
"
		fi
		shift 2
	done
	[ -n "$code" ] || return 0
	{
		vdist_hook_prelude
		printf '%s' "$code"
	} | sed 's/%/%%/g'
}

# vdist_rpm_postun_body: %postun's code: the after_remove hook and, on the
# final removal, what Python left behind cleared (% doubled)
vdist_rpm_postun_body() {
	local hook
	hook=$(vdist_hook after_remove)
	{
		[ -z "$hook" ] || vdist_hook_prelude
		printf 'if [ "$1" -eq 0 ]; then\n:\n%s\n%s\nfi\n' "$hook" "$(vdist_cleanup_code)"
	} | sed 's/%/%%/g'
}

# vdist_rpm_scripts EMIT: for pre, post, preun and postun with code, EMIT
# NAME BODY; the install and remove hooks run on a first install ($1 = 1)
# and a final removal ($1 = 0), the upgrade ones on upgrades ($1 > 1)
vdist_rpm_scripts() {
	local body
	body=$(vdist_lines "$(vdist_user_code | sed 's/%/%%/g')" \
		"$(vdist_rpm_scriptlet_body '[ "$1" -eq 1 ]' before_install '[ "$1" -gt 1 ]' before_upgrade)")
	[ -z "$body" ] || "$1" pre "$body"
	body=$(vdist_lines "$(vdist_rpm_scriptlet_body '[ "$1" -eq 1 ]' after_install '[ "$1" -gt 1 ]' after_upgrade)" \
		"$(vdist_rpm_systemd_post)")
	[ -z "$body" ] || "$1" post "$body"
	body=$(vdist_lines "$(vdist_rpm_systemd_preun)" "$(vdist_rpm_scriptlet_body '[ "$1" -eq 0 ]' before_remove)")
	[ -z "$body" ] || "$1" preun "$body"
	"$1" postun "$(vdist_lines "$(vdist_rpm_postun_body)" "$(vdist_rpm_systemd_postun)")"
}

# vdist_lines PART...: the parts that are not empty, one after the other,
# each ending its last line
vdist_lines() {
	local part
	for part in "$@"; do
		[ -z "$part" ] || printf '%s\n' "$part"
	done
}

# vdist_rpm_systemd_post: what %systemd_post does, but enabling (rather
# than applying the preset) and starting on a first install, as the
# systemd_enable and systemd_start keys say
vdist_rpm_systemd_post() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	local units
	units=$(vdist_units_q)
	printf 'if [ "$1" -eq 1 ]; then\n'
	[ "$vdist_systemd_enable" != true ] || printf '\tsystemctl --no-reload enable %s >/dev/null 2>&1 || :\n' "$units"
	printf '\tif [ -d /run/systemd/system ]; then\n\t\tsystemctl daemon-reload >/dev/null 2>&1 || :\n'
	[ "$vdist_systemd_start" != true ] || printf '\t\tsystemctl start %s || :\n' "$units"
	printf '\tfi\nfi\n'
}

# vdist_rpm_systemd_preun: what %systemd_preun does: a final removal
# disables and stops the units
vdist_rpm_systemd_preun() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	printf 'if [ "$1" -eq 0 ]; then\n\tsystemctl --no-reload disable --now %s >/dev/null 2>&1 || :\nfi\n' "$(vdist_units_q)"
}

# vdist_rpm_systemd_postun: what %systemd_postun_with_restart does: a
# running systemd reloads, and after an upgrade the running units restart
vdist_rpm_systemd_postun() {
	[ ${#vdist_unit_names[@]} -gt 0 ] || return 0
	printf 'if [ -d /run/systemd/system ]; then\n\tsystemctl daemon-reload >/dev/null 2>&1 || :\n'
	printf '\tif [ "$1" -ge 1 ]; then systemctl try-restart %s >/dev/null 2>&1 || :; fi\nfi\n' "$(vdist_units_q)"
}

# vdist_rpm_service_files: the %files lines of the units, config files
# (%config(noreplace): an edited file survives upgrades), links, owned
# folders (%attr: the user exists since %pre) and config folders
vdist_rpm_service_files() {
	local i name spec d owner group mode dirs=()
	for name in "${vdist_unit_names[@]}"; do printf '%s/%s\n' "$vdist_unit_dir" "$name"; done
	for ((i = 0; i < ${#vdist_config_files[@]}; i += 2)); do
		d=$(dirname "${vdist_config_files[i]}")
		[ "$d" = /etc ] || [[ " ${dirs[*]} " == *" $d "* ]] || { dirs+=("$d"); printf '%%dir %s\n' "$d"; }
		printf '%%config(noreplace) %s\n' "${vdist_config_files[i]}"
	done
	for ((i = 0; i < ${#vdist_links[@]}; i += 2)); do printf '%s\n' "${vdist_links[i]}"; done
	for ((i = 0; i < ${#vdist_dirs[@]}; i += 2)); do
		spec=${vdist_dirs[i + 1]}
		IFS=: read -r owner group mode <<<"$spec"
		printf '%%dir %%attr(%s,%s,%s) %s\n' "$mode" "$owner" "$group" "${vdist_dirs[i]}"
	done
}

# vdist_rpm_changelog: the one %changelog entry of this version
vdist_rpm_changelog() {
	printf '* %s %s - %s-%s\n- %s %s, packaged with its own virtualenv by vdist.\n' \
		"$(vdist_changelog_date '+%a %b %d %Y')" "$(vdist_oneline "$maintainer")" \
		"$version" "$iteration" "$vdist_app" "$version"
}

# vdist_stage_licenses: the source's license files into the stage's
# /usr/share/licenses/PKG/ (rpm's place), their paths into licenses
vdist_stage_licenses() {
	local lic
	licenses=()
	while IFS= read -r -d '' lic; do
		mkdir -p "$stage/usr/share/licenses/$pkgname"
		cp "$lic" "$stage/usr/share/licenses/$pkgname/"
		licenses+=("/usr/share/licenses/$pkgname/${lic##*/}")
	done < <(vdist_license_files)
}

# vdist_spec_scriptlet NAME BODY: a scriptlet of the spec
vdist_spec_scriptlet() { printf '%%%s\n%s\n' "$1" "$2"; }

# vdist_package_rpm: an .rpm from the stage with rpmbuild and a generated
# spec: no automatic requires, no stripping or byte-compiling of the
# bundled files (they would corrupt the venv and its interpreter)
vdist_package_rpm() {
	local spec=/build/vdist.spec dep arch file
	arch=$(rpm --eval '%{_arch}')
	vdist_stage_licenses
	vdist_normalise
	{
		printf 'Name: %s\n' "$pkgname"
		printf 'Version: %s\n' "$version"
		printf 'Release: %s\n' "$iteration"
		printf 'Summary: %s\n' "$(vdist_oneline "$summary" | sed 's/%/%%/g')"
		printf 'License: %s\n' "$(vdist_oneline "${vdist_license:-unknown}" | sed 's/%/%%/g')"
		[ -z "$vdist_url" ] || printf 'URL: %s\n' "$(vdist_oneline "$vdist_url" | sed 's/%/%%/g')"
		printf 'Packager: %s\n' "$(vdist_oneline "$maintainer" | sed 's/%/%%/g')"
		printf 'Group: Applications/System\n'
		printf 'AutoReqProv: no\n'
		for dep in "${vdist_package_deps[@]}"; do
			printf 'Requires: %s\n' "$dep"
		done
		[ -z "$vdist_user" ] || printf 'Requires(pre): /usr/sbin/useradd /usr/sbin/groupadd\n'
		for dep in "${vdist_conflicts[@]}"; do printf 'Conflicts: %s\n' "$dep"; done
		for dep in "${vdist_provides[@]}"; do printf 'Provides: %s\n' "$dep"; done
		for dep in "${vdist_replaces[@]}"; do printf 'Obsoletes: %s\n' "$dep"; done
		for dep in "${vdist_obsoleted[@]}"; do printf 'Provides: %s = %s-%s\n' "$dep" "$version" "$iteration"; done
		for dep in "${vdist_recommends[@]}"; do printf 'Recommends: %s\n' "$dep"; done
		for dep in "${vdist_suggests[@]}"; do printf 'Suggests: %s\n' "$dep"; done
		printf '%%global __os_install_post %%{nil}\n'
		printf '%%global __brp_strip %%{nil}\n%%global __brp_python_bytecompile %%{nil}\n'
		printf '%%global debug_package %%{nil}\n%%global _build_id_links none\n'
		# reproducible: no host name, the build time and every file time from SOURCE_DATE_EPOCH
		printf '%%global _buildhost reproducible\n%%global use_source_date_epoch_as_buildtime 1\n'
		printf '%%global clamp_mtime_to_source_date_epoch 1\n'
		printf '%%global _binary_payload %s\n' "$(vdist_rpm_payload)"

		printf '%%description\n%s\n' "$(printf '%s' "${vdist_description:-$vdist_app}" | sed 's/%/%%/g')"
		printf '%%install\nmkdir -p %%{buildroot}\ncp -a %s/. %%{buildroot}/\n' "$stage"
		printf '%%files\n%%defattr(-,root,root,-)\n%s\n' "$venv"
		if [ ${#licenses[@]} -gt 0 ]; then
			printf '%%dir /usr/share/licenses/%s\n' "$pkgname"
			printf '%%license %s\n' "${licenses[@]}"
		fi
		! vdist_python_outside_venv || printf '%s\n' "$vdist_python_prefix"
		vdist_rpm_service_files
		vdist_rpm_scripts vdist_spec_scriptlet
		printf '%%changelog\n'
		vdist_rpm_changelog | sed 's/%/%%/g'
	} >"$spec"
	vdist_log "packaging with rpmbuild"
	rpmbuild -bb --define "_topdir /build/rpm" --define "_rpmdir /build/rpms" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		--buildroot /build/rpmroot "$spec"
	file=$(vdist_file_name "$arch")
	mv "/build/rpms/$pkgname-$version-$iteration.$arch.rpm" "$outdir/$file"
	package_file=$file
}

# vdist_rpm_payload: rpm's payload compression from vdist_compression and
# its level (w3.zstdio, w6.xzdio, w6.gzdio, w0.ufdio)
vdist_rpm_payload() {
	case $vdist_compression in
	zstd) printf 'w%s.zstdio' "$vdist_compression_level" ;;
	xz) printf 'w%s.xzdio' "$vdist_compression_level" ;;
	gzip) printf 'w%s.gzdio' "$vdist_compression_level" ;;
	none) printf 'w0.ufdio' ;;
	esac
}

# vdist_fpm_compression TYPE: fpm's name for vdist_compression; fpm
# writes no zstd, so zstd becomes gzip, the fastest it has
vdist_fpm_compression() {
	case $1:$vdist_compression in
	deb:zstd | deb:gzip) printf gz ;;
	rpm:zstd) printf gzip ;;
	*) printf '%s' "$vdist_compression" ;;
	esac
}

# vdist_fpm_script NAME BODY: a scriptlet body for fpm, which puts it into
# its spec as it is (fpm_scripts is the folder)
vdist_fpm_script() { printf '%s\n' "$2" >"$fpm_scripts/$1"; }

# vdist_fpm_args_for TYPE ARCH: the fpm command line into the array
# fpm_argv, and the file it makes into package_file (used by
# vdist_package_fpm and by the tests, since fpm cannot run there). fpm
# gets the package scripts the native packagers get, as its plain
# install and remove scripts: without upgrade scripts it passes them on
# as they are, so both run the hooks with the same install, upgrade and
# remove semantics.
vdist_fpm_args_for() {
	local type=$1 dep key name i owner group mode doc=usr/share/doc/$pkgname
	fpm_scripts=${VDIST_FPM_SCRIPTS:-/build/fpm-scripts}
	rm -rf "$fpm_scripts"
	mkdir -p "$fpm_scripts"
	package_file=$(vdist_file_name "$2")
	fpm_argv=(fpm -s dir -t "$type" -n "$pkgname" -v "$version" --iteration "$iteration" -a "$2"
		-m "$maintainer" --description "${vdist_description:-$vdist_app}"
		--source-date-epoch-default "$SOURCE_DATE_EPOCH" --vendor '')
	[ -z "$vdist_url" ] || fpm_argv+=(--url "$vdist_url")
	[ -z "$vdist_license" ] || fpm_argv+=(--license "$vdist_license")
	# vdist-gen spelled them as fpm reads them for this package type
	for dep in "${vdist_package_deps[@]}"; do
		fpm_argv+=(-d "$dep")
	done
	if [ "$type" = deb ]; then
		vdist_deb_scripts "$fpm_scripts"
		# vdist's own control file (fpm's adds License and Vendor, which
		# lintian rejects, and counts Installed-Size its own way; it also
		# carries the dependencies dpkg-shlibdeps finds); and an
		# upstream changelog, without which fpm renames changelog.Debian.gz
		# to changelog.gz (an open fpm bug)
		vdist_deb_control "$2" >"$fpm_scripts/control"
		printf '%s %s\n\n  * Version %s of %s.\n' "$vdist_app" "$version" "$version" "$vdist_app" >"$fpm_scripts/upstream-changelog"
		fpm_argv+=(--category "$vdist_section" --deb-priority "$vdist_priority" --deb-compression "$(vdist_fpm_compression deb)"
			--deb-custom-control "$fpm_scripts/control" --deb-upstream-changelog "$fpm_scripts/upstream-changelog"
			--deb-changelog "$stage/$doc/changelog.Debian")
	else
		vdist_rpm_scripts vdist_fpm_script
		vdist_rpm_changelog >"$fpm_scripts/changelog"
		# as with rpmbuild: no automatic requires, nothing stripped; the
		# venv's folders owned, so removal takes them too
		fpm_argv+=(--rpm-os linux --no-rpm-autoreqprov --category Applications/System
			--rpm-summary "$summary" --rpm-changelog "$fpm_scripts/changelog" --directories "$venv"
			--rpm-digest sha256 --rpm-compression "$(vdist_fpm_compression rpm)"
			--rpm-rpmbuild-define "_buildhost reproducible"
			--rpm-rpmbuild-define "use_source_date_epoch_as_buildtime 1"
			--rpm-rpmbuild-define "clamp_mtime_to_source_date_epoch 1")
		[ -z "${licenses[*]:-}" ] || fpm_argv+=(--directories "/usr/share/licenses/$pkgname")
		for dep in "${vdist_conflicts[@]}"; do fpm_argv+=(--conflicts "$dep"); done
		for dep in "${vdist_provides[@]}"; do fpm_argv+=(--provides "$dep"); done
		for dep in "${vdist_replaces[@]}"; do fpm_argv+=(--replaces "$dep"); done
		for dep in "${vdist_obsoleted[@]}"; do fpm_argv+=(--provides "$dep = $version-$iteration"); done
		for ((i = 0; i < ${#vdist_dirs[@]}; i += 2)); do
			IFS=: read -r owner group mode <<<"${vdist_dirs[i + 1]}"
			fpm_argv+=(--directories "${vdist_dirs[i]}" --rpm-attr "$mode,$owner,$group:${vdist_dirs[i]}")
		done
	fi
	# the service's files: config files marked as such (deb: fpm marks
	# what is under /etc itself)
	for ((i = 0; i < ${#vdist_config_files[@]}; i += 2)); do
		[ "$type" = deb ] || fpm_argv+=(--config-files "${vdist_config_files[i]}")
	done
	for key in preinst:before-install postinst:after-install prerm:before-remove postrm:after-remove \
		pre:before-install post:after-install preun:before-remove postun:after-remove; do
		name=${key%%:*}
		[ ! -f "$fpm_scripts/$name" ] || fpm_argv+=("--${key#*:}" "$fpm_scripts/$name")
	done
	# the same file name as the native packagers give
	fpm_argv+=(-p "$outdir/$package_file")
	fpm_argv+=("${vdist_fpm_args[@]}" -C "$stage" ".$venv")
	if [ "$type" = deb ]; then
		fpm_argv+=("./$doc/copyright" "./usr/share/lintian/overrides/$pkgname")
	else
		[ -z "${licenses[*]:-}" ] || fpm_argv+=("./usr/share/licenses/$pkgname")
	fi
	! vdist_python_outside_venv || fpm_argv+=(".$vdist_python_prefix")
	for name in "${vdist_unit_names[@]}"; do fpm_argv+=(".$vdist_unit_dir/$name"); done
	for ((i = 0; i < ${#vdist_config_files[@]}; i += 2)); do fpm_argv+=(".${vdist_config_files[i]}"); done
	for ((i = 0; i < ${#vdist_links[@]}; i += 2)); do fpm_argv+=(".${vdist_links[i]}"); done
	for ((i = 0; i < ${#vdist_dirs[@]}; i += 2)); do fpm_argv+=(".${vdist_dirs[i]}"); done
}

# vdist_package_fpm TYPE: a package from the stage with fpm (it must be in
# the builder image: profiles with packager fpm name an image that has it)
vdist_package_fpm() {
	local arch
	command -v "${VDIST_FPM:-fpm}" >/dev/null || vdist_die "fpm is not in the builder image: profiles with packager fpm need an image with fpm"
	licenses=()
	if [ "$1" = deb ]; then
		arch=$(dpkg --print-architecture)
		vdist_docs_deb
		# fpm writes changelog.Debian.gz from --deb-changelog itself
		gzip -dc "$stage/usr/share/doc/$pkgname/changelog.Debian.gz" >"$stage/usr/share/doc/$pkgname/changelog.Debian"
		rm -f "$stage/usr/share/doc/$pkgname/changelog.Debian.gz"
	else
		arch=$(rpm --eval '%{_arch}')
		vdist_stage_licenses
	fi
	vdist_normalise
	vdist_fpm_args_for "$1" "$arch"
	vdist_log "packaging with fpm: $(printf '%q ' "${fpm_argv[@]}")"
	fpm_argv[0]=${VDIST_FPM:-fpm}
	(cd "$outdir" && "${fpm_argv[@]}")
}

# vdist_deliver: hand the package to the host, owned by the calling user;
# it appears in /out only when complete
vdist_deliver() {
	local f=$outdir/$package_file
	[ -f "$f" ] || vdist_die "the packager made no $package_file"
	cp "$f" "/out/.$package_file.part"
	chown "${VDIST_UID:-0}:${VDIST_GID:-0}" "/out/.$package_file.part"
	mv "/out/.$package_file.part" "/out/$package_file"
	vdist_log "built $package_file"
	vdist_step package "$package_file"
}

# vdist_wheels: wheels of the app and of everything it needs (with the
# extras in $VDIST_EXTRAS) into /out, plus its build requirements, so that
# package builds can run offline from them; /out/.vdist-app-wheel names
# the app's own wheel
vdist_wheels() {
	local appwheel extras=${VDIST_EXTRAS:-} req=
	vdist_setup
	vdist_prepare_source
	vdist_find_python
	venv=/build/wheel-venv
	vdist_make_venv
	vdist_pip_setup
	cd "$workdir"
	pip=("$vpython" -m pip --disable-pip-version-check)
	vdist_log "building the wheel of the application"
	# PEP 517 always, so a setup.py-only project builds without wheel in the venv
	"${pip[@]}" wheel --no-cache-dir --no-deps --use-pep517 -w /build/appwheel "${pip_args[@]}" .
	appwheel=$(cd /build/appwheel && ls)
	cp "/build/appwheel/$appwheel" /build/out/
	vdist_log "wheels of its dependencies${extras:+ and of the extras [$extras]}"
	"${pip[@]}" wheel --no-cache-dir -w /build/out --find-links /build/out "${pip_args[@]}" \
		"/build/out/$appwheel${extras:+[$extras]}"
	if [ -n "$vdist_requirements_path" ] && [ -f "/build/src/${vdist_requirements_path#/}" ]; then
		"${pip[@]}" wheel --no-cache-dir -w /build/out --find-links /build/out "${pip_args[@]}" \
			-r "/build/src/${vdist_requirements_path#/}"
	fi
	# the build system too: a package build from the source needs it offline
	mapfile -t req < <("$vpython" - <<'PY'
import os
reqs = ["setuptools", "wheel"]
if os.path.exists("pyproject.toml"):
    try:
        import tomllib
        with open("pyproject.toml", "rb") as f:
            reqs = tomllib.load(f).get("build-system", {}).get("requires", reqs)
    except ImportError:
        pass
print("\n".join(reqs))
PY
)
	"${pip[@]}" wheel --no-cache-dir -w /build/out --find-links /build/out "${pip_args[@]}" "${req[@]}"
	printf '%s\n' "$appwheel" >/build/out/.vdist-app-wheel
	chown -R "${VDIST_UID:-0}:${VDIST_GID:-0}" /build/out
	cp -a /build/out/. /out/
	vdist_log "wheels: $(cd /build/out && ls | tr '\n' ' ')"
}

# vdist_shell: make builder-ID: the venv of the app's dependencies
# (vdist_deps, its output in /build/deps.log), then VDIST_SHELL_CMD with
# bash in /src, or an interactive bash when it is empty
vdist_shell() {
	vdist_setup
	mkdir -p /build
	vdist_prepare_source >/build/deps.log 2>&1
	vdist_deps >>/build/deps.log 2>&1 || { cat /build/deps.log >&2; vdist_die "the venv of the dependencies failed"; }
	export VIRTUAL_ENV=$venv PATH=$venv/bin:$PATH
	cd /src
	if [ -n "${VDIST_SHELL_CMD:-}" ]; then
		exec bash -c "$VDIST_SHELL_CMD"
	fi
	exec bash -i
}

# vdist_check_arch: the container runs as the build's architecture (an
# image of another one, or an emulation that is not there, would make a
# package of the wrong one under the right name)
vdist_check_arch() {
	local have want=$vdist_arch
	if command -v dpkg >/dev/null; then
		have=$(dpkg --print-architecture)
	else
		have=$(rpm --eval '%{_arch}')
		case $want in amd64) want=x86_64 ;; arm64) want=aarch64 ;; esac
	fi
	[ "$have" = "$want" ] ||
		vdist_die "the builder runs as $have ($(uname -m)), but the build is for $vdist_arch: its base image $vdist_docker_image is not an $vdist_arch image"
}

# vdist_build: every step, in order
vdist_build() {
	vdist_t0=$(vdist_now)
	vdist_check_arch
	vdist_setup
	vdist_prepare_source
	vdist_deps
	vdist_app
	vdist_prune
	vdist_relative_links
	vdist_compile
	vdist_stage
	vdist_stage_service
	vdist_strip
	vdist_check_names
	case $vdist_packager in
	native) "vdist_package_$vdist_package_type" ;;
	fpm) vdist_package_fpm "$vdist_package_type" ;;
	*) vdist_die "unknown packager '$vdist_packager'" ;;
	esac
	vdist_deliver
}
