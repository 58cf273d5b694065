#!/bin/bash
set -euo pipefail
app={{APP:x-sh}}
arch={{ARCHITECTURE:x-sh}}
echo "building $app for $arch"
