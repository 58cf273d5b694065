#!/bin/bash
# vdist runtime: the table make prints at the end of packages,
# check-packages, lint-packages and wheels, also when a build failed:
#   bash .vdist/runtime/summary.sh KIND RUN STATUS KEEP_GOING ID...
# KIND is packages, check, lint or wheels; RUN the id of the make run
# (host.sh records it in each .vdist/ID/*.result it writes); STATUS the
# exit status of the builds' make; KEEP_GOING 1 under make -k. A build
# with no result of this run was up to date, unless make stopped early
# (STATUS not 0 without -k): then it was not built. The same for every
# project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ $# -ge 4 ] || { echo 'usage: summary.sh KIND RUN STATUS KEEP_GOING ID...' >&2; exit 2; }
kind=$1 run=$2 status=$3 keep=$4
shift 4

# field FILE N: field N of a result file (tab-separated: run, status, ms, file, size)
field() { cut -f "$2" "$1"; }
# this_run FILE: true when FILE is a result of this make run
this_run() { [ -f "$1" ] && [ "$(field "$1" 1)" = "$run" ]; }

# row ID: one tab-separated row: build, target, package, size, ms, status
row() {
	local id=$1 name profile file=- size=- ms=0 st r kinds k
	# shellcheck source=/dev/null
	name=$(. ".vdist/$id/values.sh" && printf '%s' "$vdist_name" | tr '\t\n' '  ')
	# shellcheck source=/dev/null
	profile=$(. ".vdist/$id/values.sh" && printf "%s" "$vdist_profile" && [ "${vdist_arch:-amd64}" = amd64 ] || printf "/%s" "$vdist_arch")
	case $kind in
	packages) kinds='image package' ;;
	check) kinds='lint check' ;;
	*) kinds=$kind ;;
	esac
	st=''
	for k in $kinds; do
		r=.vdist/$id/$k.result
		this_run "$r" || continue
		ms=$((ms + $(field "$r" 3)))
		case $(field "$r" 2) in
		failed) st=failed ;;
		built) [ "$st" = failed ] || st=built ;;
		ok) [ -n "$st" ] || st=ok ;;
		cached) ;;
		esac
		[ "$(field "$r" 4)" = - ] || { file=$(field "$r" 4); size=$(field "$r" 5); }
	done
	if [ -z "$st" ]; then
		if [ "$kind" = packages ] && [ -f ".vdist/$id/package.stamp" ] && { [ "$status" = 0 ] || [ "$keep" = 1 ]; }; then
			st='up to date'
			file=${VDIST_DIST:-dist}/$(cat ".vdist/$id/package.stamp")
			[ ! -f "$file" ] || size=$(stat -c %s "$file")
			ms=-
		else
			st='not run'
			ms=-
		fi
	fi
	[ "$st" != ok ] || st=passed
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$profile" "$file" "$size" "$ms" "$st"
}

rows=$(for id; do row "$id"; done)
[ -n "$rows" ] || exit 0
printf '%s\n' "$rows" | awk -F '\t' -v kind="$kind" '
	function human(b) {
		if (b == "-") return "-"
		if (b < 1000) return b " B"
		if (b < 1000000) return sprintf("%d.%d kB", int(b / 1000), int(b % 1000 / 100))
		return sprintf("%d.%d MB", int(b / 1000000), int(b % 1000000 / 100000))
	}
	function secs(ms) { return ms == "-" ? "-" : sprintf("%d.%d s", int(ms / 1000), int(ms % 1000 / 100)) }
	{
		n++
		c[n, 1] = $1; c[n, 2] = $2; c[n, 3] = $3; c[n, 4] = human($4); c[n, 5] = secs($5); c[n, 6] = $6
		count[$6]++
	}
	END {
		h[1] = "build"; h[2] = "target"; h[3] = (kind == "wheels" ? "wheels" : "package")
		h[4] = "size"; h[5] = "time"; h[6] = "status"
		for (j = 1; j <= 6; j++) {
			w[j] = length(h[j])
			for (i = 1; i <= n; i++) if (length(c[i, j]) > w[j]) w[j] = length(c[i, j])
		}
		line = ""
		order[1] = "built"; order[2] = "passed"; order[3] = "up to date"; order[4] = "failed"; order[5] = "not run"
		for (k = 1; k <= 5; k++)
			if (count[order[k]]) line = line (line == "" ? "" : ", ") count[order[k]] " " order[k]
		printf "vdist: %s: %s\n", kind == "check" ? "check-packages" : kind == "lint" ? "lint-packages" : kind, line
		fmt = "%-" w[1] "s  %-" w[2] "s  %-" w[3] "s  %" w[4] "s  %" w[5] "s  %s\n"
		printf fmt, h[1], h[2], h[3], h[4], h[5], h[6]
		for (i = 1; i <= n; i++) printf fmt, c[i, 1], c[i, 2], c[i, 3], c[i, 4], c[i, 5], c[i, 6]
	}'
