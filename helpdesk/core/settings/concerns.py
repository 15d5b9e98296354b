"""The settings of each concern (mail out, rate limits, mail in…), one frozen dataclass each.

Each builds itself from its HELPDESK_* variables (`from_env`); its defaults are those of an
empty environment, so a test may build one with a few fields only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAIL_FROM = "Assistance ÉduConnect <ne-pas-repondre@assistance.localhost>"
DEFAULT_LETTER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def env_text(name: str, default: str = "") -> str:
    """The variable, stripped; `default` when it is missing or blank."""
    return os.environ.get(name, "").strip() or default


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "oui", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server the outbox sends through."""

    host: str = ""  # empty: the outbox keeps the mails until one is set
    port: int = 25
    user: str = ""
    password: str = ""
    tls: str = "none"  # none | starttls | tls
    timeout_seconds: float = 20.0
    connections: int = 4  # a claimed batch goes out over this many at once
    demo_port: int = 8025  # of the demo's local mail catcher, sent to when `host` is empty

    @classmethod
    def from_env(cls) -> SmtpSettings:
        env = os.environ.get
        return cls(
            host=env("HELPDESK_SMTP_HOST", ""),
            port=env_int("HELPDESK_SMTP_PORT", 25),
            user=env("HELPDESK_SMTP_USER", ""),
            password=env("HELPDESK_SMTP_PASSWORD", ""),
            tls=env("HELPDESK_SMTP_TLS", "none").lower(),
            timeout_seconds=env_float("HELPDESK_SMTP_TIMEOUT_SECONDS", 20.0),
            connections=env_int("HELPDESK_SMTP_CONNECTIONS", 4),
            demo_port=env_int("HELPDESK_DEMO_SMTP_PORT", 8025),
        )


@dataclass(frozen=True)
class MailSettings:
    """The mails the help desk writes: their sender, their outbox, the addresses it accepts."""

    from_address: str = DEFAULT_MAIL_FROM  # the From header, a name and an address
    max_attempts: int = 8
    backoff_seconds: float = 30.0  # the first delay, doubled at each attempt
    lease_seconds: float = 300.0  # a claimed mail is due again if its sender died
    poll_seconds: float = 2.0
    # The web process sends the outbox (one process, as `make run`); else `helpdesk worker`.
    send_in_process: bool = False
    check_deliverability: bool = False  # of the addresses typed in, by DNS

    @classmethod
    def from_env(cls) -> MailSettings:
        env = os.environ.get
        sender = env("HELPDESK_MAIL_SENDER", "app" if env_flag("HELPDESK_DEMO") else "worker")
        return cls(
            from_address=env("HELPDESK_MAIL_FROM", DEFAULT_MAIL_FROM),
            max_attempts=env_int("HELPDESK_MAIL_MAX_ATTEMPTS", 8),
            backoff_seconds=env_float("HELPDESK_MAIL_BACKOFF_SECONDS", 30.0),
            lease_seconds=env_float("HELPDESK_MAIL_LEASE_SECONDS", 300.0),
            poll_seconds=env_float("HELPDESK_MAIL_POLL_SECONDS", 2.0),
            send_in_process=sender == "app",
            check_deliverability=env_flag("HELPDESK_EMAIL_CHECK_DELIVERABILITY"),
        )


@dataclass(frozen=True)
class RateLimits:
    """Requests allowed per client address, and the delay after failed sign-ins."""

    disabled: bool = False
    vote_per_minute: int = 20
    form_per_minute: int = 10
    triage_per_minute: int = 60
    lost_link_per_hour: int = 5
    login_delay_seconds: float = 1.0  # after 5 failed sign-ins, doubled at each failure (1 min max)

    @classmethod
    def from_env(cls) -> RateLimits:
        return cls(
            disabled=env_flag("HELPDESK_RATE_LIMIT_DISABLED"),
            vote_per_minute=env_int("HELPDESK_RATE_LIMIT_VOTE", 20),
            form_per_minute=env_int("HELPDESK_RATE_LIMIT_FORM", 10),
            triage_per_minute=env_int("HELPDESK_RATE_LIMIT_TRIAGE", 60),
            lost_link_per_hour=env_int("HELPDESK_RATE_LIMIT_LOST_LINK", 5),
            login_delay_seconds=env_float("HELPDESK_LOGIN_DELAY_SECONDS", 1.0),
        )


