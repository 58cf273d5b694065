#!/bin/sh
# after_install
systemctl daemon-reload || :
