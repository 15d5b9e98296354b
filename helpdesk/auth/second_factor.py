"""The second factor: TOTP codes good once, a QR code to enrol, recovery codes, a reset.

- A code (RFC 6238, 30-second steps, one step of drift allowed) signs in once: the step it
  belongs to is stored, and a code of that step or an older one is refused, even within its
  window (someone who saw it over a shoulder or in a proxy's log cannot use it again). The
  step is stored by a conditional UPDATE: two requests racing with one code, one wins.
- Recovery codes: RECOVERY_COUNT random codes given at enrolment (shown once), stored hashed
  with argon2id as passwords are, each good once; they stand in for the phone.
- An administrator (or the supervisor of an agent) resets a lost second factor: the secret
  and the recovery codes are gone, the next sign-in enrols again.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from markupsafe import Markup

from helpdesk.auth.passwords import hash_password, verify_password
from helpdesk.auth.tables import RecoveryCode, User

RECOVERY_COUNT = 10
DRIFT = 1  # steps accepted before and after the current one (phone clocks drift)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step whose code this is, within the drift; None when it is no code."""
    code = code.replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def use_step(user_id: int, step: int) -> bool:
    """Record that this step signed in; False when it (or a later one) already did."""
    done = (
        await User.update({User.totp_last_step: step})
        .where((User.id == user_id) & (User.totp_last_step < step))
        .returning(User.id)
    )
    return bool(done)


def normalise_recovery(typed: str) -> str:
    return "".join(c for c in typed.lower() if c.isalnum())


def looks_like_recovery(typed: str) -> bool:
    code = normalise_recovery(typed)
    return len(code) == 10 and all(c in "0123456789abcdef" for c in code)


async def new_recovery_codes(user_id: int) -> list[str]:
    """RECOVERY_COUNT fresh codes (shown once: only their hashes are kept); older ones end."""
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_COUNT)]
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)
    await RecoveryCode.insert(
        *(RecoveryCode(user=user_id, code_hash=hash_password(code)) for code in codes)
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


async def use_recovery_code(user_id: int, typed: str) -> bool:
    """True when typed is one of the account's unused recovery codes, now used."""
    code = normalise_recovery(typed)
    rows = await RecoveryCode.select(RecoveryCode.id, RecoveryCode.code_hash).where(
        (RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()
    )
    for row in rows:
        if verify_password(row["code_hash"], code):
            used = (
                await RecoveryCode.update({RecoveryCode.used_at: _now()})
                .where((RecoveryCode.id == row["id"]) & RecoveryCode.used_at.is_null())
                .returning(RecoveryCode.id)
            )
            return bool(used)
    return False


async def recovery_codes_left(user_id: int) -> int:
    return await RecoveryCode.count().where(
        (RecoveryCode.user == user_id) & RecoveryCode.used_at.is_null()
    )


async def check(user: dict, secret: str, typed: str) -> str:
    """How the typed value proves the second factor: "totp", "secours", "rejeu" (a code
    already used) or "" (wrong)."""
    step = matching_step(secret, typed)
    if step is not None:
        return "totp" if await use_step(user["id"], step) else "rejeu"
    if user["totp_secret"] and looks_like_recovery(typed):
        return "secours" if await use_recovery_code(user["id"], typed) else ""
    return ""


async def reset(user_id: int) -> None:
    """Forget the account's second factor: it enrols again at its next sign-in."""
    await User.update({User.totp_secret: "", User.totp_last_step: 0}).where(User.id == user_id)
    await RecoveryCode.delete().where(RecoveryCode.user == user_id)


def qr_svg(uri: str) -> Markup:
    """The enrolment URI as a QR code, an SVG drawn here (no image from another site, no
    inline style: the page's CSP allows none)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code à scanner avec votre application" ', 1
    )
    return Markup(svg)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
