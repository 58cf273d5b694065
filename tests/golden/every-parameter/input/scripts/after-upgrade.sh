#!/bin/sh
# after_upgrade
systemctl try-restart hello || :
