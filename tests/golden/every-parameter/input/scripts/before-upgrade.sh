#!/bin/sh
# before_upgrade
systemctl stop hello || :
