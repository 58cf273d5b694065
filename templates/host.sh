#!/bin/bash
# vdist runtime: the host side of a build, run by the make rules as
#   bash .vdist/runtime/host.sh ID COMMAND [ARGS...]
# source, builder image, the container run, delivery into dist/, and the
# install check. The same for every build of the project: what differs is
# in .vdist/ID/values.sh, which vdist-gen wrote. Make variables arrive as
# VDIST_* in the environment.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
usage="usage: host.sh ID source|inputs|image|package|check|lint|wheels|release|run|base-image|base-image-if-possible"
case ${1:-} in
'' | */* | .*) printf 'vdist: error: %s\n' "$usage" >&2; exit 2 ;;
esac
[ -f ".vdist/$1/values.sh" ] || { printf 'vdist: error: no build %s: .vdist/%s/values.sh is missing (run vdist-gen)\n' "$1" "$1" >&2; exit 2; }
# shellcheck source=/dev/null
. ".vdist/$1/values.sh"
# shellcheck source=bootstrap.sh
. "$here/bootstrap.sh"
shift

rel=.vdist/$vdist_id
logdir=.vdist/logs
log=$logdir/$vdist_id.log
dist=${VDIST_DIST:-dist}
wheelhouse=${VDIST_WHEELHOUSE:-wheelhouse}
read -r -a docker <<<"${VDIST_DOCKER:-docker}"
read -r -a build_flags <<<"${VDIST_DOCKER_BUILD_FLAGS:-}"
read -r -a run_flags <<<"${VDIST_DOCKER_RUN_FLAGS:-}"
# the one place where make variables win over PACKAGE_* from the
# environment, which win over vdist.json; the container gets the result
version=${VDIST_VERSION:-${PACKAGE_VERSION:-$vdist_version}}
iteration=${VDIST_ITERATION:-${PACKAGE_ITERATION:-$vdist_iteration}}
maintainer=${VDIST_MAINTAINER:-${PACKAGE_MAINTAINER:-$vdist_maintainer}}

# say MESSAGE...: one line tagged with the build name
say() { printf '[%s] %s\n' "$vdist_name" "$*"; }
# die MESSAGE...: fail this build, naming it
die() {
	printf '[%s] error: %s\n' "$vdist_name" "$*" >&2
	exit 1
}
# tag: copy standard input to standard output, each line tagged
tag() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '[%s] %s\n' "$vdist_name" "$line"
	done
}

# OFFLINE=1/0 from make wins over vdist.json's "offline"
case ${VDIST_OFFLINE:-} in
1 | true | yes) vdist_offline=true ;;
0 | false | no) vdist_offline=false ;;
'') ;;
*) die "OFFLINE must be 1 or 0, not '$VDIST_OFFLINE'" ;;
esac

[[ $version =~ $vdist_version_re ]] || die "version '$version' $vdist_version_rule"
[[ $iteration =~ $vdist_iteration_re ]] || die "iteration '$iteration' $vdist_iteration_rule"

# source_date_epoch SRC: the time every file of the package carries
# (reproducible builds): SOURCE_DATE_EPOCH from the environment, else the
# commit time of the source's git HEAD (git sources, and directory sources
# inside a git work tree), else the newest modification time among the
# files that go into the package (as cmd_inputs lists them)
source_date_epoch() {
	local t=${SOURCE_DATE_EPOCH:-}
	if [ -z "$t" ] && git -C "$1" rev-parse --git-dir >/dev/null 2>&1; then
		t=$(git -C "$1" log -1 --format=%ct 2>/dev/null || true)
	fi
	if [ -z "$t" ]; then
		[ -f "$rel/inputs.stamp" ] || cmd_inputs
		t=$(awk '$1 ~ /^\.\// && NF >= 4 { split($(NF - 1), a, "."); if (a[1] > m) m = a[1] } END { print m + 0 }' "$rel/inputs.stamp")
	fi
	[[ $t =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$t' must be a number of seconds"
	printf '%s\n' "$t"
}

# container_env SRC: the -e flags every build container gets, into the array cenv
container_env() {
	cenv=(-e VDIST_VERSION="$version" -e VDIST_ITERATION="$iteration" -e VDIST_MAINTAINER="$maintainer"
		-e VDIST_UID="$(id -u)" -e VDIST_GID="$(id -g)" -e VDIST_OFFLINE="$vdist_offline"
		-e SOURCE_DATE_EPOCH="$(source_date_epoch "$1")")
}

# mounts: the -v flags of the build's folder and the runtime, into the array mounts
mounts() {
	mounts=(-v "$PWD/$rel:/vdist:ro" -v "$here:/vdist-runtime:ro")
}

# source_dir: the folder mounted as /src
source_dir() {
	if [ "$vdist_source_kind" = directory ]; then
		printf '%s\n' "$vdist_project/$vdist_source"
	else
		printf '%s\n' "$rel/src"
	fi
}

# cmd_source: for git sources, a clone on the host (so the container
# needs no network), made again when the branch moved
cmd_source() {
	[ "$vdist_source_kind" != directory ] || return 0
	local url=$vdist_source want have=
	if [ "$vdist_source_kind" = git_directory ]; then
		url=$(cd "$vdist_project" && cd "$vdist_source" && pwd)
	fi
	# the branch's own ref: a bare name would also match tags and x/BRANCH
	want=$(git ls-remote -- "$url" "${vdist_branch:+refs/heads/$vdist_branch}" | awk -v r="${vdist_branch:+refs/heads/$vdist_branch}" '$2 == (r == "" ? "HEAD" : r) { print $1 }')
	[ -n "$want" ] || die "git: no branch '${vdist_branch:-HEAD}' in $url"
	if [ -d "$rel/src/.git" ]; then
		have=$(git -C "$rel/src" rev-parse HEAD)
	fi
	if [ "$want" != "$have" ]; then
		say "cloning $url${vdist_branch:+ ($vdist_branch)}"
		rm -rf "$rel/src.new"
		git clone -q ${vdist_branch:+--branch "$vdist_branch"} -- "$url" "$rel/src.new"
		rm -rf "$rel/src"
		mv "$rel/src.new" "$rel/src"
	fi
}

# cmd_inputs: refresh $rel/inputs.stamp only when something that goes
# into the package changed, so make rebuilds exactly then
cmd_inputs() {
	cmd_source
	local src key path i
	src=$(source_dir)
	[ -d "$src" ] || die "source folder '$src' does not exist"
	local own_prune=() f
	if [ "$(cd "$src" && pwd)" = "$(cd "$vdist_project" && pwd)" ]; then
		for f in "${vdist_own_files[@]}"; do
			own_prune+=(-o -path "./${f#./}")
		done
	fi
	{
		printf 'version %s\niteration %s\nmaintainer %s\n' "$version" "$iteration" "$maintainer"
		# files only: folder times change when dist/ or logs appear; and
		# not vdist's own files, whose changes reach the build through the
		# scripts vdist-gen writes again
		(cd "$src" && find . \( -path ./.git -o -path ./.vdist -o -path "./$dist" "${own_prune[@]}" \) -prune -o ! -type d -printf '%p %s %T@ %m\n' | LC_ALL=C sort)
		[ "$vdist_source_kind" = directory ] || git -C "$src" rev-parse HEAD
		for key in "${vdist_script_keys[@]}"; do
			path=vdist_$key
			[ -z "${!path}" ] || printf '%s %s\n' "$key" "$(sha256sum <"$vdist_project/${!path}")"
		done
		[ -z "$vdist_changelog" ] || printf 'changelog %s\n' "$(sha256sum <"$vdist_project/$vdist_changelog")"
		for f in "${vdist_systemd_units[@]}"; do
			printf 'unit %s %s\n' "$f" "$(sha256sum <"$vdist_project/$f")"
		done
		for ((i = 1; i < ${#vdist_config_files[@]}; i += 2)); do
			printf 'config %s %s\n' "${vdist_config_files[i]}" "$(sha256sum <"$vdist_project/${vdist_config_files[i]}")"
		done
		printf 'source_date_epoch %s\n' "${SOURCE_DATE_EPOCH:-}"
	} >"$rel/inputs.new"
	if cmp -s "$rel/inputs.new" "$rel/inputs.stamp"; then
		rm -f "$rel/inputs.new"
	else
		mv "$rel/inputs.new" "$rel/inputs.stamp"
	fi
}

# base_present: the profile's base image is in docker (by exit status:
# docker image inspect prints an empty line for a missing image)
base_present() { "${docker[@]}" image inspect "$vdist_docker_image" >/dev/null 2>&1; }

# ensure_base: a missing base image is bootstrapped where the profile can
# be, pulled otherwise; a clear error when neither works
ensure_base() {
	base_present && return 0
	if [ -n "$vdist_bootstrap_suite" ]; then
		say "base image $vdist_docker_image is missing: bootstrapping it (as make base-image-$vdist_profile does)"
		cmd_base_image
		return 0
	fi
	say "base image $vdist_docker_image is missing: pulling it"
	if ! "${docker[@]}" pull "$vdist_docker_image" 2>&1 | tag || ! base_present; then
		die "base image $vdist_docker_image is not in docker and could not be pulled: load it (docker load or docker import), or give profile $vdist_profile a bootstrap_suite"
	fi
}

# cmd_image: the builder image, unless docker already has it, made from
# the current base image; with compile_python, the CPython source is
# fetched first, checked and cached (vdist-gen fetch), into the image's
# build context
cmd_image() {
	mkdir -p "$logdir" "$rel/context"
	ensure_base
	# the builder records the id of the base image it was made from, so a
	# base image made again (make images, a new pull) makes it again too
	local base_id have_base=''
	base_id=$("${docker[@]}" image inspect -f '{{.Id}}' "$vdist_docker_image")
	if "${docker[@]}" image inspect "$vdist_image_tag" >/dev/null 2>&1; then
		have_base=$("${docker[@]}" image inspect -f '{{index .Config.Labels "org.vdist.base"}}' "$vdist_image_tag")
	fi
	if [ -n "$have_base" ] && [ "$have_base" = "$base_id" ]; then
		say "builder image $vdist_image_tag is up to date"
	else
		if [ -n "$vdist_python_build_prefix" ]; then
			say "fetching $vdist_python_url"
			"${VDIST_GEN:-vdist-gen}" fetch "$vdist_python_url" -o "$rel/context/python-src.tar" \
				${vdist_python_sha256:+--sha256 "$vdist_python_sha256"} 2>&1 | tag
			[ "${PIPESTATUS[0]}" = 0 ] || die "could not fetch the CPython source"
		fi
		say "building builder image $vdist_image_tag from $vdist_docker_image"
		if ! "${docker[@]}" build "${build_flags[@]}" --label "org.vdist.base=$base_id" \
			-t "$vdist_image_tag" -f "$rel/Dockerfile" "$rel/context" 2>&1 \
			| tee "$logdir/$vdist_id.image.log" | tag; then
			die "building the builder image failed; full log: $logdir/$vdist_id.image.log"
		fi
	fi
	# the stamp holds the image's id and changes only with it, so make
	# images does not rebuild packages whose builder stayed the same
	local id
	id=$("${docker[@]}" image inspect -f '{{.Id}}' "$vdist_image_tag")
	if [ "$(cat "$rel/image.stamp" 2>/dev/null)" != "$id" ] || [ "$rel/Dockerfile" -nt "$rel/image.stamp" ]; then
		printf '%s\n' "$id" >"$rel/image.stamp"
	fi
}

# wheel_mount: flags that mount the project's wheelhouse/ at /wheelhouse
# when it exists (pip then finds wheels there), and cut the network when
# the build is offline
wheel_mount() {
	wheel_flags=()
	if [ -d "$wheelhouse" ]; then
		wheel_flags+=(-v "$(cd "$wheelhouse" && pwd):/wheelhouse:ro")
	fi
	no_network_if_offline
}

# no_network_if_offline: an offline build replaces any --network of
# DOCKER_RUN_FLAGS with --network none
no_network_if_offline() {
	[ "$vdist_offline" = true ] || return 0
	local kept=() skip=0 f
	for f in "${run_flags[@]}"; do
		if [ "$skip" = 1 ]; then
			skip=0
			continue
		fi
		case $f in
		--network | --net) skip=1 ;;
		--network=* | --net=*) ;;
		*) kept+=("$f") ;;
		esac
	done
	run_flags=("${kept[@]}" --network none)
}

# cmd_wheels: the app's wheels and its dependencies' (and EXTRAS') into
# wheelhouse/, built in the builder container
cmd_wheels() {
	local src
	mkdir -p "$logdir" "$wheelhouse"
	src=$(cd "$(source_dir)" && pwd)
	wheel_flags=()
	[ "$vdist_offline" != true ] || wheel_flags+=(-v "$(cd "$wheelhouse" && pwd):/wheelhouse:ro")
	no_network_if_offline
	say "building wheels${VDIST_EXTRAS:+ with extras [$VDIST_EXTRAS]} into $wheelhouse/"
	rm -rf "$rel/wheels"
	mkdir -p "$rel/wheels"
	container_env "$src"
	mounts
	if ! "${docker[@]}" run --rm "${run_flags[@]}" "${wheel_flags[@]}" "${mounts[@]}" "${cenv[@]}" \
		-v "$src:/src:ro" -v "$PWD/$rel/wheels:/out" -e VDIST_EXTRAS="${VDIST_EXTRAS:-}" \
		"$vdist_image_tag" bash -c 'set -euo pipefail; . /vdist/values.sh; . /vdist-runtime/lib.sh; vdist_wheels' 2>&1 \
		| tee "$logdir/$vdist_id.wheels.log" | tag; then
		die "building wheels failed; full log: $logdir/$vdist_id.wheels.log"
	fi
	cp -a "$rel/wheels/." "$wheelhouse/"
	rm -rf "$rel/wheels"
}

# image_name: the release image, REPO_NS/IMAGE_NAME:REPO_VERSION
image_name() { printf '%s/%s:%s' "${VDIST_REPO_NS:-vdist}" "${VDIST_IMAGE_NAME:-$vdist_app}" "${VDIST_REPO_VERSION:-latest}"; }

# cmd_release: the runtime image, from the wheelhouse, tagged
# REPO_NS/IMAGE_NAME:REPO_VERSION and :latest
cmd_release() {
	local ctx=$rel/release name
	[ -f "$wheelhouse/.vdist-app-wheel" ] || die "no $wheelhouse/.vdist-app-wheel: run make wheels first"
	name=$(image_name)
	rm -rf "$ctx"
	mkdir -p "$ctx" "$logdir"
	cp -a "$wheelhouse" "$ctx/wheelhouse"
	cp "$here/entrypoint.sh" "$ctx/entrypoint.sh"
	chmod 0755 "$ctx/entrypoint.sh"
	say "building release image $name"
	if ! "${docker[@]}" build "${build_flags[@]}" --build-arg APPENV="${VDIST_APPENV:-/appenv}" \
		--build-arg EXTRAS="${VDIST_EXTRAS:-}" -t "$name" -t "${name%:*}:latest" \
		-f "$rel/release.Dockerfile" "$ctx" 2>&1 | tee "$logdir/$vdist_id.release.log" | tag; then
		die "building the release image failed; full log: $logdir/$vdist_id.release.log"
	fi
	rm -rf "$ctx"
	say "release image: $name and ${name%:*}:latest"
}

# each_word FLAG WORDS: append FLAG WORD to the array flags for each
# space-separated word
each_word() {
	local w words
	read -r -a words <<<"$2"
	for w in "${words[@]}"; do flags+=("$1" "$w"); done
}

# cmd_run ARGS...: the release image with PORTS, VOLUMES and ENV_VARS as
# -p, -v and -e, running ARGS (words of CMD) in its venv
cmd_run() {
	local flags=()
	each_word -p "${VDIST_PORTS:-}"
	each_word -v "${VDIST_VOLUMES:-}"
	each_word -e "${VDIST_ENV_VARS:-}"
	[ ! -t 0 ] || flags+=(-it)
	exec "${docker[@]}" run --rm "${run_flags[@]}" "${flags[@]}" "$(image_name)" "$@"
}

# cmd_base_image [if-possible]: the profile's image bootstrapped from a
# distribution mirror with mmdebstrap, for sites without a registry; with
# if-possible (make images), a profile that cannot be bootstrapped is left
# to docker's registry. One bootstrap of an image at a time (flock).
cmd_base_image() {
	if [ -z "$vdist_bootstrap_suite" ] && [ "${1:-}" = if-possible ]; then
		say "profile $vdist_profile has no bootstrap_suite: docker pulls $vdist_docker_image from its registry"
		return 0
	fi
	[ -n "$vdist_bootstrap_suite" ] || die "profile $vdist_profile has no bootstrap_suite: only Debian and Ubuntu profiles can be bootstrapped"
	mkdir -p "$logdir"
	exec 9>"$logdir/.base-$vdist_profile.lock"
	flock 9
	if base_present && [ -z "${VDIST_FORCE:-}" ]; then
		say "image $vdist_docker_image exists (FORCE=1 makes it again)"
		return 0
	fi
	say "bootstrapping $vdist_docker_image: $vdist_bootstrap_suite from ${vdist_bootstrap_mirror:-the default mirror}"
	vdist_bootstrap_image "$vdist_docker_image" "$vdist_bootstrap_suite" "$vdist_bootstrap_mirror" '' 2>&1 | tag
	[ "${PIPESTATUS[0]}" = 0 ] || die "bootstrapping $vdist_docker_image failed"
	say "image $vdist_docker_image bootstrapped"
}

# cmd_package: run build.sh in a fresh container and move the package
# into dist/ in one rename
cmd_package() {
	local src key path file
	mkdir -p "$logdir" "$dist" "$rel/out"
	rm -rf "$rel/scripts" "$rel/out"/* "$rel/out"/.[!.]*
	mkdir -p "$rel/scripts"
	for key in "${vdist_script_keys[@]}"; do
		path=vdist_$key
		[ -z "${!path}" ] || cp "$vdist_project/${!path}" "$rel/scripts/$key"
	done
	[ -z "$vdist_changelog" ] || cp "$vdist_project/$vdist_changelog" "$rel/scripts/changelog"
	# systemd units by name, config files by their place in vdist_config_files
	local i
	mkdir -p "$rel/scripts/units" "$rel/scripts/config"
	for i in "${!vdist_systemd_units[@]}"; do
		cp "$vdist_project/${vdist_systemd_units[i]}" "$rel/scripts/units/${vdist_unit_names[i]}"
	done
	for ((i = 1; i < ${#vdist_config_files[@]}; i += 2)); do
		cp "$vdist_project/${vdist_config_files[i]}" "$rel/scripts/config/$((i / 2))"
	done
	src=$(cd "$(source_dir)" && pwd)
	wheel_mount
	say "building $vdist_app $version-$iteration ($vdist_package_type) in $vdist_image_tag"
	container_env "$src"
	mounts
	if ! "${docker[@]}" run --rm "${run_flags[@]}" "${wheel_flags[@]}" "${mounts[@]}" "${cenv[@]}" \
		-v "$src:/src:ro" -v "$PWD/$rel/out:/out" -e VDIST_FPM="${VDIST_FPM:-fpm}" \
		"$vdist_image_tag" bash /vdist/build.sh 2>&1 | tee "$log" | tag; then
		die "build failed; full log: $log"
	fi
	file=$(cd "$rel/out" && ls)
	if [ -z "$file" ] || [ ! -f "$rel/out/$file" ]; then
		die "build made no package; full log: $log"
	fi
	mv -f "$rel/out/$file" "$dist/$file"
	printf '%s\n' "$file" >"$rel/package.stamp"
	say "package: $dist/$file"
}

# lint_image: the image lintian and rpmlint run in (lint.Dockerfile on
# LINT_IMAGE, default debian:bookworm), made when missing; a missing
# debian:SUITE base is bootstrapped
lint_image() {
	local base=${VDIST_LINT_IMAGE:-debian:bookworm} hash
	hash=$({ cat "$here/lint.Dockerfile"; printf '%s\n' "$base"; } | sha256sum | cut -c1-16)
	lint_tag=vdist/lint:$hash
	"${docker[@]}" image inspect "$lint_tag" >/dev/null 2>&1 && return 0
	# one build of it at a time (make -j), then look again
	mkdir -p "$logdir"
	exec 8>"$logdir/.lint.lock"
	flock 8
	"${docker[@]}" image inspect "$lint_tag" >/dev/null 2>&1 && return 0
	if ! "${docker[@]}" image inspect "$base" >/dev/null 2>&1; then
		case $base in
		debian:*)
			say "bootstrapping $base for the lint image"
			vdist_bootstrap_image "$base" "${base#debian:}" '' '' 2>&1 | tag
			[ "${PIPESTATUS[0]}" = 0 ] || die "bootstrapping $base failed"
			;;
		*) die "lint base image $base is not in docker: load it, or set LINT_IMAGE to a Debian image" ;;
		esac
	fi
	say "building the lint image $lint_tag (lintian, rpmlint) from $base"
	mkdir -p "$logdir/lint-context"
	if ! "${docker[@]}" build "${build_flags[@]}" --build-arg BASE="$base" -t "$lint_tag" \
		-f "$here/lint.Dockerfile" "$logdir/lint-context" 2>&1 | tee "$logdir/lint-image.log" | tag; then
		die "building the lint image failed; full log: $logdir/lint-image.log"
	fi
}

# cmd_lint: lintian (.deb) or rpmlint (.rpm) on the package, in the lint
# image; errors and warnings fail, but the overrides the package ships
# (lintian) and the runtime's rpmlint.toml filters, each with its reason
cmd_lint() {
	local file out
	file=$(cat "$rel/package.stamp")
	[ -f "$dist/$file" ] || die "no $dist/$file: run make packages first"
	lint_image
	local run=("${docker[@]}" run --rm --network none --user 65534:65534 -e HOME=/tmp
		-v "$PWD/$dist:/dist:ro" -v "$here:/vdist-runtime:ro" "$lint_tag")
	if [ "$vdist_package_type" = deb ]; then
		say "lintian $file"
		if ! "${run[@]}" lintian --fail-on error,warning --tag-display-limit 0 --info "/dist/$file" 2>&1 |
			tee "$logdir/$vdist_id.lint.log" | tag; then
			die "lintian found errors or warnings; full log: $logdir/$vdist_id.lint.log"
		fi
	else
		say "rpmlint $file"
		"${run[@]}" rpmlint -c /vdist-runtime/rpmlint.toml "/dist/$file" >"$logdir/$vdist_id.lint.log" 2>&1 || :
		tag <"$logdir/$vdist_id.lint.log"
		out=$(grep -E '^ *[0-9]+ packages? and [0-9]+ specfiles? checked; ' "$logdir/$vdist_id.lint.log" || true)
		[[ $out =~ checked\;\ 0\ errors,\ 0\ warnings ]] ||
			die "rpmlint found errors or warnings; full log: $logdir/$vdist_id.lint.log"
	fi
	say "lint ok: $file"
}

# cmd_check: install the package in a clean container of the profile's
# image, run the smoke command, remove it, and check nothing is left
cmd_check() {
	local file venv=$vdist_venv install remove
	file=$(cat "$rel/package.stamp")
	[ -f "$dist/$file" ] || die "no $dist/$file: run make packages first"
	if [ "$vdist_package_type" = deb ]; then
		install="dpkg -i /dist/$(printf '%q' "$file")"
		remove="dpkg --purge $(printf '%q' "$vdist_package_name")"
	else
		install="rpm -i ${VDIST_RPM_INSTALL_FLAGS:-} /dist/$(printf '%q' "$file")"
		remove="rpm -e ${VDIST_RPM_INSTALL_FLAGS:-} $(printf '%q' "$vdist_package_name")"
	fi
	say "checking $file in a clean $vdist_docker_image container"
	if ! "${docker[@]}" run --rm "${run_flags[@]}" -v "$PWD/$dist:/dist:ro" "$vdist_docker_image" \
		sh -c "set -e
$install
$(printf '%q' "$venv")/bin/python -c 'import sys; assert sys.prefix == sys.argv[1], sys.prefix' $(printf '%q' "$venv")
${VDIST_CHECK_CMD:-}
$remove
test ! -e $(printf '%q' "$venv")
echo 'install, run and removal ok'" 2>&1 | tee "$logdir/$vdist_id.check.log" | tag; then
		die "install check failed; full log: $logdir/$vdist_id.check.log"
	fi
}

case ${1:-} in
source) cmd_source ;;
inputs) cmd_inputs ;;
image) cmd_image ;;
package) cmd_package ;;
check) cmd_check ;;
lint) cmd_lint ;;
wheels) cmd_wheels ;;
release) cmd_release ;;
run) shift; cmd_run "$@" ;;
base-image) cmd_base_image ;;
base-image-if-possible) cmd_base_image if-possible ;;
*) die "$usage" ;;
esac
