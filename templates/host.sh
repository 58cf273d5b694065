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
usage="usage: host.sh ID source|inputs|image|package|check|lint|wheels|checksums|repo|release|run|manage|shell|base-image|base-image-if-possible|prune-images"
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
# use_engine ENGINE: docker's environment for ENGINE: a URL as
# DOCKER_HOST, a name as DOCKER_CONTEXT, '' (or -) as it is; 1 when ENGINE
# is neither a unix://, tcp:// or ssh:// URL nor a docker context name
use_engine() {
	case $1 in
	'' | -) ;;
	unix://?* | tcp://?* | ssh://?*) export DOCKER_HOST=$1 && unset DOCKER_CONTEXT ;;
	*://*) return 1 ;;
	*) [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] && export DOCKER_CONTEXT=$1 && unset DOCKER_HOST ;;
	esac
}
# the build's Docker engine: make's DOCKER_HOST_PROFILE, else docker_host
# of the build or profile (vdist-gen checked those), else docker's own
# choice (make's value is checked here)
engine=${VDIST_ENGINE:-$vdist_docker_host}
engine_var=DOCKER_HOST_$vdist_profile_var
use_engine "$engine" || {
	printf 'vdist: error: %s=%s is not an engine: give a unix://, tcp:// or ssh:// URL (as DOCKER_HOST takes) or a docker context name (letters, digits and _ . + -)\n' "$engine_var" "$engine" >&2
	exit 2
}
case $engine in
'') engine_name=${DOCKER_HOST:-${DOCKER_CONTEXT:+context $DOCKER_CONTEXT}} engine_name=${engine_name:-docker\'s default} ;;
*://*) engine_name=$engine ;;
*) engine_name="context $engine" ;;
esac
# this project's key among the projects of this machine, a hash of its
# folder's real path (a fact of the build machine, not of vdist.json): it
# labels vdist's containers and tags the builder images the project uses
project_key=$(pwd -P | sha256sum | cut -c1-12)
read -r -a build_flags <<<"${VDIST_DOCKER_BUILD_FLAGS:-}"
read -r -a run_flags <<<"${VDIST_DOCKER_RUN_FLAGS:-}"
# the one place where make variables win over PACKAGE_* from the
# environment, which win over vdist.json; the container gets the result
version=${VDIST_VERSION:-${PACKAGE_VERSION:-$vdist_version}}
iteration=${VDIST_ITERATION:-${PACKAGE_ITERATION:-$vdist_iteration}}
maintainer=${VDIST_MAINTAINER:-${PACKAGE_MAINTAINER:-$vdist_maintainer}}

# the gpg key the package is signed with: make's SIGN_KEY, else the
# build's sign_key ('' for unsigned)
sign_key=${VDIST_SIGN_KEY:-$vdist_sign_key}

# say MESSAGE...: one line tagged with the build name
say() { redact "$*"; printf '[%s] %s\n' "$vdist_name" "$redacted"; }
# die MESSAGE...: fail this build, naming it
die() {
	redact "$*"
	printf '[%s] error: %s\n' "$vdist_name" "$redacted" >&2
	exit 1
}
# tag: copy standard input to standard output, each line tagged
tag() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		redact "$line"
		printf '[%s] %s\n' "$vdist_name" "$redacted"
	done
}
# redact TEXT: TEXT into the variable redacted, with the credentials of
# every URL in it (scheme://USER:PASSWORD@ and scheme://TOKEN@) as ***,
# for everything the console and the logs get (an index URL in pip_args
# or PIP_INDEX_URL, a python_url of a private mirror). Only lines with a
# :// and an @ cost a sed.
redact() {
	redacted=$1
	case $1 in
	*://*@*) redacted=$(printf '%s\n' "$1" | sed -E 's#([A-Za-z][A-Za-z0-9+.-]*://)[^/@[:space:]]+@#\1***@#g') ;;
	esac
}

# engine_up: the build's engine answers, or this build fails, naming it
# (asked once per command: cmd_package may run cmd_image)
engine_answered=''
engine_up() {
	[ -z "$engine_answered" ] || return 0
	local err to=()
	! command -v timeout >/dev/null || to=(timeout 60)
	err=$("${to[@]}" "${docker[@]}" version --format '{{.Server.Version}}' 2>&1 >/dev/null) && engine_answered=1 && return 0
	die "the Docker engine does not answer ($engine_name: $(printf '%s' "${err:-no answer in 60 s}" | tail -n 1)): start it, or point $engine_var (make) or docker_host (vdist.json, the profile) at one that runs"
}

# engine_remote: the engine is not on this machine (a tcp:// or ssh://
# DOCKER_HOST, or a context whose endpoint is one), so it cannot see this
# machine's folders: containers get copies instead of bind mounts
engine_remote() {
	if [ -z "${remote_engine:-}" ]; then
		local h=${DOCKER_HOST:-}
		if [ -z "$h" ] && [ -n "${DOCKER_CONTEXT:-}" ]; then
			h=$("${docker[@]}" context inspect -f '{{.Endpoints.docker.Host}}' "$DOCKER_CONTEXT" 2>/dev/null || true)
		fi
		case $h in tcp://* | ssh://*) remote_engine=yes ;; *) remote_engine=no ;; esac
	fi
	[ "$remote_engine" = yes ]
}

# copy_in CONTAINER HOST:PATH[:ro]: the folder HOST into the created
# CONTAINER at PATH, as one tar stream (docker cp -); for /src only the
# files files.list names, for /cache only the items of cache_items, for
# /vdist not the work folders host.sh keeps there
copy_in() {
	local v=${2%:ro} h c sel=(.)
	c=${v##*:} h=${v%:*}
	if [ -f "$h" ]; then  # one file (NETRC)
		tar -C "$(dirname "$h")" -cf - --transform "s,.*,${c#/}," "$(basename "$h")" | "${docker[@]}" cp - "$1:/"
		return
	elif [ "$c" = /vdist ]; then
		sel=(--exclude=./context --exclude=./src --exclude=./src.new --exclude=./out --exclude=./wheels
			--exclude=./release .)
	elif [ "$c" = /src ] && [ -f "$rel/files.list" ]; then
		sel=(--no-recursion . --null -T "$PWD/$rel/files.list")
	elif [ "$c" = /cache ]; then
		sel=(--no-recursion .)
		local i
		for i in "${cache_items[@]}"; do
			[ ! -e "$h/$i" ] || sel+=(--recursion "./$i")
		done
	fi
	tar -C "$h" -cf - --transform "s,^\\./,${c#/}/,;s,^\\.\$,${c#/}," "${sel[@]}" |
		"${docker[@]}" cp - "$1:/"
}

# drun ARGS...: docker run ARGS, where each -v HOST:PATH[:ro] is a bind
# mount on an engine of this machine. On a remote engine the container is
# created without them, each HOST folder copied to its PATH (copy_in),
# started attached, each writable PATH copied back into HOST, and
# removed: the same files either way
drun() {
	local labels=(--label "org.vdist.project=$project_key" --label "org.vdist.build=$vdist_id")
	engine_remote || { "${docker[@]}" run "${labels[@]}" "$@"; return; }
	local args=("${labels[@]}") vols=() v id st=0 inter=()
	while [ $# -gt 0 ]; do
		case $1 in
		-v | --volume) vols+=("$2"); shift ;;
		-v=* | --volume=*) vols+=("${1#*=}") ;;
		--rm) ;;
		-i | -it | -ti) args+=("$1"); inter=(-i) ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	id=$("${docker[@]}" create "${args[@]}") || return 1
	for v in "${vols[@]}"; do
		copy_in "$id" "$v" || {
			"${docker[@]}" rm -f "$id" >/dev/null 2>&1
			return 1
		}
	done
	"${docker[@]}" start -a "${inter[@]}" "$id" || st=$?
	for v in "${vols[@]}"; do
		case $v in *:ro) continue ;; esac
		"${docker[@]}" cp "$id:${v##*:}/." "${v%:*}" || st=1
	done
	"${docker[@]}" rm -f "$id" >/dev/null 2>&1 || true
	return "$st"
}
cache_items=()

