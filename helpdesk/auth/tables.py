"""Staff accounts: agents, supervisors, establishment staff, admins; and their API tokens."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ROLES = ("agent", "supervisor", "establishment", "admin")
ROLE_LABELS = {
    "agent": "Agent d'assistance",
    "supervisor": "Superviseur",
    "establishment": "Établissement",
    "admin": "Administrateur",
}


class User(Table, tablename="staff_user"):
    email = Varchar(length=320, unique=True)
    name = Varchar(length=200, default="")
    role = Varchar(length=20)
    academie = Varchar(length=40, default="", index=True)  # agents and supervisors
    uais = JSON(default="[]")  # establishment staff: the schools they answer for
    password_hash = Varchar(length=200)
    totp_secret = Varchar(length=64, default="")
    totp_required = Boolean(default=False)
    # The last 30-second step whose code signed in: a code is good once (no replay).
    totp_last_step = Integer(default=0)
    active = Boolean(default=True)
    notify_by_mail = Boolean(default=True)
    # Raised by "se déconnecter partout": sessions and tokens of older epochs stop working.
    session_epoch = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    user = ForeignKey(User, index=True)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    revoked = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())


class PasswordReset(Table, tablename="password_reset"):
    user = ForeignKey(User, index=True)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used = Boolean(default=False)


class RecoveryCode(Table, tablename="recovery_code"):
    """Single-use codes that stand in for a lost second factor, hashed like passwords."""

    user = ForeignKey(User, index=True)
    code_hash = Varchar(length=200)
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditLog(Table, tablename="audit_log"):
    """Logins and account actions, append-only."""

    user_id = Integer(null=True, default=None)
    action = Varchar(length=60)
    detail = JSON(default="{}")
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [User, ApiToken, PasswordReset, RecoveryCode, AuditLog]
