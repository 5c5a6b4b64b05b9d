# MARC: two commands on a fresh clone.
#   make app    set up, pull the data (from ../shared/data when present), open the app
#   make test   set up and run the whole test suite (what CI runs)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
STAMP  := $(VENV)/.installed

.PHONY: app test setup browser pull schema bench clean fuzz

# uv (from pip's own package index settings; pip as the fallback): see .ci/install
$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) bash .ci/install $(VENV)
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core poppler-utils; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-dejavu-core poppler-utils; fi; }

# after the data: score the framework once and save what the app's first page needs (marc.reporting.snapshot)
pull: $(STAMP)
	$(BIN)/marc pull
	$(BIN)/marc snapshot

# the app serves at once (marc_app/serve.py: streamlit run app.py, with the first page's modules and
# snapshot read while the server starts); the snapshot is built beside it (the first page waits for
# it, then every later start finds it on disk)
app: $(STAMP)
	$(BIN)/marc pull
	$(BIN)/marc snapshot > data/cache/snapshot.log 2>&1 &
	$(BIN)/python -m marc_app.serve --server.port $(PORT) --server.headless true --browser.gatherUsageStats false \
	  --server.enableStaticServing true

test: $(STAMP) browser
	$(BIN)/ruff check --select F,E9,I marc marc_app tests bench app.py
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=20 tests

schema: $(STAMP)
	$(BIN)/marc schema --out docs

# thousands of hypothesis examples per fuzz target (CI runs 200): YAML loader, expressions, user CSVs
fuzz: $(STAMP)
	MARC_FUZZ_PROFILE=marc-fuzz $(BIN)/python -m pytest -q -p no:cacheprovider tests/adversarial/test_adversarial_fuzz.py

bench: $(STAMP)
	$(BIN)/python bench/bench_score.py

clean:
	rm -rf $(VENV) data/cache .pytest_cache .hypothesis
