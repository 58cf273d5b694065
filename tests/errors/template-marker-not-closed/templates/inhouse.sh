#!/bin/bash
set -euo pipefail
app={{APP:x-sh
echo "building $app"
