# Two commands do all the set-up: `make run` serves the help desk, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= $(or $(HELPDESK_HOST),127.0.0.1)
PORT ?= $(or $(HELPDESK_PORT),8000)

.PHONY: run test deps browser fonts imap-server lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Front-end packages (DSFR, the map of départements, axe-core) are served from node_modules.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed node_modules/.installed fonts

# A Unicode font for the printed letters (names such as « Łucja » or « Doğan »): Debian's DejaVu.
fonts:
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-dejavu-core >/dev/null; }

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# One process serves, migrates and sends the mails: to HELPDESK_SMTP_HOST when it is set, else
# demo mode (local mail catcher, demo accounts). Links follow HOST and PORT unless
# HELPDESK_BASE_URL is set; demo mode is refused on an address that is not local.
run: deps
	$(BIN)/helpdesk migrate
	@export HELPDESK_HOST=$(HOST) HELPDESK_PORT=$(PORT); \
	  export HELPDESK_DEMO=$${HELPDESK_DEMO:-$$( [ -n "$$HELPDESK_SMTP_HOST" ] && echo 0 || echo 1 )}; \
	  export HELPDESK_ACCOUNTS_APPLY_AT_ONCE=$${HELPDESK_ACCOUNTS_APPLY_AT_ONCE:-$$HELPDESK_DEMO}; \
	  if [ "$$HELPDESK_DEMO" = 1 ]; then $(BIN)/helpdesk demo || exit 1; fi; \
	  $(BIN)/helpdesk serve --host $(HOST) --port $(PORT)

# Debian's Dovecot for the IMAP poller's tests (started by the tests on a loopback port).
imap-server:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

test: deps browser imap-server
	$(BIN)/pytest

# ruff, then the arrows allowed between packages (pyproject.toml, [tool.importlinter]).
lint: deps
	$(BIN)/ruff check helpdesk tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules data
