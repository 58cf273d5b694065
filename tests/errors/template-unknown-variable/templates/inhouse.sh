#!/bin/bash
set -euo pipefail
app={{APP:x-sh}}
arch={{ARCH:x-sh}}
echo "building $app for $arch"