# now: milliseconds since the epoch
now() { date +%s%3N; }
# seconds MS: MS milliseconds as seconds with one decimal
seconds() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
# human BYTES: a size as people read it (kB and MB of 1000)
human() {
	if [ "$1" -lt 1000 ]; then
		printf '%d B' "$1"
	elif [ "$1" -lt 1000000 ]; then
		printf '%d.%d kB' $(($1 / 1000)) $(($1 % 1000 / 100))
	else
		printf '%d.%d MB' $(($1 / 1000000)) $(($1 % 1000000 / 100000))
	fi
}

# step NAME RESULT MS: the one console line of step NAME of this build
step() { printf '[%s] %-13s %s (%s s)\n' "$vdist_name" "$1" "$2" "$(seconds "$3")"; }

# show LOG: the output of a container or of docker into LOG; on the
# console, the step lines vdist_step wrote, and with V=1 every line
show() {
	local line name what ms redacted
	while IFS= read -r line || [ -n "$line" ]; do
		redact "$line"
		line=$redacted
		printf '%s\n' "$line" >>"$1"
		case $line in
		'vdist-step: '*)
			IFS=$'\t' read -r name what ms <<<"${line#vdist-step: }"
			if [ "$name" = package ] && [ ! -f "$rel/out/$what" ]; then
				# still in a remote engine's container: cmd_package says it
				printf '%s\t%s\n' "$what" "$ms" >"$rel/package.step"
				continue
			fi
			[ "$name" != package ] || what="$dist/$what, $(human "$(stat -c %s "$rel/out/$what")")"
			step "$name" "$what" "$ms"
			;;
		*) [ "${VDIST_V:-0}" != 1 ] || printf '[%s] %s\n' "$vdist_name" "$line" ;;
		esac
	done
}

# fail LOG MESSAGE: fail this build; on the quiet console the last 20
# lines of LOG first, and always the log's path
fail() {
	if [ "${VDIST_V:-0}" != 1 ] && [ -s "$1" ]; then
		printf '[%s] --- the last 20 lines of %s:\n' "$vdist_name" "$1" >&2
		tail -n 20 "$1" | tag >&2
	fi
	die "$2; full log: $1"
}

# result KIND STATUS [FILE SIZE]: what this make run (VDIST_RUN) did, for
# the summary table: .vdist/ID/KIND.result holds run, status, time in ms
# since this command started, file and size, tab-separated
started=$(now)
result() {
	printf '%s\t%s\t%s\t%s\t%s\n' "${VDIST_RUN:-}" "$2" "$(($(now) - started))" "${3:--}" "${4:--}" \
		>"$rel/$1.result"
}
# a command that fails leaves a failed result behind (set by the commands)
result_kind=''
watcher=''
trap 's=$?; [ -z "$watcher" ] || kill "$watcher" 2>/dev/null; [ "$s" = 0 ] || [ -z "$result_kind" ] || result "$result_kind" failed' EXIT

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
# pip's index settings from the environment make runs in (an index with
# its credentials, say from a CI secret; not pip's settings that name host
# paths, which mean nothing in a container) reach the build containers by
# name only (-e NAME: docker reads the value from its own environment, so
# it is in no command line), and NETRC's file is mounted read-only
pip_env_names=(PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST)
container_env() {
	cenv=(-e VDIST_VERSION="$version" -e VDIST_ITERATION="$iteration" -e VDIST_MAINTAINER="$maintainer"
		-e VDIST_UID="$(id -u)" -e VDIST_GID="$(id -g)" -e VDIST_OFFLINE="$vdist_offline"
		-e SOURCE_DATE_EPOCH="$(source_date_epoch "$1")")
	local n
	for n in "${pip_env_names[@]}"; do
		[ -z "${!n:-}" ] || { export "${n?}"; cenv+=(-e "$n"); }
	done
	if [ -n "${NETRC:-}" ]; then
		[ -f "$NETRC" ] || die "NETRC=$NETRC is not a file"
		cenv+=(-v "$(cd "$(dirname "$NETRC")" && pwd)/$(basename "$NETRC"):/run/vdist-netrc:ro" -e NETRC=/run/vdist-netrc)
	fi
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

# vcs_re: the VCS folders and files never copied (as tar --exclude-vcs)
vcs_re='(^|/)(\.git|\.gitignore|\.gitattributes|\.gitmodules|\.hg|\.hgignore|\.hgtags|\.svn|\.bzr|\.bzrignore|\.bzrtags|CVS|\.cvsignore|_darcs)(/|$)'

# source_files SRC: the files of SRC that go into the package, as
# NUL-separated paths relative to SRC, each starting with ./ (so none
# starts with -): git's view inside a git work tree (tracked files, and
# untracked ones .gitignore does not ignore), else every file; without
# VCS folders, the project's .vdist/, dist/ and wheelhouse/, vdist's own
# files, and what source "exclude" leaves out (vdist_exclude_re). A
# source folder that is not the project never gives its .vdist/ either,
# nor its dist/ when it is a vdist project of its own (has a vdist.json):
# another project's packages and build state. Links are listed as links,
# never followed
source_files() {
	local own='^\.vdist(/|$)' f top
	if [ "$(cd "$1" && pwd)" = "$(cd "$vdist_project" && pwd)" ]; then
		own='^(\.vdist|wheelhouse|'"$(printf '%s' "${dist#./}" | sed 's/[][\.*^$+?(){}|/]/\\&/g')"
		for f in "${vdist_own_files[@]}"; do
			own+="|$(printf '%s' "${f#./}" | sed 's/[][\.*^$+?(){}|/]/\\&/g')"
		done
		own+=')(/|$)'
	elif [ -f "$1/vdist.json" ]; then
		own='^(\.vdist|dist)(/|$)'
	fi
	top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null || true)
	{
		if [ -n "$top" ]; then
			# deleted files are still in the index: only those that exist
			git -C "$1" ls-files -z --cached --others --exclude-standard |
				(cd "$1" && while IFS= read -r -d '' f; do
					if [ -L "$f" ] || [ -f "$f" ]; then printf '%s\0' "$f"; fi
				done)
		else
			(cd "$1" && find . -mindepth 1 ! -type d -printf '%P\0')
		fi
	} | grep -zEv "$vcs_re" | grep -zEv "$own" |
		{ if [ -n "$vdist_exclude_re" ]; then grep -zEv "$vdist_exclude_re"; else cat; fi; } |
		LC_ALL=C sort -zu | sed -z 's|^|./|'
}

# links_out SRC LIST: warn of each link of LIST (source_files' output)
# that points outside SRC, absolute or by ../: it is packaged as that
# link, so what it names on the build host never enters the package, and
# on a server it names the server's file, or nothing
links_out() {
	local f t to base
	base=$(realpath -ms -- "$1")
	while IFS= read -r -d '' f; do
		[ -L "$1/$f" ] || continue
		t=$(readlink -- "$1/$f")
		to=$(realpath -ms -- "$base/$(dirname -- "$f")/$t")
		case $t in
		/*) ;;
		*) case $to/ in "$base"/*) continue ;; esac ;;
		esac
		say "warning: ${f#./} is a link to $t, outside the source: it is packaged as that link, never as what it points to"
	done <"$2"
}

# custom_file_name: into custom_file, the package file's name when
# custom_filename names environment variables ('' when it names none:
# vdist-gen wrote the whole name). Expanded here, once, from the
# environment make runs in (the container sees only what host.sh passes):
# an unset variable, or a result that is empty, holds a / or is . or ..,
# fails the build
custom_file_name() {
	custom_file=''
	[ ${#vdist_custom_filename_vars[@]} -gt 0 ] || return 0
	local var val vals=()
	for var in "${vdist_custom_filename_vars[@]}"; do
		# the environment's, not a variable of this script of the same name
		val=$(printenv -- "$var" && printf .) ||
			die "custom_filename '$vdist_custom_filename' uses {$var}, but the environment has no $var: set it (make $var=... or export $var)"
		val=${val%.}
		vals+=("${val%$'\n'}")
	done
	# shellcheck disable=SC2059
	printf -v custom_file -- "$vdist_custom_filename_format" "${vals[@]}"
	local why=''
	case $custom_file in
	'') why='is empty' ;;
	*/*) why='holds a /' ;;
	. | ..) why="is $custom_file" ;;
	esac
	[ -z "$why" ] || die "custom_filename '$vdist_custom_filename' gives the file name '$custom_file', which $why: set its variables so that it names a file"
}

