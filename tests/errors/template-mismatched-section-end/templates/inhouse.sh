#!/bin/bash
set -euo pipefail
{{#IF_URL}}url={{URL:x-sh}}{{/IF_LICENSE}}
echo "building {{APP:x-sh}}"
