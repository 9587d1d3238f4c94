# openports in its ecosystem (issue 17): man page, shell completions,
# Prometheus metrics, JSON Schema, the Ansible fleet audit.
#
#   make test-eco          all of the below (part of make test)
#   make test-man          mandoc -T lint and groff -ww -z report nothing; man -l renders
#   make test-completions  bash, zsh, fish load the scripts and complete (tests/eco/completions.sh)
#   make test-prometheus   promtool check metrics + prometheus_client parser (tests/eco/prometheus.py)
#   make test-schema       every JSON object of the test suite vs schema/ (tests/eco/schema.py)
#   make test-ansible      contrib/ansible against three sshd namespaces (tests/eco/ansible.sh)
#   make eco-tools         apt: mandoc, zsh, fish, openssh-server, prometheus (promtool), man-db
#   make eco-venv          target/eco-venv: jsonschema, jsonschema-rs, prometheus_client, ansible-core (PyPI)
#
# `make test` sets OPENPORTS_JSON_LOG so that the cargo tests record the JSON
# the binary wrote to them ($(ECO_JSON_LOG)); test-schema validates it.

ECO_VENV ?= target/eco-venv
ECO_PYTHON ?= python3
ECO_JSON_LOG := $(CURDIR)/target/eco/test-json.ndjson
ECO_REQUIREMENTS := tests/eco/requirements.txt
# command -> Debian package
ECO_APT := mandoc:mandoc zsh:zsh fish:fish sshd:openssh-server ssh:openssh-client \
  promtool:prometheus man:man-db groff:groff-base

.PHONY: test-eco test-man test-completions test-prometheus test-schema test-ansible eco-tools eco-venv

test-extra:: test-eco

test-eco: test-man test-completions test-prometheus test-schema test-ansible

eco-tools:
	@missing=; for cp in $(ECO_APT); do c=$${cp%%:*}; p=$${cp#*:}; \
	  command -v $$c >/dev/null 2>&1 || [ -x /usr/sbin/$$c ] || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	echo "eco-tools: installing Debian packages:$$missing"; \
	command -v apt-get >/dev/null 2>&1 || { echo "error: eco-tools: missing$$missing and there is no apt-get to install them" >&2; exit 1; }; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	$$sudo apt-get update -q >/dev/null || { echo "error: eco-tools: apt-get update failed, cannot install$$missing" >&2; exit 1; }; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	  || { echo "error: eco-tools: apt-get install$$missing failed" >&2; exit 1; }

# The venv is rebuilt when the requirements change.
$(ECO_VENV)/.installed: $(ECO_REQUIREMENTS)
	@command -v $(ECO_PYTHON) >/dev/null || { echo "error: eco-venv: $(ECO_PYTHON) not found (needed for jsonschema, prometheus_client, ansible-core)" >&2; exit 1; }
	@[ -x $(ECO_VENV)/bin/pip ] || $(ECO_PYTHON) -m venv $(ECO_VENV) \
	  || { echo "error: eco-venv: $(ECO_PYTHON) -m venv $(ECO_VENV) failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	@echo "eco-venv: pip install -r $(ECO_REQUIREMENTS) into $(ECO_VENV)"
	@$(ECO_VENV)/bin/pip install -q --disable-pip-version-check -r $(ECO_REQUIREMENTS) \
	  || { echo "error: eco-venv: pip install -r $(ECO_REQUIREMENTS) failed (PyPI unreachable?)" >&2; exit 1; }
	@touch $@

eco-venv: $(ECO_VENV)/.installed

# mandoc's lint also reports, as a base-system note, cross references missing
# from this machine's mandoc.db ("outdated mandoc.db lacks ss(8)"): that is
# about the machine, not the page, so those lines alone are let through.
test-man: eco-tools
	@set -e; out=$$(mandoc -T lint -W style doc/openports.1 2>&1 | grep -v 'outdated mandoc.db lacks' || true); \
	if [ -n "$$out" ]; then echo "$$out" >&2; echo "error: test-man: mandoc -T lint reports the above for doc/openports.1" >&2; exit 1; fi; \
	out=$$(groff -ww -z -mdoc doc/openports.1 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" >&2; echo "error: test-man: groff -ww -z reports the above for doc/openports.1" >&2; exit 1; fi; \
	page=$$(MANWIDTH=80 man -l doc/openports.1 2>/dev/null); \
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do \
	  printf '%s\n' "$$page" | grep -q "^$$s" || { echo "error: test-man: man -l doc/openports.1 has no $$s section" >&2; exit 1; }; done; \
	echo "test-man: mandoc -T lint, groff -ww -z: no warning; man -l renders $$(printf '%s\n' "$$page" | wc -l) lines"

test-completions: eco-tools build
	tests/eco/completions.sh $(CURDIR)/$(BIN)

test-prometheus: eco-tools eco-venv build
	$(ECO_VENV)/bin/python tests/eco/prometheus.py $(CURDIR)/$(BIN)

test-schema: eco-venv build
	$(ECO_VENV)/bin/python tests/eco/schema.py $(CURDIR)/$(BIN) $(ECO_JSON_LOG)

test-ansible: eco-tools eco-venv build
	tests/eco/ansible.sh $(CURDIR)/$(ECO_VENV) $(CURDIR)/$(BIN)

# make install also installs the man page and the completions.
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
.PHONY: install-eco
install: install-eco
install-eco:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0644 doc/openports.1 $(DESTDIR)$(MANDIR)/man1/openports.1
	install -m 0644 completions/openports.bash $(DESTDIR)$(BASHCOMPDIR)/openports
	install -m 0644 completions/_openports $(DESTDIR)$(ZSHCOMPDIR)/_openports
	install -m 0644 completions/openports.fish $(DESTDIR)$(FISHCOMPDIR)/openports.fish
