#!/bin/sh
echo postrm
