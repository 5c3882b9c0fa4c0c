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
# Where the built tarball is installed, as a user gets the collection. Every target that runs the installed collection
# (build-install's ansible-doc, e2e, runner, demo, bench, molecule) uses this one path:
# never the user's collections path (~/.ansible/collections), where an installed release would shadow the build.
INSTALLED := $(BUILD)/installed
# Only $(INSTALLED), not the Python's own site-packages either.
ONLY_INSTALLED := ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
MODULES := $(basename $(notdir $(wildcard plugins/modules/okx_*.py)))
# The interpreter's X.Y, as ansible-test's --python wants it.
PY_VERSION := -c 'import sys; print("%d.%d" % sys.version_info[:2])'

# Unit tests run on every ansible-core meta/runtime.yml's requires_ansible admits (>= 2.19), each in its own venv
# from its own requirements file, on a Python it supports on the controller (PyPI Requires-Python: 2.19 needs
# >= 3.11, 2.20 and 2.21 >= 3.12). 2.21 shares the main venv, 2.19 is the "oldest".
# FILE=path[::test] ... and K=expression (pytest -k) run some of them: `make units FILE=tests/unit/... K=check_mode`.
UNIT_CORES := 2.19 2.20 2.21
VENV_2.21 := $(VENV)
VENV_2.20 := $(CURDIR)/.venv-2.20
VENV_2.19 := $(OLDEST_VENV)
PYTHON_2.21 ?= $(PYTHON)
# The oldest Python 2.20 supports where there is one, as 2.19 runs on its oldest: three releases, three Pythons.
PYTHON_2.20 ?= $(shell hack/find-python.sh 3.12 3.12 2>/dev/null || hack/find-python.sh 3.12)
PYTHON_2.19 ?= $(OLDEST_PYTHON)

.PHONY: help test venv venv-oldest stage units units-oldest units-all $(addprefix units-,$(UNIT_CORES)) sanity \
  sanity-target-pythons build-install importer lint ansible-lint changelog-lint workflow-lint docs-lint docs-site \
  simulator e2e molecule runner demo bench profile fuzz pre-commit-install clean

# A make variable as one shell word.
quote = '$(subst ','\'',$(1))'

help:
	@echo "make test          every check CI runs: sanity, lint, docs-lint, docs-site, units on each ansible-core,"
	@echo "                   build + install + ansible-doc, galaxy-importer, simulator, molecule, runner, e2e"
	@echo "make units         unit tests with ansible-core 2.21, on a fresh copy of the working tree"
	@echo "                   FILE=tests/unit/...py[::test] K=expr: only those tests (pytest -k); make e2e takes both too"
	@echo "make units-oldest  unit tests with ansible-core 2.19 on Python 3.11, the oldest requires_ansible admits"
	@echo "make units-X.Y     unit tests with ansible-core X.Y, one of $(UNIT_CORES); make units-all: all of them"
	@echo "make sanity        ansible-test sanity over the whole collection, then compile/import on the target Pythons"
	@echo "                   SANITY_TEST=\"pep8 pylint\": only those ansible-test sanity tests, on the controller's Python"
	@echo "make lint          ansible-lint (production profile), antsibull-changelog lint, zizmor on .github/workflows"
	@echo "make docs-lint     antsibull-docs lint-collection-docs --plugin-docs: module, plugin and role docs"
	@echo "make docs-site     the docs site (antsibull-docs, Sphinx): the installed collection's docs and the guides"
	@echo "                   (docs/*.md), offline, into build/docsite/html; what .github/workflows/docs.yml publishes"
	@echo "make build-install build the tarball, install it into build/installed (and nowhere else), ansible-doc each module"
	@echo "make importer      galaxy-importer on the built tarball (what Galaxy runs on upload), with no container"
	@echo "make simulator     the OKX simulator's own tests"
	@echo "make e2e           end-to-end: ansible-playbook with the installed collection against the OKX simulator"
	@echo "make molecule      the role's molecule scenario against the simulator (converge, idempotence, verify)"
	@echo "make runner        playbooks/one_click_repay.yml as an AWX job, through ansible-runner, against the simulator"
	@echo "make demo          the example playbook, then the role on examples/inventory, against the simulator's demo"
	@echo "                   accounts: check mode, for real, again"
	@echo "make fuzz          the property tests (the repay session's, check mode's predictions), long and random"
	@echo "                   (FUZZ_EXAMPLES=3000)"
	@echo "make bench         the role vs a python-okx script on the simulator (not in make test);"
	@echo "                   BENCH_ARGS=\"--accounts 1000 --forks 50\" for another size, --strategy cryptoops.okx.fleet"
	@echo "make profile       where ansible-playbook's CPU goes over 1,000 accounts: its own process vs its workers,"
	@echo "                   cProfile of both (PROFILE_ARGS=\"--accounts 100 --forks 20 --strategy cryptoops.okx.fleet\")"
	@echo "make pre-commit-install  pre-commit into .venv, and its git hook (.pre-commit-config.yaml: the linters above)"
	@echo "BUILD=/some/dir    any target: build, stage and install there instead of build/"

