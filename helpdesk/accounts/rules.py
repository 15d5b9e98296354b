"""ÉduConnect's rules on identifiers, passwords and the data an agent may type."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata

from email_validator import EmailNotValidError, validate_email

from helpdesk.accounts.port import ActionRefused


def fold(text: str) -> str:
    """Lower case, no accents: "Éloïse" → "eloise"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe")


def letters_only(text: str) -> str:
    """ASCII letters of a name: "N'Diaye-Müller" → "ndiayemuller"."""
    return re.sub(r"[^a-z]", "", fold(text).replace("æ", "ae"))


def same_name(a: str, b: str) -> bool:
    """Names "identical" in the sense of the guide: same letters, case and accents aside
    ("GARNIER" and "Garnier" are the same name; "Dupont" and "Dupond" are not)."""
    return re.sub(r"[\s'’-]+", " ", fold(a)).strip() == re.sub(r"[\s'’-]+", " ", fold(b)).strip()


# --- Identifiers ----------------------------------------------------------------------------


def identifier_base(first_name: str, birth_name: str) -> str:
    """The "p.nom" of the format "p.nomXX" (guide 1.1 "Identifiant au format p.nomXX"): the first
    letter of the first name, a dot, the family name — the birth name since version 23.3
    (guide §8) — lower case, ASCII letters only. Digits are added to make it unique."""
    first = letters_only(first_name)[:1] or "x"
    name = letters_only(birth_name) or "compte"
    return f"{first}.{name}"


_IDENTIFIER = re.compile(r"^[a-z]\.[a-z]+\d+$")


def smallest_free_number(base: str, taken: set[str]) -> str:
    """base + the smallest number ≥ 1 that gives an identifier nobody has, or had (a retired
    identifier "ne pourra plus être utilisé", guide §8)."""
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def normalise_identifier(value: str) -> str:
    return (value or "").strip().lower()


# --- Passwords ------------------------------------------------------------------------------

PASSWORD_MIN, PASSWORD_MAX = 8, 14
_PASSWORD_CHARS = re.compile(r"^[A-Za-z0-9]+$")


def password_problem(password: str) -> str:
    """The parent's password rules of the FAQ (seed 001 §2.1): « composé de 8 à 14 caractères,
    chiffres et lettres, minuscules, majuscules, caractères non accentués avec au moins
    1 chiffre et 1 lettre ». Applied to élèves too (the sources give no other rule)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return "Le mot de passe doit compter de 8 à 14 caractères."
    if not _PASSWORD_CHARS.match(password):
        return (
            "Le mot de passe ne peut contenir que des chiffres et des lettres non accentuées, "
            "minuscules ou majuscules."
        )
    if not re.search(r"\d", password) or not re.search(r"[A-Za-z]", password):
        return "Le mot de passe doit contenir au moins 1 chiffre et 1 lettre."
    return ""


# No 0/O, 1/l/I: a provisional password is read on paper and typed by hand.
_UPPER, _LOWER, _DIGITS = "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789"


def provisional_password(rng: secrets.SystemRandom | None = None, length: int = 8) -> str:
    """A provisional password that meets the rules above (upper, lower and digits)."""
    rng = rng or secrets.SystemRandom()
    chars = [rng.choice(_UPPER), rng.choice(_LOWER), rng.choice(_DIGITS)]
    chars += [rng.choice(_UPPER + _LOWER + _DIGITS) for _ in range(length - 3)]
    rng.shuffle(chars)
    return "".join(chars)


# --- Values typed by agents -----------------------------------------------------------------

OLDEST_BIRTH_DATE = dt.date(1990, 1, 1)


def parse_date(typed: str) -> dt.date | None:
    """AAAA-MM-JJ, or JJ/MM/AAAA as people write it."""
    typed = (typed or "").strip()
    for pattern, order in (
        (r"(\d{4})-(\d{2})-(\d{2})", (0, 1, 2)),
        (r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", (2, 1, 0)),
    ):
        match = re.fullmatch(pattern, typed)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                return dt.date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return None
    return None


def check_birth_date(typed: object, today: dt.date) -> dt.date:
    if not isinstance(typed, str) or not typed.strip():
        raise ActionRefused("Indiquez la date de naissance (AAAA-MM-JJ).", "params.birth_date")
    value = parse_date(typed)
    if value is None:
        raise ActionRefused(
            "Saisissez une date valide, au format AAAA-MM-JJ ou JJ/MM/AAAA.", "params.birth_date"
        )
    if value > today:
        raise ActionRefused(
            "Une date de naissance ne peut pas être dans le futur.", "params.birth_date"
        )
    if value < OLDEST_BIRTH_DATE:
        raise ActionRefused(
            "Une date de naissance d'élève ne peut pas être antérieure au 1er janvier 1990.",
            "params.birth_date",
        )
    return value


def normalise_mobile(typed: object) -> str:
    """A French mobile as 0612345678 (from 06 12 34 56 78, +33 6…, 0033 6…, DROM codes)."""
    if not isinstance(typed, str):
        raise ActionRefused("Indiquez le numéro de téléphone portable.", "params.mobile")
    digits = re.sub(r"[\s.()-]", "", typed)
    digits = re.sub(r"^(?:\+|00)(?:33|262|590|594|596|269|689)", "0", digits)
    if not re.fullmatch(r"0[67]\d{8}", digits):
        raise ActionRefused(
            "Indiquez un numéro de téléphone portable français valide, par exemple "
            "06\u00a012\u00a034\u00a056\u00a078.",
            "params.mobile",
        )
    return digits


def format_mobile(digits: str) -> str:
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2)) if digits else ""


def check_email(typed: object, deliverability: bool = False) -> str:
    if not isinstance(typed, str) or not typed.strip():
        raise ActionRefused("Indiquez l'adresse mail.", "params.email")
    try:
        result = validate_email(typed.strip(), check_deliverability=deliverability, timeout=3)
    except EmailNotValidError:
        raise ActionRefused(
            "Saisissez une adresse mail valide, par exemple nom@exemple.fr.", "params.email"
        ) from None
    return result.normalized.lower()


def fr_date(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")
