#!/bin/sh
echo postinst
