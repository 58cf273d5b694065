# vdist runtime: the steps of a build inside the builder container, used
# by build.sh. The same for every build: what differs is in values.sh.
# Mounts: /src the source, /vdist the build's folder, /vdist-runtime this
# folder (all read-only), /out where the finished package goes. Work
# happens under /build.
# shellcheck shell=bash

# vdist_log MESSAGE...: one progress line
vdist_log() { printf 'vdist: %s\n' "$*"; }

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

# vdist_file_name ARCH: the package file's name (vdist-gen made the format)
vdist_file_name() {
	# shellcheck disable=SC2059
	printf -- "$vdist_file_format" "$version" "$iteration" "$1"
}

# vdist_prepare_source: copy /src to /build/src without VCS folders and
# without the project's dist/, .vdist/ and wheelhouse/
vdist_prepare_source() {
	vdist_log "copying the source"
	mkdir -p /build/src
	tar -C /src --anchored --exclude=./dist --exclude=./.vdist --exclude=./wheelhouse \
		--no-anchored --exclude-vcs -cf - . | tar -C /build/src -xf -
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

# vdist_pip_install: requirements, then the app, into the venv (never into
# the base interpreter: pip always runs as the venv's python -m pip)
vdist_pip_install() {
	vdist_pip_setup
	local req=
	if [ -n "$vdist_requirements_path" ]; then
		req=/build/src/${vdist_requirements_path#/}
	fi
	cd "$workdir"
	if [ -n "$req" ] && [ -f "$req" ]; then
		vdist_log "installing $vdist_requirements_path"
		"$vpython" -m pip install --no-cache-dir --disable-pip-version-check "${pip_args[@]}" -r "$req"
	elif [ "$vdist_requirements_explicit" = true ]; then
		vdist_die "requirements_path '$vdist_requirements_path' is not a file of the source"
	fi
	if [ -f setup.py ] || [ -f pyproject.toml ]; then
		vdist_log "installing the application"
		"$vpython" -m pip install --no-cache-dir --disable-pip-version-check "${pip_args[@]}" .
	else
		# no setup.py or pyproject.toml: ship the source tree itself
		vdist_log "no setup.py or pyproject.toml: shipping the source as $venv/app"
		mkdir -p "$venv/app"
		cp -a . "$venv/app/"
		# byte-compile now, so the .pyc files belong to the package and go with it
		"$vpython" -m compileall -q "$venv/app" >/dev/null
	fi
	# the venv must not hold VCS folders or a copy of the build tree
	find "$venv" \( -name .git -o -name .hg -o -name .svn \) -prune -exec rm -rf {} +
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
# vdist_run NAME: run the script on standard input as the project's NAME hook
vdist_run() {
	vdist_tmp=$(mktemp)
	cat >"$vdist_tmp"
	if head -n1 "$vdist_tmp" | grep -q '^#!'; then
		chmod 700 "$vdist_tmp"
		"$vdist_tmp" || { vdist_rc=$?; rm -f "$vdist_tmp"; echo "$1 script failed ($vdist_rc)" >&2; exit "$vdist_rc"; }
	else
		sh "$vdist_tmp" || { vdist_rc=$?; rm -f "$vdist_tmp"; echo "$1 script failed ($vdist_rc)" >&2; exit "$vdist_rc"; }
	fi
	rm -f "$vdist_tmp"
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
		vdist_hook_prelude
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

# vdist_package_deb: a .deb from the stage with dpkg-deb
vdist_package_deb() {
	local arch deps size file body
	arch=$(dpkg --print-architecture)
	mkdir -p "$stage/DEBIAN"
	deps=$(IFS=,; printf '%s' "${vdist_package_deps[*]}" | sed 's/,/, /g')
	size=$(du -sk "$stage" | cut -f1)
	{
		printf 'Package: %s\n' "$pkgname"
		printf 'Version: %s-%s\n' "$version" "$iteration"
		printf 'Architecture: %s\n' "$arch"
		printf 'Maintainer: %s\n' "$(vdist_oneline "$maintainer")"
		printf 'Installed-Size: %s\n' "$size"
		[ -z "$deps" ] || printf 'Depends: %s\n' "$deps"
		[ -z "$vdist_url" ] || printf 'Homepage: %s\n' "$(vdist_oneline "$vdist_url")"
		printf 'Section: misc\nPriority: optional\n'
		printf 'Description: %s\n' "$summary"
		# extended description: each line indented, empty lines as " ."
		if [ "$summary" != "$vdist_description" ] && [ -n "$vdist_description" ]; then
			printf '%s\n' "${vdist_description#*$'\n'}" | sed 's/^[[:space:]]*$/./; s/^/ /'
		fi
	} >"$stage/DEBIAN/control"
	body=$(vdist_case install before_install; vdist_case upgrade before_upgrade)
	[ -z "$body" ] || vdist_maint_script "$stage/DEBIAN/preinst" "case \"\$1\" in
$body
esac"
	body=$(vdist_hook after_install)$(vdist_hook after_upgrade)
	if [ -n "$body" ]; then
		vdist_maint_script "$stage/DEBIAN/postinst" "if [ \"\$1\" = configure ]; then
	if [ -z \"\${2:-}\" ]; then
		:
$(vdist_hook after_install)
	else
		:
$(vdist_hook after_upgrade)
	fi
fi"
	fi
	body=$(vdist_case remove before_remove)
	[ -z "$body" ] || vdist_maint_script "$stage/DEBIAN/prerm" "case \"\$1\" in
$body
esac"
	body=$(vdist_case remove after_remove)
	vdist_maint_script "$stage/DEBIAN/postrm" "case \"\$1\" in
$body
esac
case \"\$1\" in
remove|purge)
	$(vdist_cleanup_code)
	;;
esac"
	file=$(vdist_file_name "$arch")
	vdist_log "packaging $file with dpkg-deb"
	dpkg-deb --root-owner-group -Zxz --build "$stage" "$outdir/$file"
	rm -rf "$stage/DEBIAN"
	package_file=$file
}

# vdist_rpm_scriptlet NAME CONDITION-HOOK-PAIRS...: one spec scriptlet
vdist_rpm_scriptlet() {
	local name=$1 code=
	shift
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
	printf '%%%s\n' "$name"
	# rpm expands macros in scriptlets: double every %
	{
		vdist_hook_prelude
		printf '%s' "$code"
	} | sed 's/%/%%/g'
}

# vdist_package_rpm: an .rpm from the stage with rpmbuild and a generated
# spec: no automatic requires, no stripping or byte-compiling of the
# bundled files (they would corrupt the venv and its interpreter)
vdist_package_rpm() {
	local spec=/build/vdist.spec dep arch file
	arch=$(rpm --eval '%{_arch}')
	{
		printf 'Name: %s\n' "$pkgname"
		printf 'Version: %s\n' "$version"
		printf 'Release: %s\n' "$iteration"
		printf 'Summary: %s\n' "$(vdist_oneline "$summary" | sed 's/%/%%/g')"
		printf 'License: %s\n' "$(vdist_oneline "${vdist_license:-unknown}" | sed 's/%/%%/g')"
		[ -z "$vdist_url" ] || printf 'URL: %s\n' "$(vdist_oneline "$vdist_url" | sed 's/%/%%/g')"
		printf 'Packager: %s\n' "$(vdist_oneline "$maintainer" | sed 's/%/%%/g')"
		printf 'AutoReqProv: no\n'
		for dep in "${vdist_package_deps[@]}"; do
			printf 'Requires: %s\n' "$dep"
		done
		printf '%%global __os_install_post %%{nil}\n'
		printf '%%global __brp_strip %%{nil}\n%%global __brp_python_bytecompile %%{nil}\n'
		printf '%%global debug_package %%{nil}\n%%global _build_id_links none\n'
		printf '%%description\n%s\n' "$(printf '%s' "${vdist_description:-$vdist_app}" | sed 's/%/%%/g')"
		printf '%%install\nmkdir -p %%{buildroot}\ncp -a %s/. %%{buildroot}/\n' "$stage"
		printf '%%files\n%%defattr(-,root,root,-)\n%s\n' "$venv"
		! vdist_python_outside_venv || printf '%s\n' "$vdist_python_prefix"
		vdist_rpm_scriptlet pre '[ "$1" -eq 1 ]' before_install '[ "$1" -gt 1 ]' before_upgrade
		vdist_rpm_scriptlet post '[ "$1" -eq 1 ]' after_install '[ "$1" -gt 1 ]' after_upgrade
		vdist_rpm_scriptlet preun '[ "$1" -eq 0 ]' before_remove
		# %postun always: the final removal also clears what Python left behind
		printf '%%postun\n'
		{
			vdist_hook_prelude
			printf 'if [ "$1" -eq 0 ]; then\n:\n%s\n%s\nfi\n' "$(vdist_hook after_remove)" "$(vdist_cleanup_code)"
		} | sed 's/%/%%/g'
	} >"$spec"
	vdist_log "packaging with rpmbuild"
	rpmbuild -bb --define "_topdir /build/rpm" --define "_rpmdir /build/rpms" \
		--define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		--buildroot /build/rpmroot "$spec"
	file=$(vdist_file_name "$arch")
	mv "/build/rpms/$pkgname-$version-$iteration.$arch.rpm" "$outdir/$file"
	package_file=$file
}

# vdist_fpm_args_for TYPE ARCH: the fpm command line into the array
# fpm_argv, and the file it makes into package_file (used by
# vdist_package_fpm and by the tests, since fpm cannot run there)
vdist_fpm_args_for() {
	local type=$1 key dep
	package_file=$(vdist_file_name "$2")
	fpm_argv=(fpm -s dir -t "$type" -n "$pkgname" -v "$version" --iteration "$iteration"
		-m "$maintainer" --description "${vdist_description:-$vdist_app}")
	[ -z "$vdist_url" ] || fpm_argv+=(--url "$vdist_url")
	[ -z "$vdist_license" ] || fpm_argv+=(--license "$vdist_license")
	# vdist-gen spelled them as fpm reads them for this package type
	for dep in "${vdist_package_deps[@]}"; do
		fpm_argv+=(-d "$dep")
	done
	for key in "${vdist_script_keys[@]}"; do
		[ ! -f "$vdist_scripts/$key" ] || fpm_argv+=("--${key//_/-}" "$vdist_scripts/$key")
	done
	if [ "$type" = rpm ]; then
		# as with rpmbuild: no automatic requires, nothing stripped
		fpm_argv+=(--rpm-os linux --no-rpm-autoreqprov)
	fi
	# the same file name as the native packagers give
	fpm_argv+=(-p "$outdir/$package_file")
	fpm_argv+=("${vdist_fpm_args[@]}" -C "$stage" ".$venv")
}

# vdist_package_fpm TYPE: a package from the stage with fpm (it must be in
# the builder image: profiles with packager fpm name an image that has it)
vdist_package_fpm() {
	local arch
	command -v "${VDIST_FPM:-fpm}" >/dev/null || vdist_die "fpm is not in the builder image: profiles with packager fpm need an image with fpm"
	if [ "$1" = deb ]; then arch=$(dpkg --print-architecture); else arch=$(rpm --eval '%{_arch}'); fi
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

# vdist_build: every step, in order
vdist_build() {
	vdist_setup
	vdist_prepare_source
	vdist_find_python
	vdist_make_venv
	vdist_pip_install
	vdist_stage
	case $vdist_packager in
	native) "vdist_package_$vdist_package_type" ;;
	fpm) vdist_package_fpm "$vdist_package_type" ;;
	*) vdist_die "unknown packager '$vdist_packager'" ;;
	esac
	vdist_deliver
}
