"""Who is calling: staff sessions (pages) and bearer tokens (API), with their scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from litestar import Request
from litestar.exceptions import NotAuthorizedException

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
        email=email.strip().lower(),
        name=name,
        role=role,
        academie=academie,
        uais=uais or [],
        password_hash=hash_password(password),
        totp_required=totp_required,
    )
    await user.save()
    return user.id


async def check_credentials(email: str, password: str) -> dict | None:
    row = await User.select().where(User.email == email.strip().lower()).first()
    ok = verify_password(row["password_hash"] if row else None, password)
    if not ok or not row or not row["active"]:
        return None
    return row


async def audit(action: str, user_id: int | None = None, ip: str = "", **detail) -> None:
    await AuditLog.insert(AuditLog(user_id=user_id, action=action, detail=detail, ip=ip))


async def staff_by_id(user_id: int, epoch: int | None = None) -> Staff | None:
    row = await User.select().where((User.id == user_id) & (User.active == True)).first()  # noqa: E712
    if row is None or (epoch is not None and row["session_epoch"] != epoch):
        return None
    return staff_from_row(row)


async def issue_api_token(user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            user=user_id, token_hash=token_hash(token), expires_at=utcnow() + API_TOKEN_LIFETIME
        )
    )
    return token


# Who a token is, remembered a few seconds: the API's hot path then makes no query for it.
# A revocation is seen at once in this process, within TOKEN_CACHE_SECONDS in the others.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, Staff]] = {}


async def revoke_api_token(token: str) -> None:
    _token_cache.pop(token_hash(token), None)
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.token_hash == token_hash(token))


async def staff_from_token(token: str) -> Staff | None:
    import time

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
    staff = await staff_by_id(row["user.id"])
    if staff is not None:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        expires = min(
            time.monotonic() + TOKEN_CACHE_SECONDS,
            time.monotonic() + (row["expires_at"] - utcnow()).total_seconds(),
        )
        _token_cache[key] = (expires, staff)
    return staff


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


async def logout_everywhere(user_id: int) -> None:
    for key, (_expires, staff) in list(_token_cache.items()):
        if staff.id == user_id:
            _token_cache.pop(key, None)
    await User.update({User.session_epoch: User.session_epoch + 1}).where(User.id == user_id)
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.user == user_id)


async def start_password_reset(email: str) -> tuple[dict, str] | None:
    row = await User.select().where((User.email == email) & (User.active == True)).first()  # noqa: E712
    if row is None:
        return None
    token = secrets.token_urlsafe(32)
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
    await PasswordReset.update({PasswordReset.used: True}).where(PasswordReset.id == reset["id"])
    await User.update(
        {User.password_hash: hash_password(password), User.session_epoch: User.session_epoch + 1}
    ).where(User.id == reset["user"])
