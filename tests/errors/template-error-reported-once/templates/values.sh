# shellcheck shell=bash disable=SC2034
vdist_app={{APP:x-sh}}
vdist_version={{VERSION:shell}}
