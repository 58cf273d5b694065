#!/bin/bash
set -euo pipefail
app={{APP:x-sh}}
version={{VERSION:x-shell}}
echo "building $app $version"
