#!/bin/bash
# In-house build script for {{ID}}, from the project's templates/.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=values.sh
. /vdist/values.sh
# shellcheck source=../runtime/lib.sh
. /vdist-runtime/lib.sh
build_name={{NAME:x-sh}}
image={{DOCKER_IMAGE:x-sh}}
printf 'in-house build %s of %s %s on %s\n' "$build_name" {{APP:x-sh}} {{VERSION:x-sh}} "$image"
{{#IF_URL}}printf 'home page: %s\n' {{URL:x-sh}}
{{/IF_URL}}{{#IF_LICENSE}}printf 'license: %s\n' {{LICENSE:x-sh}}
{{/IF_LICENSE}}runtime=({{#RUNTIME_DEPS}}{{DEP:x-sh}} {{/RUNTIME_DEPS}})
printf 'depends on: %s\n' "${runtime[*]}"
vdist_build
