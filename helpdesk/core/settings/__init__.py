"""Every setting comes from a HELPDESK_* environment variable, with a safe default.

`load_settings` builds them once at start: a frozen `Settings` of what is about serving (address,
data, database, Redis, security), holding a frozen dataclass per concern (`settings.smtp.host`,
`settings.rate_limits.form_per_minute`, `settings.mailin.port`…). A part that needs other
settings (the demo's mail catcher, a test) makes a new value with `settings.with_changes(…)`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, is_dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from helpdesk import PROJECT_DIR
from helpdesk.core.settings.concerns import (
    AccountsSettings,
    ImapSettings,
    LegalNotice,
    LetterSettings,
    MailInSettings,
    MailSettings,
    PrivacySettings,
    RateLimits,
    SmtpSettings,
    env_flag,
    env_int,
    env_text,
)

__all__ = [
    "AccountsSettings",
    "ImapSettings",
    "LegalNotice",
    "LetterSettings",
    "MailInSettings",
    "MailSettings",
    "PrivacySettings",
    "RateLimits",
    "Settings",
    "SmtpSettings",
    "demo_problem",
    "is_loopback",
    "load_settings",
    "serve_problem",
]

TRUSTED_PROXIES = "127.0.0.1,::1"


@dataclass(frozen=True)
class Settings:
    # Serving: address, data, database, Redis, security
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = PROJECT_DIR / "data"
    database_url: str = ""
    database_pool_size: int = 20  # PostgreSQL connections per process; 0: a connection per query
    base_url: str = ""
    secret_key: str = ""
    secret_key_generated: bool = False  # not from HELPDESK_SECRET_KEY: from the data folder
    demo: bool = False
    redis_url: str = ""
    redis_prefix: str = "helpdesk"  # of the keys: several help desks may share one Redis
    behind_https: bool = False
    trusted_proxies: str = TRUSTED_PROXIES  # addresses whose X-Forwarded-* headers count
    metrics_token: str = ""  # when set, /metrics asks for `Authorization: Bearer <jeton>`
    # Each concern, read by its own parts
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    legal: LegalNotice = field(default_factory=LegalNotice)
    accounts: AccountsSettings = field(default_factory=AccountsSettings)
    mailin: MailInSettings = field(default_factory=MailInSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    letters: LetterSettings = field(default_factory=LetterSettings)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of the environment, the secret key as given (maybe empty)."""
        env = os.environ.get
        data_dir = Path(env("HELPDESK_DATA_DIR", "") or PROJECT_DIR / "data").resolve()
        return cls(
            host=env("HELPDESK_HOST", "127.0.0.1"),
            port=env_int("HELPDESK_PORT", 8000),
            data_dir=data_dir,
            database_url=env("HELPDESK_DATABASE_URL", "")
            or f"sqlite:///{data_dir / 'helpdesk.sqlite3'}",
            database_pool_size=env_int("HELPDESK_DATABASE_POOL_SIZE", 20),
            base_url=env("HELPDESK_BASE_URL", ""),
            secret_key=env_text("HELPDESK_SECRET_KEY"),
            demo=env_flag("HELPDESK_DEMO"),
            redis_url=env("HELPDESK_REDIS_URL", ""),
            redis_prefix=env("HELPDESK_REDIS_PREFIX", "") or "helpdesk",
            behind_https=env_flag("HELPDESK_BEHIND_HTTPS"),
            trusted_proxies=env("HELPDESK_TRUSTED_PROXIES", TRUSTED_PROXIES).strip(),
            metrics_token=env_text("HELPDESK_METRICS_TOKEN"),
            smtp=SmtpSettings.from_env(),
            mail=MailSettings.from_env(),
            rate_limits=RateLimits.from_env(),
            privacy=PrivacySettings.from_env(),
            legal=LegalNotice.from_env(),
            accounts=AccountsSettings.from_env(),
            mailin=MailInSettings.from_env(),
            imap=ImapSettings.from_env(),
            letters=LetterSettings.from_env(),
        )

    def with_changes(self, **changes: object) -> Settings:
        """A copy with `changes`: a serving field by its name, a concern's fields by a mapping
        (`smtp={"host": "127.0.0.1", "port": 2525}`) or a whole concern by its value."""
        values = {}
        for name, change in changes.items():
            current = getattr(self, name, None)
            if is_dataclass(current) and isinstance(change, Mapping):
                change = replace(current, **change)  # type: ignore[type-var]
            values[name] = change
        return replace(self, **values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def public_base_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def served_locally(self) -> bool:
        """Whether the links point to this machine only (a loopback address)."""
        return is_loopback(urlsplit(self.public_base_url).hostname or "")


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def demo_problem(settings: Settings) -> str:
    """Why demo mode (demo accounts, caught mails) must not run here (empty: it may)."""
    if settings.served_locally:
        return ""
    return (
        f"Mode démonstration refusé\u00a0: l'adresse publique {settings.public_base_url} n'est "
        "pas locale, et la démonstration crée des comptes et montre les courriels à qui visite "
        "le site. Retirez HELPDESK_DEMO (et donnez HELPDESK_SMTP_HOST à `make run`), ou servez "
        "sur 127.0.0.1 sans HELPDESK_BASE_URL."
    )


def serve_problem(settings: Settings) -> str:
    """Why `helpdesk serve` must not start with these settings (empty: it may)."""
    if settings.served_locally:
        return ""
    if settings.demo:
        return demo_problem(settings)
    if settings.secret_key_generated:
        return (
            f"Clé secrète manquante\u00a0: l'adresse publique {settings.public_base_url} n'est "
            "pas locale (production), et la clé a été tirée dans le dossier de données "
            f"({settings.data_dir / 'secret_key'}), propre à cette machine. Donnez la même clé "
            "à tous les serveurs par HELPDESK_SECRET_KEY (par exemple la sortie de "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
    return ""


def _generated_secret_key(data_dir: Path) -> str:
    """A stable secret for one machine: generated once into the data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_settings(**overrides: object) -> Settings:
    """The settings of the environment, `overrides` taking over (as `Settings.with_changes`:
    `load_settings(data_dir=…, rate_limits={"disabled": True})`)."""
    settings = Settings.from_env().with_changes(**overrides)
    data_dir = Path(settings.data_dir)
    secret_key = settings.secret_key or _generated_secret_key(data_dir)
    return replace(
        settings,
        data_dir=data_dir,
        secret_key=secret_key,
        secret_key_generated=not settings.secret_key,
        # Served over HTTPS: cookies are Secure, whatever HELPDESK_BEHIND_HTTPS says.
        behind_https=settings.behind_https or settings.base_url.startswith("https://"),
    )
