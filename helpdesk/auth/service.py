"""Who is calling: staff sessions (pages) and bearer tokens (API), with their scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import SecurityRequirement, SecurityScheme
from litestar.types import Guard

from helpdesk.auth import sessions
from helpdesk.auth.passwords import hash_password, verify_password
from helpdesk.auth.tables import ApiToken, AuditLog, PasswordReset, User

API_TOKEN_LIFETIME = dt.timedelta(hours=12)
RESET_LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    name: str
    role: str
    academie: str
    uais: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_academy_staff(self) -> bool:
        return self.role in ("agent", "supervisor")

    @property
    def home(self) -> str:
        return {"establishment": "/etablissement", "admin": "/admin/utilisateurs"}.get(
            self.role, "/agent"
        )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_from_row(row: dict) -> Staff:
    uais = row.get("uais") or []
    if isinstance(uais, str):
        import json

        uais = json.loads(uais or "[]")
    return Staff(row["id"], row["email"], row["name"], row["role"], row["academie"], tuple(uais))


INVALID_EMAIL = "Saisissez une adresse électronique valide, par exemple prenom.nom@ac-exemple.fr."


def staff_email(typed: str, deliverability: bool = False) -> str:
    """The address of a staff account, checked by email-validator and lowered; ValueError with
    a French sentence otherwise. A line break or a second address (« a@b.fr\r\nBcc: … »)
    is not an address: it never reaches the table nor a mail."""
    try:
        result = validate_email(typed.strip(), check_deliverability=deliverability, timeout=3)
    except EmailNotValidError:
        raise ValueError(INVALID_EMAIL) from None
    return result.normalized.lower()


async def create_user(
    email: str,
    password: str,
    role: str,
    academie: str = "",
    uais: list[str] | None = None,
    name: str = "",
    totp_required: bool = False,
) -> int:
    user = User(
        email=staff_email(email),
        name=name,
        role=role,
        academie=academie,
        uais=uais or [],
        password_hash=hash_password(password),
        totp_required=totp_required,
    )
    await user.save()
    forget_staff(user.id)  # the académie's list of agents changed
    return user.id


async def check_credentials(email: str, password: str) -> dict | None:
    row = await User.select().where(User.email == email.strip().lower()).first()
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or not row or not row["active"]:
        return None
    return row


async def audit(action: str, user_id: int | None = None, ip: str = "", **detail) -> None:
    await AuditLog.insert(AuditLog(user_id=user_id, action=action, detail=detail, ip=ip))


# Who a session or a token is, and the académie's agents, remembered a few seconds in each
# process: the queue's pages and API then make no query for them. Security bound: a change
# made in this process (deactivation, « se déconnecter partout », password reset, new account)
# is seen at once; the other processes see it within STAFF_CACHE_SECONDS (sessions, agents'
# lists) or TOKEN_CACHE_SECONDS (API tokens). Code that changes a user's role, académie, name
# or active flag calls forget_staff(user_id).
STAFF_CACHE_SECONDS = 10.0
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, Staff]] = {}  # token hash → (expires, staff)
_staff_cache: dict[int, tuple[float, int, Staff]] = {}  # user id → (expires, epoch, staff)
_agents_cache: dict[str, tuple[float, tuple[dict, ...]]] = {}


async def load_staff(user_id: int) -> tuple[int, Staff] | None:
    """The active user's session epoch and identity, from the database."""
    row = (
        await User.select(
            User.id, User.email, User.name, User.role, User.academie, User.uais, User.session_epoch
        )
        .where((User.id == user_id) & (User.active == True))  # noqa: E712
        .first()
    )
    return (row["session_epoch"], staff_from_row(row)) if row else None


async def staff_by_id(user_id: int, epoch: int | None = None) -> Staff | None:
    """The active staff member, if `epoch` is still theirs (no « se déconnecter partout »
    since the session opened). Remembered STAFF_CACHE_SECONDS; another epoch than the one
    remembered is checked in the database (a session opened in another process)."""
    now = time.monotonic()
    cached = _staff_cache.get(user_id)
    if cached is None or cached[0] <= now or (epoch is not None and epoch != cached[1]):
        loaded = await load_staff(user_id)
        if loaded is None:
            _staff_cache.pop(user_id, None)
            return None
        if len(_staff_cache) > 10_000:
            _staff_cache.clear()
        cached = _staff_cache[user_id] = (now + STAFF_CACHE_SECONDS, *loaded)
    _expires, current_epoch, staff = cached
    return staff if epoch is None or epoch == current_epoch else None


async def current_agents(academie: str) -> list[dict]:
    """The académie's active agents and supervisors by name (id, name, email, role), read now:
    what an assignment is checked against."""
    return (
        await User.select(User.id, User.name, User.email, User.role)
        .where(
            (User.academie == academie)
            & User.role.is_in(["agent", "supervisor"])
            & (User.active == True)  # noqa: E712
        )
        .order_by(User.name)
    )


async def notification_address(user_id: int) -> str:
    """Where to mail a staff member about their tickets: their address when they are active
    and asked for such mails (their settings), else ""."""
    row = (
        await User.select(User.email)
        .where(
            (User.id == user_id)
            & (User.active == True)  # noqa: E712
            & (User.notify_by_mail == True)  # noqa: E712
        )
        .first()
    )
    return row["email"] if row else ""


async def academy_agents(academie: str) -> tuple[dict, ...]:
    """current_agents(academie), remembered STAFF_CACHE_SECONDS: shown in the queue's lists,
    not used to check a right."""
    cached = _agents_cache.get(academie)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    agents = tuple(await current_agents(academie))
    _agents_cache[academie] = (time.monotonic() + STAFF_CACHE_SECONDS, agents)
    return agents


