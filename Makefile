# The two commands the README promises: `make book` and `make test`.
# Each does all set-up on a fresh Debian 12 machine and nothing when set-up is already done.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := $(VENV)/.stamps

# nbgrader runs helper programs (alembic) by name: the venv's scripts come first.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# Anything whose change means the environment must be (re)installed.
ENV_INPUTS := pyproject.toml studentkit/pyproject.toml constraints.txt

.PHONY: book test bench setup system-deps env data exercises lock clean-book help

help:
	@echo "make book   build the site into _build/html (sets everything up first)"
	@echo "make test   run the whole test suite (sets everything up first)"
	@echo "make bench  run the benchmarks and write BENCHMARKS.md"

book: setup
	$(VENV)/bin/jupyter-book build . --path-output . $(BOOK_FLAGS)
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: setup
	$(PY) -m pytest $(PYTEST_FLAGS)

setup: system-deps env data

# Debian packages (data set, sandbox, browser, offline MathJax); apt runs only when one is missing.
system-deps:
	@bash scripts/system-deps.sh

env: $(STAMPS)/env

$(STAMPS)/env: $(ENV_INPUTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ./studentkit -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

# Locate, verify and cache Fashion-MNIST (fast when the cache is already there).
data: env
	$(PY) -m studentkit.data

# Benchmarks (training, best linear model, grading, book build, memory): tables printed and
# written to BENCHMARKS.md. Pass options with BENCH_FLAGS, e.g. BENCH_FLAGS="--only training".
bench: setup
	$(PY) -m benchmarks $(BENCH_FLAGS)

# Regenerate the student notebooks in exercises/ from solutions/ with nbgrader.
exercises: env
	$(PY) -m autograder release

# Re-pin every installed package (run after changing dependencies, then commit constraints.txt).
lock: env
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean-book:
	rm -rf _build
