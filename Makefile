# The single entry point of the collection's checks. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell hack/find-python.sh)
OLDEST_PYTHON ?= $(shell hack/find-python.sh 3.11 3.11)
VENV := $(CURDIR)/.venv
OLDEST_VENV := $(CURDIR)/.venv-oldest
BUILD := $(CURDIR)/build
# ansible-test must run from a real ansible_collections/<namespace>/<name> directory (a symlink is not enough).
STAGE_ROOT := $(BUILD)/stage
STAGE := $(STAGE_ROOT)/ansible_collections/cryptoops/okx
# Where the built tarball is installed, as a user gets the collection.
INSTALLED := $(BUILD)/installed
MODULES := okx_one_click_repay okx_one_click_repay_info

.PHONY: help test venv venv-oldest stage units units-oldest sanity sanity-target-pythons build-install lint changelog-lint simulator e2e molecule runner demo clean

help:
	@echo "make test          every check CI runs: sanity, lint, units (2.21 and oldest 2.19), build + install + ansible-doc,"
	@echo "                   simulator, molecule, runner, e2e"
	@echo "make units         unit tests with ansible-core 2.21"
	@echo "make units-oldest  unit tests with ansible-core 2.19 on Python 3.11, the oldest requires_ansible admits"
	@echo "make sanity        ansible-test sanity over the whole collection"
	@echo "make build-install build the tarball, install it into build/installed, ansible-doc each module"
	@echo "make simulator     the OKX simulator's own tests"
	@echo "make e2e           end-to-end: ansible-playbook with the installed collection against the OKX simulator"
	@echo "make molecule      the role's molecule scenario against the simulator (converge, idempotence, verify)"
	@echo "make runner        playbooks/one_click_repay.yml as an AWX job, through ansible-runner, against the simulator"
	@echo "make demo          run the example playbook against a seeded simulator: check mode, for real, again"

test: sanity lint units units-oldest build-install simulator molecule runner e2e

venv: $(VENV)/.installed
$(VENV)/.installed: tests/requirements.txt
	test -n "$(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r tests/requirements.txt
	touch $@

venv-oldest: $(OLDEST_VENV)/.installed
$(OLDEST_VENV)/.installed: tests/requirements-oldest.txt
	test -n "$(OLDEST_PYTHON)"
	$(OLDEST_PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(OLDEST_VENV)/bin/python -m pip install -q -r tests/requirements-oldest.txt
	touch $@

# A copy of the working tree (tracked and untracked, not ignored files) as its own git repo: ansible-test
# takes its file list from git.
stage:
	rm -rf $(STAGE_ROOT)
	mkdir -p $(STAGE)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(STAGE)
	cd $(STAGE) && git init -q && git add -A

units: venv stage
	cd $(STAGE) && $(VENV)/bin/ansible-test units --local --python $$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') -v

units-oldest: venv-oldest stage
	cd $(STAGE) && $(OLDEST_VENV)/bin/ansible-test units --local --python $$($(OLDEST_VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') -v

sanity: venv stage
	hack/seed-ansible-test-cache.sh $(VENV)/bin/python
	cd $(STAGE) && $(VENV)/bin/ansible-test sanity --venv --python $$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') -v
	$(MAKE) --no-print-directory sanity-target-pythons

# Modules run on the target Pythons too: compile and import them there, as `--docker default` would.
# ansible-test looks the interpreters up as pythonX.Y on PATH (a pyenv shim fails unless selected), hence the links.
TARGET_PYTHONS := 3.9 3.10 3.11 3.12
sanity-target-pythons: venv stage
	rm -rf $(BUILD)/pythons && mkdir -p $(BUILD)/pythons
	for version in $(TARGET_PYTHONS); do \
	  interpreter=$$(hack/find-python.sh $$version $$version) || { echo "WARNING: no Python $$version: not checked"; continue; }; \
	  ln -s "$$interpreter" $(BUILD)/pythons/python$$version; \
	  (cd $(STAGE) && PATH=$(BUILD)/pythons:$$PATH $(VENV)/bin/ansible-test sanity --test compile --test import \
	    --controller origin:python=$$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') --target-python $$version); \
	done
	# ansible-test 2.21 no longer knows Python 3.8, which ansible-core 2.19 still targets: byte-compile there.
	if interpreter=$$(hack/find-python.sh 3.8 3.8); then \
	  $$interpreter -c 'import pathlib, sys; [compile(p.read_text(), str(p), "exec") for d in sys.argv[1:] for p in pathlib.Path(d).glob("*.py")]' \
	    plugins/modules plugins/module_utils && echo "Python 3.8 compiles plugins/modules and plugins/module_utils"; \
	else echo "WARNING: no Python 3.8: not checked"; fi

build-install: venv
	rm -rf $(BUILD)/dist $(INSTALLED)
	$(VENV)/bin/ansible-galaxy collection build --output-path $(BUILD)/dist .
	$(VENV)/bin/ansible-galaxy collection install -p $(INSTALLED) $(BUILD)/dist/cryptoops-okx-*.tar.gz
	for module in $(MODULES); do \
	  ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/ansible-doc cryptoops.okx.$$module > $(BUILD)/ansible-doc-$$module.txt; \
	  grep -q "cryptoops.okx.$$module" $(BUILD)/ansible-doc-$$module.txt; \
	  echo "ansible-doc cryptoops.okx.$$module: ok"; \
	done

lint: venv changelog-lint
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/ansible-lint

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint

simulator: venv
	$(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/simulator

e2e: build-install
	$(VENV)/bin/python -m pytest -p no:cacheprovider -v -n 2 tests/e2e

molecule: build-install
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/molecule test

runner: build-install
	$(VENV)/bin/python -m pytest -p no:cacheprovider -v tests/awx

demo: build-install
	$(VENV)/bin/python hack/demo.py

clean:
	rm -rf $(BUILD)