def forget_staff(user_id: int | None = None) -> None:
    """Forget in this process what is remembered of a user (all users when None)."""
    if user_id is None:
        _staff_cache.clear()
        _token_cache.clear()
    else:
        _staff_cache.pop(user_id, None)
        for key, (_expires, staff) in list(_token_cache.items()):
            if staff.id == user_id:
                _token_cache.pop(key, None)
    _agents_cache.clear()  # a handful of entries: cheaper than finding the user's académie


async def issue_api_token(user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            user=user_id, token_hash=token_hash(token), expires_at=utcnow() + API_TOKEN_LIFETIME
        )
    )
    return token


async def revoke_api_token(token: str) -> None:
    _token_cache.pop(token_hash(token), None)
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.token_hash == token_hash(token))


async def staff_from_token(token: str) -> Staff | None:
    key = token_hash(token)
    cached = _token_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    row = (
        await ApiToken.select(ApiToken.user.id, ApiToken.expires_at, ApiToken.revoked)
        .where(ApiToken.token_hash == key)
        .first()
    )
    if row is None or row["revoked"] or row["expires_at"] < utcnow():
        return None
    loaded = await load_staff(row["user.id"])  # not staff_by_id: one cache delay, not two
    staff = loaded[1] if loaded else None
    if staff is not None:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        expires = min(
            time.monotonic() + TOKEN_CACHE_SECONDS,
            time.monotonic() + (row["expires_at"] - utcnow()).total_seconds(),
        )
        _token_cache[key] = (expires, staff)
    return staff


# How OpenAPI names the bearer token (the app's schema declares it, the API's routes ask for it).
BEARER_TOKEN = "BearerToken"
BEARER_SCHEMES = {
    BEARER_TOKEN: SecurityScheme(
        type="http",
        scheme="bearer",
        description="Le jeton que donne POST /api/v1/auth/login.",
    )
}
BEARER_SECURITY: list[SecurityRequirement] = [{BEARER_TOKEN: []}]


async def current_staff(request: Request) -> Staff | None:
    """The staff member behind this request: bearer token for the API, else the session."""
    cached = request.scope.get("helpdesk_staff", False)
    if cached is not False:
        return cached
    staff = None
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        staff = await staff_from_token(authorization[7:].strip())
    elif "session" in request.scope:
        session = request.session or {}
        if session.get("user_id"):
            staff = await staff_by_id(session["user_id"], session.get("epoch"))
    request.scope["helpdesk_staff"] = staff
    return staff


async def require_staff(request: Request, *roles: str) -> Staff:
    staff = await current_staff(request)
    if staff is None or (roles and staff.role not in roles):
        raise NotAuthorizedException()
    return staff


def staff_guard(*roles: str) -> Guard:
    """A guard for the routes of these roles (of any staff member when none): anyone else gets
    a 401, which sends a page to the login and answers the API in JSON (helpdesk.core.web)."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        await require_staff(connection, *roles)  # type: ignore[arg-type]

    return guard


# How a handler asks for it: `staff: CurrentStaff` (Litestar wants injected names marked).
CurrentStaff = NamedDependency[Staff]


async def provide_staff(request: Request) -> Staff:
    """The `staff` dependency: who the route's guard let in (the request remembers it)."""
    return await require_staff(request)


async def logout_everywhere(user_id: int) -> None:
    await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.user == user_id)
    forget_staff(user_id)


async def set_active(user_id: int, active: bool) -> None:
    """(De)activate an account; a deactivated one is logged out everywhere at once."""
    await User.update({User.active: active}).where(User.id == user_id)
    if active:
        forget_staff(user_id)  # back in the académie's list of agents
    else:
        await logout_everywhere(user_id)


async def start_password_reset(email: str) -> tuple[dict, str] | None:
    row = await User.select().where((User.email == email) & (User.active == True)).first()  # noqa: E712
    if row is None:
        return None
    token = secrets.token_urlsafe(32)
    # Only the latest link works: a link that leaked from an older mail is dead now.
    await PasswordReset.update({PasswordReset.used: True}).where(
        (PasswordReset.user == row["id"]) & (PasswordReset.used == False)  # noqa: E712
    )
    await PasswordReset.insert(
        PasswordReset(
            user=row["id"], token_hash=token_hash(token), expires_at=utcnow() + RESET_LIFETIME
        )
    )
    return row, token


async def reset_target(token: str) -> dict | None:
    row = await PasswordReset.select().where(PasswordReset.token_hash == token_hash(token)).first()
    if row is None or row["used"] or row["expires_at"] < utcnow():
        return None
    return row


async def finish_password_reset(reset: dict, password: str) -> None:
    """A new password: every session and API token of the account ends (it may have leaked)."""
    await PasswordReset.update({PasswordReset.used: True}).where(PasswordReset.id == reset["id"])
    await User.update({User.password_hash: hash_password(password)}).where(User.id == reset["user"])
    await logout_everywhere(reset["user"])


async def purge_expired_sessions(settings) -> None:
    """Forget the staff sessions past their end (files on one host; Redis does it itself)."""
    await sessions.purge_expired_sessions(settings)


async def staff_names(ids: set) -> dict[int, str]:
    """How these staff members are named on a screen: their name, else their address."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = await User.select(User.id, User.name, User.email).where(User.id.is_in(ids))
    return {row["id"]: row["name"] or row["email"] for row in rows}