@dataclass(frozen=True)
class PrivacySettings:
    """What the help desk keeps of people, and for how long (the « Données personnelles » page)."""

    retention_days: int = 365  # after a ticket is closed, then it is anonymised
    resolved_autoclose_days: int = 7  # a resolved ticket nobody answers is closed after these
    max_attachment_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_env(cls) -> PrivacySettings:
        return cls(
            retention_days=env_int("HELPDESK_RETENTION_DAYS", 365),
            resolved_autoclose_days=env_int("HELPDESK_RESOLVED_AUTOCLOSE_DAYS", 7),
            max_attachment_bytes=env_int("HELPDESK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024),
        )


@dataclass(frozen=True)
class LegalNotice:
    """Who publishes and hosts the service, as the legal notice and the privacy page say."""

    organisation: str = "Académie (service d'assistance ÉduConnect)"
    publication_director: str = "La rectrice ou le recteur d'académie"
    hosted_by: str = "Hébergement académique"

    @classmethod
    def from_env(cls) -> LegalNotice:
        env = os.environ.get
        return cls(
            organisation=env("HELPDESK_ORGANISATION", cls.organisation),
            publication_director=env("HELPDESK_PUBLICATION_DIRECTOR", cls.publication_director),
            hosted_by=env("HELPDESK_HOST_NAME", cls.hosted_by),
        )


@dataclass(frozen=True)
class AccountsSettings:
    """The account directory: the local one, or a remote one's API."""

    url: str = ""  # the account API of a remote directory; empty: the local directory
    api_key: str = ""  # the key of the account API (X-Api-Key), served or called
    apply_nightly_at_once: bool = False  # apply "overnight" account changes at once

    @classmethod
    def from_env(cls) -> AccountsSettings:
        return cls(
            url=env_text("HELPDESK_ACCOUNTS_URL").rstrip("/"),
            api_key=env_text("HELPDESK_ACCOUNTS_API_KEY"),
            apply_nightly_at_once=env_flag("HELPDESK_ACCOUNTS_APPLY_AT_ONCE"),
        )


@dataclass(frozen=True)
class MailInSettings:
    """The receiver the académie's mail server relays the replies to (helpdesk/mailin)."""

    host: str = "127.0.0.1"
    port: int = 2525  # 0: no receiver
    domain: str = ""  # of the signed reply addresses; empty: mails say « ne répondez pas »
    lmtp: bool = False

    @classmethod
    def from_env(cls) -> MailInSettings:
        # Demo mode answers by mail on the receiver it starts: the sender's domain serves.
        sender = os.environ.get("HELPDESK_MAIL_FROM", DEFAULT_MAIL_FROM)
        demo_domain = sender.rpartition("@")[2].strip("> ") if env_flag("HELPDESK_DEMO") else ""
        return cls(
            host=os.environ.get("HELPDESK_MAILIN_HOST", "127.0.0.1"),
            port=env_int("HELPDESK_MAILIN_PORT", 2525),
            domain=(env_text("HELPDESK_MAILIN_DOMAIN") or demo_domain).lower(),
            lmtp=env_flag("HELPDESK_MAILIN_LMTP"),
        )


@dataclass(frozen=True)
class ImapSettings:
    """A mailbox to read the replies from, when the mail server keeps them there."""

    host: str = ""  # empty: none
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    tls: str = "tls"  # tls | starttls | none
    poll_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> ImapSettings:
        env = os.environ.get
        return cls(
            host=env_text("HELPDESK_IMAP_HOST"),
            port=env_int("HELPDESK_IMAP_PORT", 993),
            user=env("HELPDESK_IMAP_USER", ""),
            password=env("HELPDESK_IMAP_PASSWORD", ""),
            folder=env("HELPDESK_IMAP_FOLDER", "INBOX"),
            tls=env("HELPDESK_IMAP_TLS", "tls").lower(),
            poll_seconds=env_float("HELPDESK_IMAP_POLL_SECONDS", 60.0),
        )


@dataclass(frozen=True)
class LetterSettings:
    """The letters of « Informer »: the académie's page they print (empty: the académie's site
    from content/academies.toml) and a Unicode font (Debian's fonts-dejavu-core, `make deps`)."""

    url: str = ""
    font: str = DEFAULT_LETTER_FONT

    @classmethod
    def from_env(cls) -> LetterSettings:
        return cls(
            url=env_text("HELPDESK_LETTER_URL"),
            font=env_text("HELPDESK_LETTER_FONT", DEFAULT_LETTER_FONT),
        )
