#!/bin/sh
echo preinst
