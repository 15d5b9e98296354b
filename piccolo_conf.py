"""For Piccolo's own command line (`piccolo migrations new tickets --auto`, `check`…)."""

from helpdesk import piccolo_conf

APP_REGISTRY = piccolo_conf.APP_REGISTRY
DB = piccolo_conf.DB
