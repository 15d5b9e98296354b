"""The failures of the port (DESIGN.md §5), the same from both adapters: each has its HTTP
status and its code in the account API, a French `message` for the agent and the `field` at
fault."""

from __future__ import annotations

from helpdesk.accounts.vocabulary import UNAVAILABLE_MESSAGE


class AccountError(Exception):
    """A failure the agent can read: `message` in French, `field` names what is wrong."""

    status = 400
    code = "account_error"

    def __init__(self, message: str, field: str = "_"):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        return {"errors": {self.field: self.message}, "code": self.code}

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.message == self.message  # type: ignore[attr-defined]
            and other.field == self.field  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.message, self.field))


class AccountNotFound(AccountError):
    """No such account in the caller's scope (another académie's account is "not found")."""

    status = 404
    code = "account_not_found"


class AccountConflict(AccountError):
    """The account is not in a state where this can happen now (a change already pending…)."""

    status = 409
    code = "account_conflict"


class ActionRefused(AccountError):
    """The console's rules forbid this action on this account; `message` says why."""

    status = 422
    code = "action_refused"

    @property
    def reason(self) -> str:
        return self.message


class AccountServiceUnavailable(AccountError):
    """The account service cannot be reached or failed: nothing was changed by this call."""

    status = 503
    code = "account_service_unavailable"

    def __init__(self, message: str = UNAVAILABLE_MESSAGE, field: str = "_", detail: str = ""):
        super().__init__(message, field)
        self.detail = detail  # for the logs, not for people


ERRORS_BY_CODE: dict[str, type[AccountError]] = {
    cls.code: cls
    for cls in (AccountNotFound, AccountConflict, ActionRefused, AccountServiceUnavailable)
}