test: sanity lint docs-lint docs-site units-all build-install importer simulator molecule runner demo e2e

venv: $(VENV)/.installed
venv-oldest: $(OLDEST_VENV)/.installed

# Each venv: its requirements file, and the Python it is created with.
$(VENV)/.installed: tests/requirements.txt
$(VENV)/.installed: VENV_PYTHON = $(PYTHON_2.21)
$(VENV_2.20)/.installed: tests/requirements-2.20.txt
$(VENV_2.20)/.installed: VENV_PYTHON = $(PYTHON_2.20)
$(OLDEST_VENV)/.installed: tests/requirements-oldest.txt
$(OLDEST_VENV)/.installed: VENV_PYTHON = $(PYTHON_2.19)
%/.installed:
	test -n "$(VENV_PYTHON)"
	$(VENV_PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install -q --upgrade pip
	$(@D)/bin/python -m pip install -q -r $^
	touch $@

# A copy of the working tree (tracked and untracked, not ignored files) as its own git repo: ansible-test
# takes its file list from git.
stage:
	rm -rf $(STAGE_ROOT)
	mkdir -p $(STAGE)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(STAGE)
	cd $(STAGE) && git init -q && git add -A

units: units-2.21
units-oldest: units-2.19
units-all: $(addprefix units-,$(UNIT_CORES))

.SECONDEXPANSION:
$(addprefix units-,$(UNIT_CORES)): units-%: $$(VENV_$$*)/.installed stage
	@echo "units: ansible-core $$($(VENV_$*)/bin/python -c 'import ansible.release as r; print(r.__version__)') on $$($(VENV_$*)/bin/python -V)"
	K=$(call quote,$(K)) hack/units.sh $(VENV_$*)/bin/python $(STAGE) $(FILE)

# SANITY_TEST="pep8 pylint ...": only those tests, on the controller's Python (what the pre-commit hooks run).
sanity: venv stage
	hack/seed-ansible-test-cache.sh $(VENV)/bin/python
	cd $(STAGE) && $(VENV)/bin/ansible-test sanity --venv --python $$($(VENV)/bin/python $(PY_VERSION)) -v \
	  $(addprefix --test ,$(SANITY_TEST))
	$(if $(SANITY_TEST),,$(MAKE) --no-print-directory sanity-target-pythons)

# Modules run on the target Pythons too: compile and import them there, as `--docker default` would.
# ansible-test looks the interpreters up as pythonX.Y on PATH (a pyenv shim fails unless selected), hence the links.
TARGET_PYTHONS := 3.9 3.10 3.11 3.12
# Python X.Y: pythonX.Y on PATH (as actions/setup-python and distribution packages install it) if it runs, else what
# hack/find-python.sh finds (pyenv's versions too).
find_python = { python$(1) -c 'import sys; print(sys.executable)' 2>/dev/null || hack/find-python.sh $(1) $(1); }
sanity-target-pythons: venv stage
	rm -rf $(BUILD)/pythons && mkdir -p $(BUILD)/pythons
	for version in $(TARGET_PYTHONS); do \
	  interpreter=$$($(call find_python,$$version)) || { echo "WARNING: no Python $$version: not checked"; continue; }; \
	  ln -s "$$interpreter" $(BUILD)/pythons/python$$version; \
	  (cd $(STAGE) && PATH=$(BUILD)/pythons:$$PATH $(VENV)/bin/ansible-test sanity --test compile --test import \
	    --controller origin:python=$$($(VENV)/bin/python $(PY_VERSION)) --target-python $$version); \
	done
	# ansible-test 2.21 no longer knows Python 3.8, which ansible-core 2.19 still targets: byte-compile there.
	if interpreter=$$($(call find_python,3.8)); then \
	  $$interpreter -c 'import pathlib, sys; [compile(p.read_text(), str(p), "exec") for d in sys.argv[1:] for p in pathlib.Path(d).glob("*.py")]' \
	    plugins/modules plugins/module_utils && echo "Python 3.8 compiles plugins/modules and plugins/module_utils"; \
	else echo "WARNING: no Python 3.8: not checked"; fi

# The fresh tarball, whatever the user's collections path holds: ansible-galaxy looks only at $(INSTALLED) (else a copy
# in ~/.ansible/collections is "already installed" and nothing is installed), and --force replaces what is there.
build-install: venv
	rm -rf $(BUILD)/dist $(INSTALLED)
	$(VENV)/bin/ansible-galaxy collection build --output-path $(BUILD)/dist .
	$(ONLY_INSTALLED) $(VENV)/bin/ansible-galaxy collection install --force --offline -p $(INSTALLED) \
	  $(BUILD)/dist/cryptoops-okx-*.tar.gz
	for module in $(MODULES); do \
	  $(ONLY_INSTALLED) $(VENV)/bin/ansible-doc cryptoops.okx.$$module > $(BUILD)/ansible-doc-$$module.txt; \
	  grep -q "cryptoops.okx.$$module" $(BUILD)/ansible-doc-$$module.txt; \
	  echo "ansible-doc cryptoops.okx.$$module: ok"; \
	done

# galaxy-importer, as Galaxy and Automation Hub run it on an uploaded tarball: ansible-doc on every plugin, metadata,
# changelog and tags, ansible-lint's production profile on the extracted tarball. hack/galaxy-importer.cfg turns off
# what needs a container (ansible-test in an image) or the network. It exits 0 whatever it finds: any WARNING or
# ERROR line fails the target.
importer: build-install
	rm -rf $(BUILD)/importer && mkdir -p $(BUILD)/importer/tmp
	cd $(BUILD)/importer && GALAXY_IMPORTER_CONFIG=$(CURDIR)/hack/galaxy-importer.cfg \
	  GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$(BUILD)/importer/tmp PATH=$(VENV)/bin:$$PATH \
	  $(VENV)/bin/python -m galaxy_importer.main $(BUILD)/dist/cryptoops-okx-*.tar.gz | tee $(BUILD)/importer/importer.log
	if grep -E '^(WARNING|ERROR|CRITICAL)' $(BUILD)/importer/importer.log; then \
	  echo "galaxy-importer: the findings above fail the import check"; exit 1; fi
	grep -q '^Importer processing completed successfully' $(BUILD)/importer/importer.log

lint: venv ansible-lint changelog-lint workflow-lint

ansible-lint: venv
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/ansible-lint

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint

# zizmor, offline: the workflows against GitHub's schema (--strict-collection fails on any schema error) and its
# security audits, code smells included (--pedantic).
workflow-lint: venv
	$(VENV)/bin/zizmor --offline --strict-collection --pedantic --no-progress --color never .github/workflows

# Module, plugin and role docs as the collection docsite renders them (markup, references, role argument specs).
# antsibull-docs calls ansible-doc and ansible-galaxy from PATH.
docs-lint: venv
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/antsibull-docs lint-collection-docs --plugin-docs .

# The docs site, as antsibull-docs builds a collection's docsite: it renders the installed collection's modules,
# plugins and role (that collection only: $(ONLY_INSTALLED)) into a project of `antsibull-docs sphinx-init`, whose
# conf.py gets hack/docsite/conf_site.py (offline, myst-parser), with the guides (docs/*.md, as installed) beside them.
# sphinx-build -W: any warning (a broken reference) fails it. tests/docsite checks that each module, plugin, role and
# guide has its page. .github/workflows/docs.yml publishes $(DOCSITE)/html.
DOCSITE := $(BUILD)/docsite
docs-site: build-install
	# antsibull-docs writes only into existing directories that no one but their owner can write to.
	rm -rf $(DOCSITE) && mkdir -p $(DOCSITE)/rst && chmod 755 $(DOCSITE) $(DOCSITE)/rst
	$(VENV)/bin/antsibull-docs sphinx-init --use-current --dest-dir $(DOCSITE) --index-rst-source hack/docsite/index.rst \
	  --project cryptoops.okx --title cryptoops.okx --copyright 'contributors to the cryptoops.okx collection' cryptoops.okx
	cat hack/docsite/conf_site.py >> $(DOCSITE)/conf.py
	$(ONLY_INSTALLED) PATH=$(VENV)/bin:$$PATH $(VENV)/bin/antsibull-docs --config-file $(DOCSITE)/antsibull-docs.cfg \
	  collection --use-current --cleanup everything --fail-on-error --dest-dir $(DOCSITE)/rst cryptoops.okx
	mkdir $(DOCSITE)/rst/guides
	cp $(INSTALLED)/ansible_collections/cryptoops/okx/docs/*.md $(DOCSITE)/rst/guides/
	$(VENV)/bin/python hack/docsite/eda_pages.py $(INSTALLED)/ansible_collections/cryptoops/okx $(DOCSITE)/rst/eda
	$(VENV)/bin/sphinx-build -b html -W --keep-going -q -c $(DOCSITE) -d $(DOCSITE)/doctrees $(DOCSITE)/rst $(DOCSITE)/html
	OKX_DOCSITE=$(DOCSITE)/html $(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/docsite

simulator: venv
	$(VENV)/bin/python -m pytest -p no:cacheprovider -q tests/simulator

# The tests read the installed collection's path from OKX_E2E_COLLECTIONS_PATH (tests/e2e/helpers.py,
# tests/awx/test_awx_runner.py) and give it to ansible-playbook as its only collections path.
e2e: build-install
	OKX_E2E_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/python -m pytest -p no:cacheprovider -v -n 2 \
	  $(or $(FILE),tests/e2e) $(if $(K),-k $(call quote,$(K)))

# extensions/molecule/default/molecule.yml sets ANSIBLE_COLLECTIONS_PATH to OKX_MOLECULE_COLLECTIONS_PATH only.
molecule: build-install
	OKX_MOLECULE_COLLECTIONS_PATH=$(INSTALLED) PATH=$(VENV)/bin:$$PATH $(VENV)/bin/molecule test

runner: build-install
	OKX_E2E_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/python -m pytest -p no:cacheprovider -v tests/awx

# The tests and tools import the simulator as tests.simulator (pytest.ini puts the root on the path for pytest).
demo: build-install
	PYTHONPATH=$(CURDIR) $(VENV)/bin/python hack/demo.py $(INSTALLED)

# The repay session's stateful property test, long and random (make units runs it with a fixed seed and budget).
# FUZZ_EXAMPLES examples of up to 25 steps each; every counterexample it prints becomes a test in test_okx_repay.py.
FUZZ_EXAMPLES ?= 3000
fuzz: venv stage
	cd $(STAGE) && HYPOTHESIS_PROFILE=fuzz OKX_PROPERTY_EXAMPLES=$(FUZZ_EXAMPLES) PYTHONPATH=$(STAGE_ROOT) \
	  $(VENV)/bin/python -m pytest -p no:cacheprovider -q --hypothesis-show-statistics \
	  tests/unit/plugins/plugin_utils/test_okx_repay_properties.py tests/unit/plugins/plugin_utils/test_okx_market_properties.py

# Not part of `make test`: timings belong in a benchmark, measured against a baseline in the same run.
bench: build-install
	$(VENV)/bin/python -m pip install -q -r tests/bench/requirements.txt
	OKX_BENCH_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/python -m tests.bench.run_bench $(BENCH_ARGS)

# Where ansible-playbook's CPU goes over a fleet (docs/architecture.md): PROFILE_ARGS="--strategy cryptoops.okx.fleet".
profile: build-install
	OKX_BENCH_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/python -m tests.bench.profile_playbook $(PROFILE_ARGS)

# .pre-commit-config.yaml's hooks are `repo: local` and call the targets above: pre-commit fetches no hook repository.
pre-commit-install: venv
	$(VENV)/bin/python -m pip install -q pre-commit
	$(VENV)/bin/pre-commit install

clean:
	rm -rf $(BUILD)
