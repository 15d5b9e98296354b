"""Choosing the adapter of the account-services port (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from helpdesk.accounts.http import HttpAccountService
from helpdesk.accounts.local import LocalDirectory, mail_environment
from helpdesk.accounts.port import AccountService
from helpdesk.core.settings import Settings

__all__ = ["LocalDirectory", "account_service", "local_directory", "mail_environment"]


def account_service(settings: Settings, state: Any = None) -> AccountService:
    """HttpAccountService when HELPDESK_ACCOUNTS_URL is set, else the local directory.

    `state`: the app's state (for its Jinja environment, which renders the directory's mails).
    """
    if settings.accounts.url:
        return HttpAccountService(settings.accounts.url, settings.accounts.api_key)
    return local_directory(settings, state)


def local_directory(settings: Settings, state: Any = None) -> LocalDirectory:
    jinja = getattr(state, "jinja", None) if state is not None else None
    return LocalDirectory(settings, jinja)
