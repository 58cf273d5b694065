# vdist runtime: the image make lint-packages (and check-packages) runs
# Debian's lintian and rpmlint in, on the base image LINT_IMAGE names.
ARG BASE=debian:bookworm
FROM $BASE
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends lintian rpmlint rpm \
    && rm -rf /var/lib/apt/lists/*
