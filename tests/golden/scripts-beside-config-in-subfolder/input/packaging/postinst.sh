#!/bin/sh
echo "hello installed"
