# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen
DEMO_UNITS ?= 20000
DEMO_DIR ?= var/demo

.PHONY: install demo test lint bench clean

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

demo: install
	rm -rf $(DEMO_DIR)
	$(RUN) wengang generate city --units $(DEMO_UNITS) --seed 2021 --profile beijing $(DEMO_DIR)/city
	WENGANG_DATA_DIR=$(DEMO_DIR) $(RUN) wengang snapshot import $(DEMO_DIR)/city
	WENGANG_DATA_DIR=$(DEMO_DIR) $(RUN) wengang evaluate $(DEMO_DIR)/city --policy beijing-2021 --as-of 2021-06-30 --out $(DEMO_DIR)/decisions.csv
	WENGANG_DATA_DIR=$(DEMO_DIR) $(RUN) wengang explain $$(sed -n 2p $(DEMO_DIR)/decisions.csv | cut -d, -f1)

lint: install
	$(RUN) ruff check src tests bench
	$(RUN) lint-imports

test: lint
	$(RUN) pytest

bench: install
	$(RUN) python bench/bench_generate_import.py
	$(RUN) python bench/bench_rules.py

clean:
	rm -rf var .pytest_cache
