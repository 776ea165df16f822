# The README's two commands: `make gate` (the main job) and `make test`.
# Both bootstrap everything on a fresh machine: the project's .venv (made once, reused
# while pyproject.toml is unchanged), semgrep's own tool env (it pins an OpenTelemetry
# that conflicts with FastAPI's), and the Redis/PostgreSQL binaries when no server answers.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TOOLS  := .tools
SEMGREP_ENV   := $(TOOLS)/semgrep
SEMGREP_STAMP := $(SEMGREP_ENV)/.installed-stamp
# Writable homes for tools that otherwise write into $HOME (TOOLCHAIN.md).
export MPLCONFIGDIR := $(CURDIR)/$(TOOLS)/mpl
export SEMGREP_SETTINGS_FILE := $(CURDIR)/$(TOOLS)/semgrep-settings.yml
export SEMGREP_LOG_FILE := $(CURDIR)/$(TOOLS)/semgrep.log
export SEMGREP_VERSION_CACHE_PATH := $(CURDIR)/$(TOOLS)/semgrep-version
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: gate test lint install tools services serve clean

gate: services
	$(BIN)/gauntlet gate

test: install tools
	$(BIN)/gauntlet services check --need-binaries
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

serve: services
	$(BIN)/gauntlet serve

install: $(STAMP)

tools: $(SEMGREP_STAMP)

# Redis/PostgreSQL: use what answers, else make sure the binaries exist (installing
# them with apt when root), else print the install command and exit 2.
services: install tools
	$(BIN)/gauntlet services check

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required; $(PYTHON) is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(SEMGREP_STAMP):
	@test -x $(SEMGREP_ENV)/bin/python || $(PYTHON) -m venv $(SEMGREP_ENV)
	$(SEMGREP_ENV)/bin/python -m pip install --quiet 'semgrep>=1.100,<2'
	@touch $(SEMGREP_STAMP)

clean:
	rm -rf $(VENV) $(TOOLS) reports/out .gauntlet
