"""Staff passwords: argon2id; TOTP second factor (RFC 6238) with pyotp."""

from __future__ import annotations

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A hash to verify against when the account doesn't exist, so timing tells nothing.
_DUMMY_HASH = _hasher.hash("mot de passe factice")
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str:
    """A French sentence when the password is too weak, else ""."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    if len(password) > 200:
        return "Le mot de passe ne peut pas dépasser 200 caractères."
    if (
        password.lower() == password
        or password.upper() == password
        or not any(c.isdigit() for c in password)
    ):
        return "Le mot de passe doit mêler minuscules, majuscules et chiffres."
    return ""


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Assistance ÉduConnect")
