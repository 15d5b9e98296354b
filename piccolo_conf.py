"""Piccolo's configuration for its own command line: the engine of HELPDESK_DATABASE_URL."""

from helpdesk.db import make_engine
from helpdesk.settings import load_settings

DB = make_engine(load_settings().database_url)
