#!/bin/bash
# In-house build script for jane-s-in-house-build, from the project's templates/.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=values.sh
. /vdist/values.sh
# shellcheck source=../runtime/lib.sh
. /vdist-runtime/lib.sh
build_name='Jane'\''s in-house build'
image='registry.example.com/base/debian:12'
printf 'in-house build %s of %s %s on %s\n' "$build_name" 'hello' '1.0' "$image"
printf 'home page: %s\n' 'https://example.com/hello'
runtime=('python3 (>= 3.11)' 'libyaml-0-2' )
printf 'depends on: %s\n' "${runtime[*]}"
vdist_build
