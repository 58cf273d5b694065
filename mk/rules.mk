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
# the gpg key (fingerprint, key id or user id) packages and dist/SHA256SUMS
# are signed with, on this machine; empty: each build's sign_key
SIGN_KEY ?=
# make repo: the folder the signed apt and yum repositories are kept in
REPO_DIR ?= repo
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
# V=1 shows every line of every build (apt, pip, the packager) on the
# console; by default each build shows one line per step (full logs are
# in .vdist/logs/ either way)
V ?= 0

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
	VDIST_OFFLINE=$(call vdist_q,$(OFFLINE)) VDIST_LINT_IMAGE=$(call vdist_q,$(LINT_IMAGE)) \
	VDIST_SIGN_KEY=$(call vdist_q,$(SIGN_KEY)) VDIST_IDS=$(call vdist_q,$(vdist_ids)) \
	VDIST_REPO_DIR=$(call vdist_q,$(REPO_DIR)) \
	VDIST_V=$(call vdist_q,$(V)) VDIST_RUN=$(call vdist_q,$(vdist_run)) VDIST_TOP_PID=$(call vdist_q,$(vdist_top_pid)) \
	VDIST_CMD=$(call vdist_q,$(value CMD)) VDIST_ARGS=$(call vdist_q,$(value ARGS))
# vdist_host ID COMMAND: the recipe line that runs one host.sh command,
# with the build's engine (DOCKER_HOST_PROFILE, set in its build.mk); exec, so
# that a signal make passes on (SIGTERM) reaches host.sh, not a shell
vdist_host = @$(vdist_env) VDIST_ENGINE=$(call vdist_q,$(vdist_engine_$(1))) exec bash .vdist/runtime/host.sh $(1) $(2)
# every package depends on the runtime it was built with
vdist_runtime := .vdist/runtime/host.sh .vdist/runtime/lib.sh .vdist/runtime/bootstrap.sh

# the id of this make run, which host.sh records with what it did, for
# the summary table; a sub-make gets the same one
ifndef vdist_run
vdist_run := $(shell date +%s%N)
endif
# the process id of the make the user started (a sub-make gets it too):
# host.sh stops when that make is gone, even if a signal reached only it
ifndef vdist_top_pid
vdist_top_pid := $(shell echo $$PPID)
endif
# the builds (each build.mk adds its id) and the makefile make started
# with, which the sub-make of vdist_each reads again
vdist_ids :=
vdist_top := $(firstword $(MAKEFILE_LIST))
vdist_keep_going = $(if $(findstring k,$(firstword -$(MFLAGS))),1,0)
# the recipe of packages, check-packages, lint-packages and wheels, two
# lines: vdist_each KIND IDS makes vdist-KIND (one prerequisite per build)
# in a sub-make and, when a build failed, prints the summary table and
# fails; vdist_summary KIND IDS prints it after success (make -n only
# shows it)
vdist_summary_cmd = VDIST_DIST=$(call vdist_q,$(DIST)) bash .vdist/runtime/summary.sh $(1) $(vdist_run) $(3) $(vdist_keep_going) $(2)
vdist_each = +@$(MAKE) --no-print-directory -f $(call vdist_q,$(vdist_top)) vdist-$(1) vdist_run=$(vdist_run) \
	vdist_top_pid=$(vdist_top_pid) || \
	{ s=$$?; $(call vdist_summary_cmd,$(1),$(2),$$s); exit $$s; }
vdist_summary = @$(call vdist_summary_cmd,$(1),$(2),0)

# packages, lint-packages, check-packages (which lints too) and images
# get one prerequisite per build from each build.mk, through vdist-KIND
.PHONY: packages repo images lint-packages check-packages vdist-clean vdist-clean-cache vdist-prune-images clean vdist-FORCE wheels release run manage
.PHONY: vdist-packages vdist-lint vdist-check vdist-wheels
# packages: then, after the table, dist/SHA256SUMS of them all (signed
# with a key)
packages:
	$(call vdist_each,packages,$(vdist_ids))
	$(call vdist_summary,packages,$(vdist_ids))
	$(if $(vdist_ids),$(call vdist_host,$(firstword $(vdist_ids)),checksums))
# repo: the packages, then published into $(REPO_DIR), signed (see host.sh cmd_repo)
repo: packages
	$(if $(vdist_ids),$(call vdist_host,$(firstword $(vdist_ids)),repo),@echo 'vdist: no build')
lint-packages:
	$(call vdist_each,lint,$(vdist_ids))
	$(call vdist_summary,lint,$(vdist_ids))
check-packages:
	$(call vdist_each,check,$(vdist_ids))
	$(call vdist_summary,check,$(vdist_ids))
vdist-packages:
vdist-lint:
vdist-check:
images:
clean: vdist-clean
# vdist-clean: every build's stamps, work folders and logs, and the
# dependency cache; vdist-clean-cache: only the cache
vdist-clean: vdist-clean-cache
	rm -rf .vdist/*/out .vdist/*/src .vdist/*/src.new .vdist/*/scripts .vdist/*/context .vdist/*/wheels .vdist/*/release .vdist/*/*.stamp .vdist/*/*.result .vdist/*/deps.key .vdist/*/files.list .vdist/logs
vdist-clean-cache:
	rm -rf .vdist/cache
# vdist-prune-images: remove the builder images this project made or used
# that none of its builds uses now (.vdist/images.list records them; only
# images vdist built, on the engine each was used on)
vdist-prune-images:
	$(if $(vdist_ids),$(call vdist_host,$(firstword $(vdist_ids)),prune-images),@echo 'vdist: no build')
vdist-FORCE:

# the build of the release flow, checked when a recipe needs it
vdist_release = $(or $(RELEASE_BUILD),$(error RELEASE_BUILD is empty: name a build, or use the vdist.mk vdist-gen wrote))
# wheels of the app and its dependencies (EXTRAS=test adds an extra) into
# $(WHEELHOUSE), built in the builder of RELEASE_BUILD; package builds use
# them, offline ones only them
wheels:
	$(call vdist_each,wheels,$(vdist_release))
	$(call vdist_summary,wheels,$(vdist_release))
vdist-wheels:
	$(call vdist_host,$(vdist_release),image)
	$(call vdist_host,$(vdist_release),wheels)
# the runtime image $(REPO_NS)/$(IMAGE_NAME):$(REPO_VERSION) (and :latest)
release: vdist-wheels
	$(call vdist_host,$(vdist_release),release)
# run CMD in the release image, with PORTS, VOLUMES and ENV_VARS; CMD
# and ARGS reach the container's shell as written ($(value ...): make
# expands no $ in them)
run:
	$(call vdist_host,$(vdist_release),run)
# a Django-style manage.py of the app, with ARGS
manage:
	$(call vdist_host,$(vdist_release),manage)