# cmd_inputs: refresh $rel/inputs.stamp only when something that goes
# into the package changed, so make rebuilds exactly then; and the list
# of the source's files the build copies ($rel/files.list)
cmd_inputs() {
	cmd_source
	local src key path i f list=$PWD/$rel/files.list
	src=$(source_dir)
	[ -d "$src" ] || die "source folder '$src' does not exist"
	custom_file_name
	source_files "$src" >"$rel/files.new"
	if cmp -s "$rel/files.new" "$rel/files.list"; then
		rm -f "$rel/files.new"
	else
		mv "$rel/files.new" "$rel/files.list"
		links_out "$src" "$rel/files.list"
	fi
	{
		printf 'version %s\niteration %s\nmaintainer %s\nsign_key %s\n' "$version" "$iteration" "$maintainer" "$sign_key"
		# files only: folder times change when dist/ or logs appear; and
		# not vdist's own files, whose changes reach the build through the
		# scripts vdist-gen writes again
		(cd "$src" && xargs -0r sh -c 'exec find "$@" -maxdepth 0 -printf "%p %s %T@ %m\n"' find <"$list")
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
		# custom_filename's variables: a new BUILD_NUMBER is a new package
		[ ${#vdist_custom_filename_vars[@]} -eq 0 ] || printf 'file_name %s\n' "$custom_file"
	} >"$rel/inputs.new"
	if cmp -s "$rel/inputs.new" "$rel/inputs.stamp"; then
		rm -f "$rel/inputs.new"
	else
		mv "$rel/inputs.new" "$rel/inputs.stamp"
	fi
	# a package removed from dist/ (or a DIST that moved) is made again
	if [ -f "$rel/package.stamp" ] && [ ! -f "$dist/$(cat "$rel/package.stamp")" ]; then
		touch "$rel/inputs.stamp"
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
	result_kind=image
	local ilog=$logdir/$vdist_id.image.log
	mkdir -p "$logdir" "$rel/context"
	engine_up
	ensure_base
	# the builder records the id of the base image it was made from, so a
	# base image made again (make images, a new pull) makes it again too
	local base_id have_base=''
	base_id=$("${docker[@]}" image inspect -f '{{.Id}}' "$vdist_docker_image")
	if "${docker[@]}" image inspect "$vdist_image_tag" >/dev/null 2>&1; then
		have_base=$("${docker[@]}" image inspect -f '{{index .Config.Labels "org.vdist.base"}}' "$vdist_image_tag")
	fi
	local how=cached
	if [ -n "$have_base" ] && [ "$have_base" = "$base_id" ]; then
		step image "$vdist_image_tag, cached" $(($(now) - started))
	else
		how=built
		: >"$ilog"
		if [ -n "$vdist_python_build_prefix" ]; then
			say "fetching $vdist_python_url"
			# the URL on standard input: with credentials, ps would show it
			if ! printf '%s\n' "$vdist_python_url" | "${VDIST_GEN:-vdist-gen}" fetch - -o "$rel/context/python-src.tar" \
				${vdist_python_sha256:+--sha256 "$vdist_python_sha256"} 2>&1 | show "$ilog"; then
				fail "$ilog" "could not fetch the CPython source"
			fi
		fi
		say "building builder image $vdist_image_tag from $vdist_docker_image"
		"${docker[@]}" build "${build_flags[@]}" --label "org.vdist.base=$base_id" --label "org.vdist.builder=$vdist_profile" \
			-t "$vdist_image_tag" -f "$rel/Dockerfile" "$rel/context" 2>&1 | show "$ilog" &
		job=$!
		wait "$job" || fail "$ilog" "building the builder image failed"
		job=''
		step image "$vdist_image_tag, built" $(($(now) - started))
	fi
	# the stamp holds the image's id and changes only with it, so make
	# images does not rebuild packages whose builder stayed the same
	local id
	id=$("${docker[@]}" image inspect -f '{{.Id}}' "$vdist_image_tag")
	if [ "$(cat "$rel/image.stamp" 2>/dev/null)" != "$id" ] || [ "$rel/Dockerfile" -nt "$rel/image.stamp" ]; then
		printf '%s\n' "$id" >"$rel/image.stamp"
	fi
	record_image "$id"
	result image "$how"
}

# projects_dir: where the folder of each project key is written down, so
# that a prune can tell a project that still uses an image from one that
# is gone
projects_dir=${XDG_STATE_HOME:-${HOME:-/tmp}/.local/state}/vdist/projects

# record_image ID: note in .vdist/images.list that this project's build
# used builder image ID, tagged vdist_image_tag, on this engine (one line
# each: engine, - for docker's own, tag, id), and tag the image
# vdist/used-by-KEY:ID, so that make vdist-prune-images of another
# project sharing it keeps it while this build uses it
record_image() {
	local list=.vdist/images.list line
	"${docker[@]}" tag "$1" "vdist/used-by-$project_key:$vdist_id"
	mkdir -p "$projects_dir" 2>/dev/null && [ -f "$projects_dir/$project_key" ] || pwd -P >"$projects_dir/$project_key" 2>/dev/null || true
	line=$(printf '%s\t%s\t%s' "${engine:--}" "$vdist_image_tag" "$1")
	(
		flock 7
		grep -qxF -- "$line" "$list" 2>/dev/null || printf '%s\n' "$line" >>"$list"
	) 7>>.vdist/.images.lock
}

# uses_image KEY BUILD ID: project KEY's build BUILD uses image ID now:
# its folder (as projects_dir has it) still has that build, whose
# builder tag names ID
uses_image() {
	local dir t
	dir=$(cat "$projects_dir/$1" 2>/dev/null) && [ -f "$dir/.vdist/$2/values.sh" ] || return 1
	# shellcheck source=/dev/null
	t=$(. "$dir/.vdist/$2/values.sh" && printf '%s' "$vdist_image_tag") || return 1
	[ "$("${docker[@]}" image inspect -f '{{.Id}}' "$t" 2>/dev/null)" = "$3" ]
}

# cmd_prune_images: remove the builder images this project made or used
# that no build of it uses now: a tag no build has any more (its build
# deps, profile or Dockerfile changed), or an image its tag no longer
# names (made again on a new base). Only images vdist built (label
# org.vdist.builder), still what the record says, that no other project
# uses (a vdist/used-by- tag of a build that still uses it) and no
# container; each on the engine it was used on. The used-by tags of
# builds and projects that are gone go first.
cmd_prune_images() {
	local list=.vdist/images.list keep=.vdist/images.keep f e t i st n=0 bytes=0
	[ -f "$list" ] || { say "no builder image recorded (.vdist/images.list): nothing to prune"; return 0; }
	exec 7>>.vdist/.images.lock
	flock 7
	for f in .vdist/*/values.sh; do
		# shellcheck source=/dev/null
		(. "$f" && printf '%s\n' "$vdist_image_tag")
	done | sort -u >"$keep.tags"
	: >"$keep"
	while IFS=$'\t' read -r e t i; do
		[ -n "$t" ] || continue
		st=0
		(
			use_engine "$e" || exit 3
			"${docker[@]}" version >/dev/null 2>&1 || exit 3
			now=$("${docker[@]}" image inspect -f '{{.Id}}' "$t" 2>/dev/null || true)
			if grep -qxF -- "$t" "$keep.tags" && [ "$now" = "$i" ]; then
				exit 2  # in use: kept
			fi
			[ "$("${docker[@]}" image inspect -f '{{index .Config.Labels "org.vdist.builder"}}' "$i" 2>/dev/null)" != "" ] || exit 0
			# the used-by tags: another project's that uses it keeps it;
			# those of builds or projects that are gone go
			local u k others=''
			for u in $("${docker[@]}" image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$i"); do
				case $u in
				vdist/used-by-*:*)
					k=${u#vdist/used-by-} k=${k%%:*}
					if uses_image "$k" "${u#*:}" "$i"; then
						[ "$k" != "$project_key" ] || exit 2
						others+=" $u"
					else
						"${docker[@]}" image rm "$u" >/dev/null
					fi
					;;
				esac
			done
			if [ -n "$others" ]; then
				say "kept $t: another project uses it (${others# })"
				exit 0  # not this project's to remove any more
			fi
			if [ -n "$("${docker[@]}" ps -aq --filter "ancestor=$i")" ]; then
				say "kept $t ($i): a container uses it" >&2
				exit 2
			fi
			size=$("${docker[@]}" image inspect -f '{{.Size}}' "$i")
			# the old tag first (a tag moved to a new image stays)
			if [ "$now" = "$i" ]; then "${docker[@]}" image rm "$t" >/dev/null 2>&1 || exit 2; fi
			if "${docker[@]}" image inspect "$i" >/dev/null 2>&1 && ! "${docker[@]}" image rm "$i" >/dev/null 2>&1; then
				say "kept $i (formerly $t): another tag names it" >&2
				exit 2
			fi
			say "removed superseded builder image $t (${i#sha256:}, $(human "$size"))$([ "$e" = - ] || printf " on %s" "$e")" >&2
			printf '%s\n' "$size" >>"$keep.bytes"
		) || st=$?
		case $st in
		0) ;;
		2) printf '%s\t%s\t%s\n' "$e" "$t" "$i" >>"$keep" ;;
		3)
			say "the Docker engine ${e/#-/of docker\'s default} does not answer: kept the record of $t"
			printf '%s\t%s\t%s\n' "$e" "$t" "$i" >>"$keep"
			;;
		*) return 1 ;;
		esac
	done <"$list"
	if [ -f "$keep.bytes" ]; then
		n=$(wc -l <"$keep.bytes")
		bytes=$(awk '{ s += $1 } END { print s + 0 }' "$keep.bytes")
	fi
	mv "$keep" "$list"
	rm -f "$keep.tags" "$keep.bytes"
	say "vdist-prune-images: $n superseded builder images removed, $(human "$bytes") freed; $(wc -l <"$list") in use kept"
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
	result_kind=wheels
	local src wlog=$logdir/$vdist_id.wheels.log n size
	mkdir -p "$logdir" "$wheelhouse"
	engine_up
	cmd_inputs
	src=$(cd "$(source_dir)" && pwd)
	wheel_flags=()
	[ "$vdist_offline" != true ] || wheel_flags+=(-v "$(cd "$wheelhouse" && pwd):/wheelhouse:ro")
	no_network_if_offline
	say "building wheels${VDIST_EXTRAS:+ with extras [$VDIST_EXTRAS]} into $wheelhouse/"
	rm -rf "$rel/wheels"
	mkdir -p "$rel/wheels"
	container_env "$src"
	mounts
	: >"$wlog"
	if ! drun --rm "${run_flags[@]}" "${wheel_flags[@]}" "${mounts[@]}" "${cenv[@]}" \
		-v "$src:/src:ro" -v "$PWD/$rel/wheels:/out" -e VDIST_EXTRAS="${VDIST_EXTRAS:-}" \
		"$vdist_image_tag" bash -c 'set -euo pipefail; . /vdist/values.sh; . /vdist-runtime/lib.sh; vdist_wheels' 2>&1 \
		| show "$wlog"; then
		fail "$wlog" "building wheels failed"
	fi
	cp -a "$rel/wheels/." "$wheelhouse/"
	rm -rf "$rel/wheels"
	n=$(find "$wheelhouse" -maxdepth 1 -name '*.whl' | wc -l)
	size=$(find "$wheelhouse" -maxdepth 1 -name '*.whl' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	step wheels "$n wheels in $wheelhouse/, $(human "$size")" $(($(now) - started))
	result wheels built "$wheelhouse/ ($n wheels)" "$size"
}

# image_name: the release image, REPO_NS/IMAGE_NAME:REPO_VERSION
image_name() { printf '%s/%s:%s' "${VDIST_REPO_NS:-vdist}" "${VDIST_IMAGE_NAME:-$vdist_app}" "${VDIST_REPO_VERSION:-latest}"; }

# cmd_release: the runtime image, from the wheelhouse, tagged
# REPO_NS/IMAGE_NAME:REPO_VERSION and :latest
cmd_release() {
	local ctx=$rel/release name
	engine_up
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

# cmd_run [COMMAND]: the release image with PORTS, VOLUMES and ENV_VARS
# as -p, -v and -e, running COMMAND (make's CMD as written) with the
# container's shell in its venv; without one, the image's default
cmd_run() {
	local flags=() cmd=()
	engine_up
	each_word -p "${VDIST_PORTS:-}"
	each_word -v "${VDIST_VOLUMES:-}"
	each_word -e "${VDIST_ENV_VARS:-}"
	[ ! -t 0 ] || flags+=(-it)
	[ -z "${1:-}" ] || cmd=(sh -c "$1")
	exec "${docker[@]}" run --rm "${run_flags[@]}" "${flags[@]}" "$(image_name)" "${cmd[@]}"
}

# cmd_shell: make builder-ID: CMD, or an interactive shell at a
# terminal, in the build's builder image, as a build runs (the same
# mounts, the source read-only at /src, the same network rules), with the
# venv of the app's dependencies (from the dependency cache, made when
# missing) on PATH
cmd_shell() {
	local src deps pipcache it=()
	engine_up
	src=$(cd "$(source_dir)" && pwd)
	cmd_inputs
	if [ -z "${VDIST_CMD:-}" ]; then
		[ -t 0 ] && [ -t 1 ] || die "make builder-$vdist_id without a terminal needs CMD=..."
		it=(-it)
	elif [ -t 0 ]; then
		it=(-i)
	fi
	wheel_mount
	deps=$(deps_key "$src")
	pipcache=pip/$(sed 's/^sha256://' "$rel/image.stamp" | cut -c1-16)
	mkdir -p "$logdir" ".vdist/cache/deps" ".vdist/cache/$pipcache"
	container_env "$src"
	mounts
	cache_items=("deps/$deps.tar" "$pipcache")
	drun --rm "${it[@]}" "${run_flags[@]}" "${wheel_flags[@]}" "${mounts[@]}" "${cenv[@]}" \
		-v "$src:/src:ro" -v "$PWD/.vdist/cache:/cache" -e VDIST_DEPS_KEY="$deps" \
		-e VDIST_PIP_CACHE="/cache/$pipcache" -e VDIST_SHELL_CMD="${VDIST_CMD:-}" "$vdist_image_tag" \
		bash -c 'set -euo pipefail; . /vdist/values.sh; . /vdist-runtime/lib.sh; vdist_shell'
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
	engine_up
	mkdir -p "$logdir"
	exec 9>"$logdir/.base-$vdist_profile.lock"
	flock 9
	if base_present && [ -z "${VDIST_FORCE:-}" ]; then
		say "image $vdist_docker_image exists (FORCE=1 makes it again)"
		return 0
	fi
	say "bootstrapping $vdist_docker_image: $vdist_bootstrap_suite ($vdist_arch) from ${vdist_bootstrap_mirror:-the default mirror}"
	vdist_bootstrap_image "$vdist_docker_image" "$vdist_bootstrap_suite" "$vdist_bootstrap_mirror" '' "$vdist_arch" 2>&1 | tag
	[ "${PIPESTATUS[0]}" = 0 ] || die "bootstrapping $vdist_docker_image failed"
	say "image $vdist_docker_image bootstrapped"
}

# deps_key SRC: the key of the dependency cache: a hash of exactly what
# decides the venv before the app goes in: the runtime's build steps, the
# builder image (profile, build deps, compiled CPython), the venv and
# Python paths, pip_args, offline, the requirements file, the app's own
# metadata (setup.py, setup.cfg, pyproject.toml) and the wheelhouse
deps_key() {
	local wd=$1${vdist_working_dir:+/${vdist_working_dir#/}} f
	{
		printf 'vdist deps 1\n'
		sha256sum <"$here/lib.sh"
		cat "$rel/image.stamp"
		printf '%s\n' "$vdist_venv" "$vdist_python_prefix" "$vdist_python_build_prefix" "$vdist_offline"
		printf '%s\0' "${vdist_pip_args[@]}" | sha256sum
		# the index pip is given from the environment (only its hash)
		for f in "${pip_env_names[@]}"; do printf '%s=%s\0' "$f" "${!f:-}"; done | sha256sum
		if [ -n "$vdist_requirements_path" ] && [ -f "$1/${vdist_requirements_path#/}" ]; then
			printf 'requirements\n'
			sha256sum <"$1/${vdist_requirements_path#/}"
		fi
		for f in setup.py setup.cfg pyproject.toml; do
			[ ! -f "$wd/$f" ] || printf '%s %s\n' "$f" "$(sha256sum <"$wd/$f")"
		done
		[ ! -d "$wheelhouse" ] || (cd "$wheelhouse" && find . -type f -printf '%p %s %T@\n' | LC_ALL=C sort)
	} | sha256sum | cut -c1-32
}

# cache_gc: drop the dependency archives no build of the project uses now
cache_gc() {
	local t k keep
	for t in .vdist/cache/deps/*.tar; do
		[ -f "$t" ] || continue
		k=${t##*/}
		k=${k%.tar}
		keep=0
		for f in .vdist/*/deps.key; do
			[ "$(cat "$f" 2>/dev/null)" != "$k" ] || keep=1
		done
		[ "$keep" = 1 ] || rm -f "$t"
	done
}

# --- signing, on this machine with its gpg: the key never enters a
# container, and gpg's agent asks for its passphrase as usual

# sign_check: before anything is built, that this machine can sign with
# sign_key: gpg and the package type's signing and checking tools are
# here, and gpg has exactly one secret key of that name, whose
# fingerprint goes into sign_fpr ('' when unsigned)
sign_check() {
	sign_fpr=''
	[ -n "$sign_key" ] || return 0
	local tools=(gpg rpmsign rpmkeys) how='Debian: apt-get install gnupg rpm; Fedora: dnf install gnupg2 rpm-sign'
	if [ "$vdist_package_type" = deb ]; then
		tools=(gpg debsigs debsig-verify ar) how='apt-get install gnupg debsigs debsig-verify binutils'
	fi
	sign_check_tools "$how" "${tools[@]}"
}

# sign_check_tools HOW TOOL...: each TOOL is here (HOW says how to
# install them), and gpg has exactly one secret key named sign_key: its
# fingerprint into sign_fpr
sign_check_tools() {
	local t fprs how=$1
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			die "SIGN_KEY '$sign_key': signing a .$vdist_package_type needs $t on this machine ($how); or build unsigned: leave SIGN_KEY and sign_key empty"
	done
	fprs=$(gpg --batch --with-colons --list-secret-keys -- "$sign_key" 2>/dev/null |
		awk -F: '$1 == "sec" { s = 1; next } s && $1 == "fpr" { print $10; s = 0 }') || true
	case $fprs in
	'') die "SIGN_KEY '$sign_key': gpg has no secret key of that name (in ${GNUPGHOME:-~/.gnupg}): import it (gpg --import), set GNUPGHOME, or name another key with SIGN_KEY or sign_key" ;;
	*$'\n'*) die "SIGN_KEY '$sign_key' names $(wc -l <<<"$fprs") secret keys: give the fingerprint of one" ;;
	esac
	sign_fpr=$fprs
}

# sign_package FILE: FILE signed in place with sign_fpr, then checked with
# the public key alone, as a server would (rpmkeys with a database of its
# own; debsig-verify with a policy of its own), so that a package whose
# signature does not verify is never delivered: either failing fails the
# build. A .deb gets an "origin" signature (debsigs). debsigs runs
# gpg --openpgp, whose digest is then SHA-1, which debsig-verify refuses:
# its gpg is given --digest-algo SHA512
sign_package() {
	[ -n "$sign_fpr" ] || return 0
	local f=$1 d=$rel/sign kid
	rm -rf "$d"
	mkdir -p "$d/bin"
	gpg --batch --armor --export -- "$sign_fpr" >"$d/key.asc"
	if [ "$vdist_package_type" = deb ]; then
		printf '#!/bin/sh\nexec %q "$@" --digest-algo SHA512\n' "$(command -v gpg)" >"$d/bin/gpg"
		chmod +x "$d/bin/gpg"
		PATH=$PWD/$d/bin:$PATH debsigs --sign=origin --default-key="$sign_fpr" "$f" >"$d/log" 2>&1 ||
			fail "$d/log" "debsigs could not sign $(basename "$f") with $sign_key"
		kid=$(ar p "$f" _gpgorigin | gpg --batch --list-packets 2>/dev/null | sed -n 's/.*keyid \([0-9A-F]\{16\}\).*/\1/p' | head -n 1)
		mkdir -p "$d/policies/$kid" "$d/keyrings/$kid"
		gpg --batch --export -- "$sign_fpr" >"$d/keyrings/$kid/debsig.gpg"
		cat >"$d/policies/$kid/vdist.pol" <<XML
<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="vdist" id="$kid" Description="SIGN_KEY"/>
  <Selection><Required Type="origin" File="debsig.gpg" id="$kid"/></Selection>
  <Verification><Required Type="origin" File="debsig.gpg" id="$kid"/></Verification>
</Policy>
XML
		debsig-verify --policies-dir "$d/policies" --keyrings-dir "$d/keyrings" "$f" >"$d/log" 2>&1 ||
			fail "$d/log" "the signature debsigs made on $(basename "$f") does not verify"
	else
		# the gpg checked above (Debian's rpm looks for a gpg2 it does not have)
		rpmsign --define "_gpg_name $sign_fpr" --define "__gpg $(command -v gpg)" --addsign "$f" >"$d/log" 2>&1 ||
			fail "$d/log" "rpmsign could not sign $(basename "$f") with $sign_key"
		rpmkeys --dbpath "$PWD/$d/rpmdb" --import "$d/key.asc" >"$d/log" 2>&1 &&
			rpmkeys --dbpath "$PWD/$d/rpmdb" --checksig "$f" >>"$d/log" 2>&1 &&
			grep -q ' signatures OK$' "$d/log" ||
			fail "$d/log" "the signature rpmsign made on $(basename "$f") does not verify"
	fi
	rm -rf "$d"
	say "signed with $sign_key ($sign_fpr), and verified"
}

# cmd_checksums: dist/SHA256SUMS of the package of each build of this make
# run (VDIST_IDS), after all were made, and, with a key, its detached
# signature SHA256SUMS.asc; a package delivered since removes both
cmd_checksums() {
	local id files=() sums=$dist/SHA256SUMS
	for id in ${VDIST_IDS:-$vdist_id}; do
		[ -f ".vdist/$id/package.stamp" ] || die "no package of build $id: run make packages"
		files+=("$(cat ".vdist/$id/package.stamp")")
	done
	rm -f "$sums" "$sums.asc" "$sums.new"
	(cd "$dist" && sha256sum -- "${files[@]}") >"$sums.new"
	if [ -n "$sign_key" ]; then
		sign_check_tools 'apt-get install gnupg' gpg
		sign_file "$sums.asc" "$sums.new" --detach-sign --armor || {
			rm -f "$sums.new"
			die "$sign_err"
		}
	fi
	mv "$sums.new" "$sums"
	printf 'vdist: %s: %s package%s%s\n' "$sums" "${#files[@]}" "$([ ${#files[@]} = 1 ] || echo s)" "${sign_key:+, signed with $sign_key ($sums.asc)}"
}

# cmd_repo: the packages of this make run's builds (VDIST_IDS) published
# into the repository folder REPO_DIR (default repo/), which keeps what was
# published before, so that servers can upgrade and go back; signed with
# sign_key (required). Each profile is one apt suite or yum repository:
#   apt/pool/PROFILE/*.deb, apt/dists/PROFILE/{InRelease,Release,Release.gpg}
#   and main/binary-ARCH/Packages(.gz), by apt-ftparchive;
#   yum/PROFILE/*.rpm and repodata/ (createrepo_c), repomd.xml.asc;
#   key.asc and key.gpg: the public key, armored and for signed-by
cmd_repo() {
	local repo=${VDIST_REPO_DIR:-repo} id f profile type suites=() yums=() s a archs
	[ -n "$sign_key" ] || die "make repo signs the repository: set SIGN_KEY (or sign_key in vdist.json) to a gpg key"
	sign_check_tools 'apt-get install gnupg' gpg
	for id in ${VDIST_IDS:-$vdist_id}; do
		[ -f ".vdist/$id/package.stamp" ] || die "no package of build $id: run make packages first"
		f=$(cat ".vdist/$id/package.stamp")
		[ -f "$dist/$f" ] || die "no $dist/$f: run make packages first"
		read -r profile type < <(. ".vdist/$id/values.sh" && printf '%s %s\n' "$vdist_profile" "$vdist_package_type")
		if [ "$type" = deb ]; then
			command -v apt-ftparchive >/dev/null || die "make repo needs apt-ftparchive on this machine for .deb packages (apt-get install apt-utils)"
			mkdir -p "$repo/apt/pool/$profile"
			cp -p "$dist/$f" "$repo/apt/pool/$profile/"
			[[ " ${suites[*]} " == *" $profile "* ]] || suites+=("$profile")
		else
			command -v createrepo_c >/dev/null || die "make repo needs createrepo_c on this machine for .rpm packages (apt-get install createrepo-c; dnf install createrepo_c)"
			mkdir -p "$repo/yum/$profile"
			cp -p "$dist/$f" "$repo/yum/$profile/"
			[[ " ${yums[*]} " == *" $profile "* ]] || yums+=("$profile")
		fi
	done
	gpg --batch --armor --export -- "$sign_fpr" >"$repo/key.asc"
	gpg --batch --export -- "$sign_fpr" >"$repo/key.gpg"
	for s in "${suites[@]}"; do
		archs=$(for f in "$repo/apt/pool/$s"/*.deb; do dpkg-deb -f "$f" Architecture; done | grep -vx all | sort -u | paste -sd ' ')
		for a in $archs; do
			mkdir -p "$repo/apt/dists/$s/main/binary-$a"
			(cd "$repo/apt" && apt-ftparchive --arch "$a" packages "pool/$s") >"$repo/apt/dists/$s/main/binary-$a/Packages"
			gzip -9n <"$repo/apt/dists/$s/main/binary-$a/Packages" >"$repo/apt/dists/$s/main/binary-$a/Packages.gz"
		done
		rm -f "$repo/apt/dists/$s/Release" "$repo/apt/dists/$s/InRelease" "$repo/apt/dists/$s/Release.gpg"
		apt-ftparchive -o APT::FTPArchive::Release::Origin=vdist -o APT::FTPArchive::Release::Label="$vdist_app" \
			-o APT::FTPArchive::Release::Suite="$s" -o APT::FTPArchive::Release::Codename="$s" \
			-o APT::FTPArchive::Release::Architectures="$archs" -o APT::FTPArchive::Release::Components=main \
			release "$repo/apt/dists/$s" >"$repo/apt/dists/$s/Release.new"
		mv "$repo/apt/dists/$s/Release.new" "$repo/apt/dists/$s/Release"
		sign_file "$repo/apt/dists/$s/InRelease" "$repo/apt/dists/$s/Release" --clearsign || die "$sign_err"
		sign_file "$repo/apt/dists/$s/Release.gpg" "$repo/apt/dists/$s/Release" --detach-sign || die "$sign_err"
		say "apt suite $s: $repo/apt (deb [signed-by=/usr/share/keyrings/$vdist_app.gpg] URL/apt $s main), $(grep -c '^Package:' "$repo"/apt/dists/"$s"/main/binary-*/Packages | awk -F: '{ n += $NF } END { print n }') packages"
	done
	for s in "${yums[@]}"; do
		createrepo_c --quiet --update "$repo/yum/$s" >"$rel/repo.log" 2>&1 || fail "$rel/repo.log" "createrepo_c failed on $repo/yum/$s"
		rm -f "$repo/yum/$s/repodata/repomd.xml.asc"
		sign_file "$repo/yum/$s/repodata/repomd.xml.asc" "$repo/yum/$s/repodata/repomd.xml" --detach-sign --armor || die "$sign_err"
		say "yum repository $s: $repo/yum/$s (baseurl=URL/yum/$s, gpgkey=URL/key.asc, repo_gpgcheck=1), $(ls "$repo/yum/$s"/*.rpm | wc -l) packages"
	done
}

# sign_file OUT FILE GPG-COMMAND...: FILE signed with sign_fpr into OUT
# (--clearsign, or --detach-sign [--armor]), through OUT.new, and checked
# with gpg --verify; a failed or bad signature leaves no OUT, and returns
# 1 with the error in sign_err (SHA256SUMS.asc, the repositories)
sign_file() {
	local out=$1 file=$2 check
	shift 2
	check=("$out.new" "$file")
	[ "$1" != --clearsign ] || check=("$out.new")
	if ! gpg --batch --yes --local-user "$sign_fpr" --digest-algo SHA512 "$@" --output "$out.new" "$file" 2>"$rel/sign.err" ||
		! gpg --batch --verify "${check[@]}" 2>>"$rel/sign.err"; then
		rm -f "$out.new"
		sign_err="could not sign $file with $sign_key: $(tail -n 1 "$rel/sign.err")"
		return 1
	fi
	rm -f "$rel/sign.err"
	mv "$out.new" "$out"
}

# deliver FILE DEST: FILE into dist/ as DEST, whole or not at all: a
# rename where both are on one file system, else vdist-gen deliver, which
# copies into an unnamed file there and renames it over DEST once
# complete, so that even SIGKILL leaves no part of it; in the background,
# so that a signal reaches the trap at once, which stops it. A committed
# tree built where vdist is not installed copies to a hidden part file
# instead, which the trap removes and SIGKILL can leave. A full disk fails
# the build, saying so, and leaves nothing
deliver() {
	local gen=${VDIST_GEN:-vdist-gen} dir
	dir=$(dirname "$2")
	# SHA256SUMS lists the packages as they were: made again at the end
	rm -f "$dir/SHA256SUMS" "$dir/SHA256SUMS.asc"
	if [ "$(stat -c %d "$1")" = "$(stat -c %d "$dir")" ]; then
		mv -f "$1" "$2"
		return
	fi
	local ok=1
	delivering=$2
	if command -v "$gen" >/dev/null; then
		"$gen" deliver "$1" "$2" 2>"$rel/deliver.err" &
		job=$!
		wait "$job" || ok=''
	else
		part=$dir/.$(basename "$2").vdist-part
		{ cp "$1" "$part" && mv -f "$part" "$2"; } 2>"$rel/deliver.err" || { rm -f "$part"; ok=''; }
	fi
	job='' delivering='' part=''
	[ -n "$ok" ] ||
		die "could not deliver $2: $(sed 's/^[^:]*: error: //' "$rel/deliver.err" | tail -n 1)$(df -Ph "$dir" | awk 'NR == 2 { print " (" $4 " free on " $6 ")" }'); free space there or set DIST"
	rm -f "$1" "$rel/deliver.err"
}

# containers_gone: remove this build's containers (labelled with the
# project's key and the build's id): a run that was killed leaves them
containers_gone() {
	local ids=()
	mapfile -t ids < <("${docker[@]}" ps -aq --filter "label=org.vdist.project=$project_key" \
		--filter "label=org.vdist.build=$vdist_id" 2>/dev/null)
	[ ${#ids[@]} -gt 0 ] || return 0
	say "removing the containers a stopped run of this build left: ${ids[*]}"
	"${docker[@]}" rm -f "${ids[@]}" >/dev/null 2>&1 || true
}

# on_signal SIGNAL: an interrupted command stops its job (the docker
# client: a build or container it started goes with it; or the delivery,
# which leaves nothing), removes this build's containers and half-made
# package, and fails; make removes the stamp it was making, and nothing
# in dist/ changed, unless the delivery was complete before it stopped
job='' delivering='' part=''
on_signal() {
	trap '' INT TERM
	[ -z "$job" ] || kill "$job" 2>/dev/null || true
	[ -z "$part" ] || rm -f "$part"
	if [ -n "$job" ] && [ -n "$delivering" ] && wait "$job" 2>/dev/null; then
		printf '[%s] interrupted (SIG%s) once %s was delivered, whole; run make packages again to finish\n' \
			"$vdist_name" "$1" "$delivering" >&2
	else
		containers_gone >/dev/null 2>&1
		rm -rf "${rel:?}/out" "$rel/package.step"
		printf '[%s] interrupted (SIG%s): nothing delivered\n' "$vdist_name" "$1" >&2
	fi
	[ "$1" = INT ] && exit 130
	exit 143
}

# package_fresh: the package another run made while this one waited is
# newer than everything it is made from, and in dist/
package_fresh() {
	local f
	[ -f "$rel/package.stamp" ] && [ -f "$dist/$(cat "$rel/package.stamp")" ] || return 1
	for f in "$rel/inputs.stamp" "$rel/image.stamp" "$rel/build.sh" "$rel/values.sh" "$here/host.sh" "$here/lib.sh" "$here/bootstrap.sh"; do
		[ ! "$f" -nt "$rel/package.stamp" ] || return 1
	done
}

# cmd_package: run build.sh in a fresh container and move the package
# into dist/ in one rename. The container gets the project's cache:
# .vdist/cache/deps/KEY.tar, the venv of the app's dependencies (see
# deps_key), and pip's cache per builder image in .vdist/cache/pip/
cmd_package() {
	result_kind=package
	local src key path file deps pipcache
	if [ -n "$waited" ] || [ -f "$rel/.waited-${VDIST_RUN:-}" ]; then
		rm -f "$rel"/.waited-*
		if package_fresh; then
			say "$dist/$(cat "$rel/package.stamp") was made by the run this one waited for"
			result_kind=''
			return 0
		fi
	fi
	mkdir -p "$logdir" "$dist" "$rel/out"
	rm -f "$rel/package.step"
	sign_check
	engine_up
	containers_gone
	# the stamp says the image was made, but on this engine? (another
	# engine, or an image removed since): made again where it is missing
	local image_id
	if ! image_id=$("${docker[@]}" image inspect -f '{{.Id}}' "$vdist_image_tag" 2>/dev/null); then
		say "builder image $vdist_image_tag is not on $engine_name: making it"
		cmd_image
		result_kind=package
	else
		record_image "$image_id"
	fi
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
	[ -f "$rel/files.list" ] || cmd_inputs
	wheel_mount
	deps=$(deps_key "$src")
	pipcache=pip/$(sed 's/^sha256://' "$rel/image.stamp" | cut -c1-16)
	mkdir -p ".vdist/cache/deps" ".vdist/cache/$pipcache"
	container_env "$src"
	custom_file_name
	cenv+=(-e VDIST_FILE_NAME="$custom_file")
	mounts
	: >"$log"
	printf 'building %s %s-%s (%s) in %s\n' "$vdist_app" "$version" "$iteration" "$vdist_package_type" "$vdist_image_tag" | show "$log"
	cache_items=("deps/$deps.tar" "$pipcache")
	# in the background, so that a signal reaches the trap at once
	drun --rm "${run_flags[@]}" "${wheel_flags[@]}" "${mounts[@]}" "${cenv[@]}" \
		-v "$src:/src:ro" -v "$PWD/$rel/out:/out" -v "$PWD/.vdist/cache:/cache" \
		-e VDIST_DEPS_KEY="$deps" -e VDIST_PIP_CACHE="/cache/$pipcache" -e VDIST_FPM="${VDIST_FPM:-fpm}" \
		"$vdist_image_tag" bash /vdist/build.sh 2>&1 | show "$log" &
	job=$!
	wait "$job" || fail "$log" "build failed"
	job=""
	# exactly one regular file: the container (a setup.py too) can write
	# to /out, and a link there must not make this host deliver, sign or
	# publish a file of its own
	local made=()
	mapfile -d '' made < <(find "$rel/out" -mindepth 1 -maxdepth 1 -printf '%P\0' | LC_ALL=C sort -z)
	[ ${#made[@]} -gt 0 ] || fail "$log" "build made no package"
	if [ ${#made[@]} != 1 ]; then
		file=$(printf '%q ' "${made[@]}")
		fail "$log" "the build left ${#made[@]} files in its output folder, not one package: ${file% }"
	fi
	file=${made[0]}
	if [ ! -f "$rel/out/$file" ] || [ -L "$rel/out/$file" ]; then
		fail "$log" "the build's output $(printf '%q' "$file") is not a regular file: vdist delivers only a package file, never a link"
	fi
	sign_package "$rel/out/$file"
	if [ -f "$rel/package.step" ]; then
		local what ms
		IFS=$'\t' read -r what ms <"$rel/package.step"
		rm -f "$rel/package.step"
		step package "$dist/$what, $(human "$(stat -c %s "$rel/out/$what")")" "$ms"
	fi
	deliver "$rel/out/$file" "$dist/$file"
	printf '%s\n' "$file" >"$rel/package.stamp"
	printf '%s\n' "$deps" >"$rel/deps.key"
	cache_gc
	result package built "$dist/$file" "$(stat -c %s "$dist/$file")"
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
	result_kind=lint
	local file out llog=$logdir/$vdist_id.lint.log
	file=$(cat "$rel/package.stamp")
	[ -f "$dist/$file" ] || die "no $dist/$file: run make packages first"
	engine_up
	lint_image
	# with a key, its public half, so that rpmlint checks the signature
	# against it (else: unknown-key)
	rm -rf "$rel/lint"
	mkdir -p "$rel/lint"
	if [ -n "$sign_key" ]; then
		sign_check_tools 'apt-get install gnupg' gpg
		gpg --batch --armor --export -- "$sign_fpr" >"$rel/lint/key.asc"
	fi
	local run=(drun --rm --network none --user 65534:65534 -e HOME=/tmp
		-v "$PWD/$dist:/dist:ro" -v "$here:/vdist-runtime:ro" -v "$PWD/$rel/lint:/run/vdist-lint:ro" "$lint_tag")
	: >"$llog"
	if [ "$vdist_package_type" = deb ]; then
		# a signed .deb: debsigs appends its _gpgorigin member after
		# data.tar, where debsig-verify reads it and lintian expects no
		# member (misplaced-extra-member-in-deb), so that tag is not shown
		# shellcheck disable=SC2016
		if ! "${run[@]}" sh -c 'set -- $(ar t "$1" | grep -qx _gpgorigin && echo --suppress-tags=misplaced-extra-member-in-deb) "$1"
			exec lintian --fail-on error,warning --tag-display-limit 0 --info "$@"' lint "/dist/$file" 2>&1 |
			show "$llog"; then
			fail "$llog" "lintian found errors or warnings"
		fi
		step lint "lintian: $file is clean" $(($(now) - started))
	else
		# shellcheck disable=SC2016
		"${run[@]}" sh -c 'if [ -f /run/vdist-lint/key.asc ]; then
				rpmkeys --dbpath /tmp/rpmdb --import /run/vdist-lint/key.asc && echo "%_dbpath /tmp/rpmdb" >/tmp/.rpmmacros
			fi
			exec rpmlint -c /vdist-runtime/rpmlint.toml "$1"' lint "/dist/$file" 2>&1 | show "$llog" || :
		out=$(grep -E '^ *[0-9]+ packages? and [0-9]+ specfiles? checked; ' "$llog" || true)
		[[ $out =~ checked\;\ 0\ errors,\ 0\ warnings ]] ||
			fail "$llog" "rpmlint found errors or warnings"
		step lint "rpmlint: $file is clean" $(($(now) - started))
	fi
	result lint ok "$dist/$file" "$(stat -c %s "$dist/$file")"
}

# cmd_check: install the package in a clean container of the profile's
# image (with apt or dnf, so the dependencies it lacks are fetched), run
# the smoke command, remove it, and check its venv is gone
cmd_check() {
	result_kind=check
	local file venv=$vdist_venv install remove
	file=$(cat "$rel/package.stamp")
	[ -f "$dist/$file" ] || die "no $dist/$file: run make packages first"
	engine_up
	ensure_base
	# as a server would install it: with its dependencies, which apt and
	# dnf fetch when the image lacks them (that needs the network)
	if [ "$vdist_package_type" = deb ]; then
		install="apt-get install -y --no-install-recommends /dist/$(printf '%q' "$file") ||
{ echo 'vdist: fetching the dependencies the image lacks (apt-get update)'; apt-get update && apt-get install -y --no-install-recommends /dist/$(printf '%q' "$file"); }"
		remove="dpkg --purge $(printf '%q' "$vdist_package_name")"
	else
		install="if [ -z $(printf '%q' "${VDIST_RPM_INSTALL_FLAGS:-}") ] && command -v dnf >/dev/null; then dnf install -y /dist/$(printf '%q' "$file")
else rpm -i ${VDIST_RPM_INSTALL_FLAGS:-} /dist/$(printf '%q' "$file"); fi"
		remove="rpm -e ${VDIST_RPM_INSTALL_FLAGS:-} $(printf '%q' "$vdist_package_name")"
	fi
	: >"$logdir/$vdist_id.check.log"
	if ! drun --rm "${run_flags[@]}" -v "$PWD/$dist:/dist:ro" "$vdist_docker_image" \
		sh -c "set -e
$install
$(printf '%q' "$venv")/bin/python -c 'import sys; assert sys.prefix == sys.argv[1], sys.prefix' $(printf '%q' "$venv")
${VDIST_CHECK_CMD:-}
$remove
test ! -e $(printf '%q' "$venv")
echo 'install, run and removal ok'" 2>&1 | show "$logdir/$vdist_id.check.log"; then
		fail "$logdir/$vdist_id.check.log" "install check failed"
	fi
	step check "$file installs, runs and is removed in a clean $vdist_docker_image" $(($(now) - started))
	result check ok "$dist/$file" "$(stat -c %s "$dist/$file")"
}

trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
case ${1:-} in
source | inputs | image | package | check | lint | wheels | checksums | repo)
	# the make the user started: when it is gone (a SIGTERM or SIGKILL
	# that reached only it), this command stops as if it got SIGTERM
	if [ -n "${VDIST_TOP_PID:-}" ]; then
		kill -0 "$VDIST_TOP_PID" 2>/dev/null || { printf '[%s] make (pid %s) is gone: not starting\n' "$vdist_name" "$VDIST_TOP_PID" >&2; exit 143; }
		(
			trap - INT TERM
			while kill -0 "$VDIST_TOP_PID" 2>/dev/null; do sleep 1; done
			kill -TERM $$ 2>/dev/null
		) </dev/null >/dev/null 2>&1 &
		watcher=$!
	fi
	waited=''
	exec 6>>"$rel/.lock"
	flock -n 6 || {
		# a command of this same make run (make -j) is waited for quietly
		if [ "$(cat "$rel/.lock.run" 2>/dev/null)" != "${VDIST_RUN:-}" ] || [ -z "${VDIST_RUN:-}" ]; then
			waited=1
			say "waiting for another vdist run of this build to finish (.vdist/$vdist_id/.lock)"
		fi
		flock 6
		# for the package command of this make run: the other run may
		# have made what make asked for
		[ -z "$waited" ] || [ -z "${VDIST_RUN:-}" ] || : >"$rel/.waited-$VDIST_RUN"
	}
	printf '%s\n' "${VDIST_RUN:-}" >"$rel/.lock.run"
	;;
esac
case ${1:-} in
source) cmd_source ;;
inputs) cmd_inputs ;;
image) cmd_image ;;
package) cmd_package ;;
check) cmd_check ;;
lint) cmd_lint ;;
wheels) cmd_wheels ;;
checksums) cmd_checksums ;;
repo) cmd_repo ;;
release) cmd_release ;;
run) cmd_run "${VDIST_CMD:-}" ;;
manage) cmd_run "manage.py ${VDIST_ARGS:-}" ;;
shell) cmd_shell ;;
base-image) cmd_base_image ;;
base-image-if-possible) cmd_base_image if-possible ;;
prune-images) cmd_prune_images 2>&1 ;;
*) die "$usage" ;;
esac
