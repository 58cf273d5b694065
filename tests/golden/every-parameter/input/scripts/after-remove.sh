#!/bin/sh
# after_remove
userdel hello || :
