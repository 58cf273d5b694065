# vdist runtime: the make rules shared by every build, the same in every
# project. vdist.mk includes this file, then one .vdist/ID/build.mk per
# build; a single build can also be made without vdist.mk:
#   make -f .vdist/runtime/rules.mk -f .vdist/ID/build.mk package-ID
# Every recipe runs .vdist/runtime/host.sh ID COMMAND; values reach the
# shell only through vdist_q, which quotes a make value as one shell word.

vdist_empty :=
vdist_hash := \#
vdist_bs := \$(vdist_empty)
define vdist_nl


endef
vdist_q = '$(subst ','\'',$(1))'

# Settings; set them on the command line (make packages VERSION=1.2) or in
# your Makefile before the include.
DOCKER ?= docker
DOCKER_BUILD_FLAGS ?=
DOCKER_RUN_FLAGS ?=
FPM ?= fpm
DIST ?= dist
VERSION ?=
ITERATION ?=
MAINTAINER ?=
CHECK_CMD ?=
# the Debian image lintian and rpmlint run in (a missing debian:SUITE is bootstrapped)
LINT_IMAGE ?= debian:bookworm
RPM_INSTALL_FLAGS ?=
VDIST_GEN ?= vdist-gen
# make wheels, release, run, manage (the flow of pypackage-docker)
WHEELHOUSE ?= wheelhouse
# OFFLINE=1 builds as "offline": true does, OFFLINE=0 as false; empty: vdist.json decides
OFFLINE ?=
EXTRAS ?=
# the build whose builder makes wheels and the release image (vdist.mk
# sets the first build)
RELEASE_BUILD ?=
REPO_NS ?= vdist
# empty: the app of RELEASE_BUILD
IMAGE_NAME ?=
REPO_VERSION ?= latest
APPENV ?= /appenv
PORTS ?=
VOLUMES ?=
ENV_VARS ?=
CMD ?=
ARGS ?=
FORCE ?=

vdist_env = VDIST_DOCKER=$(call vdist_q,$(DOCKER)) \
	VDIST_DOCKER_BUILD_FLAGS=$(call vdist_q,$(DOCKER_BUILD_FLAGS)) \
	VDIST_DOCKER_RUN_FLAGS=$(call vdist_q,$(DOCKER_RUN_FLAGS)) \
	VDIST_FPM=$(call vdist_q,$(FPM)) VDIST_DIST=$(call vdist_q,$(DIST)) \
	VDIST_VERSION=$(call vdist_q,$(VERSION)) VDIST_ITERATION=$(call vdist_q,$(ITERATION)) \
	VDIST_MAINTAINER=$(call vdist_q,$(MAINTAINER)) VDIST_CHECK_CMD=$(call vdist_q,$(CHECK_CMD)) \
	VDIST_RPM_INSTALL_FLAGS=$(call vdist_q,$(RPM_INSTALL_FLAGS)) VDIST_GEN=$(call vdist_q,$(VDIST_GEN)) \
	VDIST_WHEELHOUSE=$(call vdist_q,$(WHEELHOUSE)) VDIST_EXTRAS=$(call vdist_q,$(EXTRAS)) \
	VDIST_REPO_NS=$(call vdist_q,$(REPO_NS)) VDIST_IMAGE_NAME=$(call vdist_q,$(IMAGE_NAME)) \
	VDIST_REPO_VERSION=$(call vdist_q,$(REPO_VERSION)) VDIST_APPENV=$(call vdist_q,$(APPENV)) \
	VDIST_PORTS=$(call vdist_q,$(PORTS)) VDIST_VOLUMES=$(call vdist_q,$(VOLUMES)) \
	VDIST_ENV_VARS=$(call vdist_q,$(ENV_VARS)) VDIST_FORCE=$(call vdist_q,$(FORCE)) \
	VDIST_OFFLINE=$(call vdist_q,$(OFFLINE)) VDIST_LINT_IMAGE=$(call vdist_q,$(LINT_IMAGE))
# vdist_host ID COMMAND: the recipe line that runs one host.sh command
vdist_host = @$(vdist_env) bash .vdist/runtime/host.sh $(1) $(2)
# every package depends on the runtime it was built with
vdist_runtime := .vdist/runtime/host.sh .vdist/runtime/lib.sh .vdist/runtime/bootstrap.sh

# packages, lint-packages, check-packages and images get one prerequisite
# per build from each build.mk; check-packages lints too
.PHONY: packages images lint-packages check-packages vdist-clean clean vdist-FORCE wheels release run manage
packages:
images:
lint-packages:
check-packages: lint-packages
clean: vdist-clean
vdist-clean:
	rm -rf .vdist/*/out .vdist/*/src .vdist/*/src.new .vdist/*/scripts .vdist/*/context .vdist/*/wheels .vdist/*/release .vdist/*/*.stamp .vdist/logs
vdist-FORCE:

# the build of the release flow, checked when a recipe needs it
vdist_release = $(or $(RELEASE_BUILD),$(error RELEASE_BUILD is empty: name a build, or use the vdist.mk vdist-gen wrote))
# wheels of the app and its dependencies (EXTRAS=test adds an extra) into
# $(WHEELHOUSE), built in the builder of RELEASE_BUILD; package builds use
# them, offline ones only them
wheels:
	$(call vdist_host,$(vdist_release),image)
	$(call vdist_host,$(vdist_release),wheels)
# the runtime image $(REPO_NS)/$(IMAGE_NAME):$(REPO_VERSION) (and :latest)
release: wheels
	$(call vdist_host,$(vdist_release),release)
# run CMD in the release image, with PORTS, VOLUMES and ENV_VARS
run:
	$(call vdist_host,$(vdist_release),run) $(CMD)
# a Django-style manage.py of the app, with ARGS
manage:
	$(call vdist_host,$(vdist_release),run) manage.py $(ARGS)
