"""Every setting comes from a HELPDESK_* environment variable, with a safe default.

`load_settings` builds them once at start; the value is frozen: a part that needs other
settings (the demo's mail catcher, a test) makes a new value with `dataclasses.replace`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from helpdesk import PROJECT_DIR


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "oui", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


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
    trusted_proxies: str = "127.0.0.1,::1"  # addresses whose X-Forwarded-* headers count
    # Mail out
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: str = "none"  # none | starttls | tls
    smtp_timeout_seconds: float = 20.0
    smtp_connections: int = 4  # a claimed batch goes out over this many at once
    mail_from: str = "Assistance ÉduConnect <ne-pas-repondre@assistance.localhost>"
    mail_max_attempts: int = 8
    mail_backoff_seconds: float = 30.0
    email_check_deliverability: bool = False
    mail_sender_in_process: bool = False
    mail_poll_seconds: float = 2.0
    mail_lease_seconds: float = 300.0  # a claimed mail is due again if its sender died
    demo_smtp_port: int = 8025
    # Rate limits: requests allowed per minute and per client address
    rate_limit_disabled: bool = False
    rate_limit_vote_per_minute: int = 20
    rate_limit_form_per_minute: int = 10
    rate_limit_triage_per_minute: int = 60
    rate_limit_lost_link_per_hour: int = 5
    login_delay_seconds: float = 1.0  # after 5 failed sign-ins, doubled at each failure (1 min max)
    # Data protection and legal notice
    retention_days: int = 365
    resolved_autoclose_days: int = 7
    organisation: str = "Académie (service d'assistance ÉduConnect)"
    publication_director: str = "La rectrice ou le recteur d'académie"
    host_name: str = "Hébergement académique"
    max_attachment_bytes: int = 5 * 1024 * 1024
    # Accounts and metrics
    accounts_url: str = ""  # the account API of a remote directory; empty: the local directory
    accounts_api_key: str = ""  # the key of the account API (X-Api-Key), served or called
    accounts_apply_nightly_at_once: bool = False  # apply "overnight" account changes at once
    metrics_token: str = ""  # when set, /metrics asks for `Authorization: Bearer <jeton>`
    # Mail in (helpdesk/mailin): the receiver the académie's mail server relays to
    mailin_host: str = "127.0.0.1"
    mailin_port: int = 2525  # 0: no receiver
    mailin_domain: str = ""  # of the signed reply addresses; empty: mails say « ne répondez pas »
    mailin_lmtp: bool = False
    imap_host: str = ""  # a mailbox to read the replies from (IMAP); empty: none
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_tls: str = "tls"  # tls | starttls | none
    imap_poll_seconds: float = 60.0

    # Letters of « Informer »: the académie's page they print (empty: the académie's site from
    # content/academies.toml) and a Unicode font (Debian's fonts-dejavu-core, `make deps`).
    letter_url: str = ""
    letter_font: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

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
    """The settings of the environment, `overrides` (same names as the fields) taking over."""
    values = {**_from_environment(), **overrides}
    # Served over HTTPS: cookies are Secure, whatever HELPDESK_BEHIND_HTTPS says.
    values["behind_https"] = bool(values["behind_https"]) or str(values["base_url"]).startswith(
        "https://"
    )
    if not values.get("secret_key"):
        values["secret_key"] = os.environ.get("HELPDESK_SECRET_KEY", "").strip()
    if not values["secret_key"]:
        values["secret_key"] = _generated_secret_key(Path(values["data_dir"]))
        values["secret_key_generated"] = True
    return Settings(**values)


def _from_environment() -> dict[str, object]:
    env = os.environ.get
    data_dir = Path(env("HELPDESK_DATA_DIR", "") or PROJECT_DIR / "data").resolve()
    return dict(
        host=env("HELPDESK_HOST", "127.0.0.1"),
        port=_int("HELPDESK_PORT", 8000),
        data_dir=data_dir,
        database_url=env("HELPDESK_DATABASE_URL", "")
        or f"sqlite:///{data_dir / 'helpdesk.sqlite3'}",
        base_url=env("HELPDESK_BASE_URL", ""),
        database_pool_size=_int("HELPDESK_DATABASE_POOL_SIZE", 20),
        demo=_flag("HELPDESK_DEMO"),
        redis_url=env("HELPDESK_REDIS_URL", ""),
        redis_prefix=env("HELPDESK_REDIS_PREFIX", "") or "helpdesk",
        behind_https=_flag("HELPDESK_BEHIND_HTTPS"),
        trusted_proxies=env("HELPDESK_TRUSTED_PROXIES", Settings.trusted_proxies).strip(),
        smtp_host=env("HELPDESK_SMTP_HOST", ""),
        smtp_port=_int("HELPDESK_SMTP_PORT", 25),
        smtp_user=env("HELPDESK_SMTP_USER", ""),
        smtp_password=env("HELPDESK_SMTP_PASSWORD", ""),
        smtp_tls=env("HELPDESK_SMTP_TLS", "none").lower(),
        smtp_timeout_seconds=float(env("HELPDESK_SMTP_TIMEOUT_SECONDS", "20")),
        smtp_connections=_int("HELPDESK_SMTP_CONNECTIONS", 4),
        mail_from=env("HELPDESK_MAIL_FROM", Settings.mail_from),
        mail_max_attempts=_int("HELPDESK_MAIL_MAX_ATTEMPTS", 8),
        mail_backoff_seconds=float(env("HELPDESK_MAIL_BACKOFF_SECONDS", "30")),
        email_check_deliverability=_flag("HELPDESK_EMAIL_CHECK_DELIVERABILITY"),
        # "app": the web process sends (one process, as `make run`); "worker": `helpdesk worker`
        mail_sender_in_process=env(
            "HELPDESK_MAIL_SENDER", "app" if _flag("HELPDESK_DEMO") else "worker"
        )
        == "app",
        mail_poll_seconds=float(env("HELPDESK_MAIL_POLL_SECONDS", "2")),
        mail_lease_seconds=float(env("HELPDESK_MAIL_LEASE_SECONDS", "300")),
        demo_smtp_port=_int("HELPDESK_DEMO_SMTP_PORT", 8025),
        rate_limit_disabled=_flag("HELPDESK_RATE_LIMIT_DISABLED"),
        rate_limit_vote_per_minute=_int("HELPDESK_RATE_LIMIT_VOTE", 20),
        rate_limit_form_per_minute=_int("HELPDESK_RATE_LIMIT_FORM", 10),
        rate_limit_triage_per_minute=_int("HELPDESK_RATE_LIMIT_TRIAGE", 60),
        rate_limit_lost_link_per_hour=_int("HELPDESK_RATE_LIMIT_LOST_LINK", 5),
        login_delay_seconds=float(env("HELPDESK_LOGIN_DELAY_SECONDS", "") or 1.0),
        retention_days=_int("HELPDESK_RETENTION_DAYS", 365),
        resolved_autoclose_days=_int("HELPDESK_RESOLVED_AUTOCLOSE_DAYS", 7),
        organisation=env("HELPDESK_ORGANISATION", Settings.organisation),
        publication_director=env("HELPDESK_PUBLICATION_DIRECTOR", Settings.publication_director),
        host_name=env("HELPDESK_HOST_NAME", Settings.host_name),
        max_attachment_bytes=_int("HELPDESK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024),
        accounts_url=env("HELPDESK_ACCOUNTS_URL", "").strip().rstrip("/"),
        accounts_api_key=env("HELPDESK_ACCOUNTS_API_KEY", "").strip(),
        accounts_apply_nightly_at_once=_flag("HELPDESK_ACCOUNTS_APPLY_AT_ONCE"),
        metrics_token=env("HELPDESK_METRICS_TOKEN", "").strip(),
        mailin_host=env("HELPDESK_MAILIN_HOST", "127.0.0.1"),
        mailin_port=_int("HELPDESK_MAILIN_PORT", 2525),
        # Demo mode answers by mail on the receiver it starts: the sender's domain serves.
        mailin_domain=env("HELPDESK_MAILIN_DOMAIN", "").strip().lower()
        or (
            env("HELPDESK_MAIL_FROM", Settings.mail_from).rpartition("@")[2].strip("> ").lower()
            if _flag("HELPDESK_DEMO")
            else ""
        ),
        mailin_lmtp=_flag("HELPDESK_MAILIN_LMTP"),
        imap_host=env("HELPDESK_IMAP_HOST", "").strip(),
        imap_port=_int("HELPDESK_IMAP_PORT", 993),
        imap_user=env("HELPDESK_IMAP_USER", ""),
        imap_password=env("HELPDESK_IMAP_PASSWORD", ""),
        imap_folder=env("HELPDESK_IMAP_FOLDER", "INBOX"),
        imap_tls=env("HELPDESK_IMAP_TLS", "tls").lower(),
        imap_poll_seconds=float(env("HELPDESK_IMAP_POLL_SECONDS", "60")),
        letter_url=env("HELPDESK_LETTER_URL", "").strip(),
        letter_font=env("HELPDESK_LETTER_FONT", "").strip() or Settings.letter_font,
    )
