#!/bin/bash
set -euo pipefail
app={{APP:x-sh}}
{{#IF_URL}}url={{URL:x-sh}}
echo "building $app"
