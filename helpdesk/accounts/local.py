"""LocalDirectory: the account services in the project's own database.

It behaves like ÉduConnect's account-admin console as seed 004 describes it ("Administration des
comptes / Dépannage des comptes élèves", the "guide" below, cited by section), with the FAQ of
seed 001 for what the users themselves do. Each rule cites where it comes from.

Every action runs in one write transaction (joining the caller's, when the ticket side opens one
around it), records its result in `directory_action`, and, given an idempotency key, does its
work once: the same key again returns the stored result.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from helpdesk.accounts import sealed
from helpdesk.accounts.link_reports import LinkReports, refuse_reported_link
from helpdesk.accounts.port import (
    ACTIONS,
    ACTIVE,
    EN_COURS,
    FLAGS,
    INFORME,
    KINDS,
    NIGHTLY_ACTIONS,
    NON_INFORME,
    RELATIONS,
    STATE_CODES,
    STATES,
    Account,
    AccountConflict,
    AccountNotFound,
    AccountQuery,
    ActionRefused,
    ActionResult,
    Letter,
    Link,
    NamedActions,
    Page,
    PendingChange,
    QueuedMail,
    Scope,
)
from helpdesk.accounts.rules import (
    check_birth_date,
    check_email,
    fold,
    format_mobile,
    fr_date,
    identifier_base,
    letters_only,
    normalise_identifier,
    normalise_mobile,
    parse_date,
    password_problem,
    provisional_password,
    same_name,
    smallest_free_number,
)
from helpdesk.accounts.tables import (
    DirectoryAccount,
    DirectoryAction,
    DirectoryEstablishment,
    DirectoryLink,
    DirectoryMailConfirmation,
    DirectoryPendingChange,
    DirectoryPlace,
    DirectoryRetiredIdentifier,
)
from helpdesk.accounts.web_addresses import check_links, where_to_go
from helpdesk.db import is_postgres, write_transaction
from helpdesk.settings import Settings
from helpdesk.web import TEMPLATES_DIR, make_environment

CONFIRMATION_LIFETIME = dt.timedelta(days=7)  # an assumption: the sources give no lifetime
STARS = "*****"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mail_environment(jinja: Environment) -> Environment:
    """The app's Jinja environment, where `mail/compte_….txt` are found in templates/accounts/
    (this domain's templates) and everything else (layouts, filters) as usual."""
    return jinja.overlay(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR / "accounts"), jinja.loader])
    )


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return value or {}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


@dataclass
class Outcome:
    """What an action handler did, before it becomes an ActionResult."""

    message: str
    changed: bool = True
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    pending_ids: list[int] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    mails: list[QueuedMail] = field(default_factory=list)
    secrets: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Confirmation:
    """What following a confirmation link did."""

    status: str  # confirmed | already | expired | invalid
    email: str = ""
    activated: bool = False
    identifier: str = ""


class LocalDirectory(LinkReports, NamedActions):
    """The default adapter of the AccountService port."""

    def __init__(
        self,
        settings: Settings,
        jinja: Environment | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.settings = settings
        self.jinja = mail_environment(jinja or make_environment(settings=settings))
        self.clock = clock or utcnow

    # --- plumbing ------------------------------------------------------------------------

    @staticmethod
    def engine():
        return DirectoryAccount._meta.db

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.now().date()

    async def _establishments(self) -> dict[str, dict]:
        rows = await DirectoryEstablishment.select()
        return {row["uai"]: row for row in rows}

    def _scope_condition(self, scope: Scope):
        if scope.is_everywhere:
            return None
        if scope.is_empty:
            return DirectoryAccount.id == -1
        condition = None
        if scope.academie:
            condition = DirectoryPlace.academie == scope.academie
        if scope.uais:
            by_uai = DirectoryPlace.uai.is_in(list(scope.uais))
            condition = by_uai if condition is None else (condition | by_uai)
        return DirectoryAccount.id.is_in(
            DirectoryPlace.select(DirectoryPlace.account).where(condition)
        )

    async def _row(
        self, identifier: object, scope: Scope, *, field: str = "identifier", lock: bool = False
    ) -> dict:
        """The account row, within the scope; AccountNotFound otherwise (another académie's
        account is simply not found: DESIGN.md §8)."""
        if not isinstance(identifier, str) or not identifier.strip():
            raise ActionRefused("Indiquez l'identifiant ÉduConnect du compte.", field)
        ident = normalise_identifier(identifier)
        query = DirectoryAccount.select().where(DirectoryAccount.identifier == ident)
        condition = self._scope_condition(scope)
        if condition is not None:
            query = query.where(condition)
        if lock and is_postgres(self.engine()):
            query = query.lock_rows("UPDATE")
        row = await query.first()
        if row is not None:
            return row
        retired = (
            await DirectoryRetiredIdentifier.select(
                DirectoryRetiredIdentifier.account.identifier.as_alias("current"),
                DirectoryRetiredIdentifier.account.id.as_alias("account_id"),
            )
            .where(DirectoryRetiredIdentifier.identifier == ident)
            .first()
        )
        if retired and await self._in_scope(retired["account_id"], scope):
            # Guide §8: after the night, « l'ancien identifiant ne pourra plus être utilisé ».
            raise AccountNotFound(
                f"L'identifiant {ident} n'est plus utilisable\u00a0: il a été remplacé par "
                f"{retired['current']}.",
                field,
            )
        raise AccountNotFound(
            f"Aucun compte ÉduConnect n'a l'identifiant {ident} dans votre périmètre.", field
        )

    async def _in_scope(self, account_id: int, scope: Scope) -> bool:
        condition = self._scope_condition(scope)
        query = DirectoryAccount.exists().where(DirectoryAccount.id == account_id)
        if condition is not None:
            query = query.where(condition)
        return await query

    async def _links_of(self, ids: list[int]) -> dict[int, list[Link]]:
        result: dict[int, list[Link]] = {i: [] for i in ids}
        if not ids:
            return result
        for own, other in (("responsable", "eleve"), ("eleve", "responsable")):
            own_col = getattr(DirectoryLink, own)
            other_col = getattr(DirectoryLink, other)
            rows = (
                await DirectoryLink.select(
                    own_col.as_alias("own"),
                    DirectoryLink.status,
                    DirectoryLink.relation,
                    other_col.identifier.as_alias("identifier"),
                    other_col.kind.as_alias("kind"),
                    other_col.first_name.as_alias("first_name"),
                    other_col.last_name.as_alias("last_name"),
                    other_col.uai.as_alias("uai"),
                    other_col.classe.as_alias("classe"),
                )
                .where(own_col.is_in(ids))
                .order_by(DirectoryLink.id)
            )
            for row in rows:
                result[row["own"]].append(
                    Link(
                        identifier=row["identifier"],
                        kind=row["kind"],
                        first_name=row["first_name"],
                        last_name=row["last_name"],
                        uai=row["uai"],
                        status=row["status"],
                        relation=row["relation"],
                        classe=row["classe"],
                    )
                )
        return result

    async def _pending_of(self, ids: list[int]) -> dict[int, list[PendingChange]]:
        result: dict[int, list[PendingChange]] = {i: [] for i in ids}
        if not ids:
            return result
        rows = (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.account.is_in(ids),
                DirectoryPendingChange.applied_at.is_null(),
            )
            .order_by(DirectoryPendingChange.id)
        )
        for row in rows:
            result[row["account"]].append(self._pending(row))
        return result

    @staticmethod
    def _pending(row: dict) -> PendingChange:
        return PendingChange(
            id=row["id"],
            kind=row["kind"],
            value=_json(row["value"]),
            requested_at=iso(row["requested_at"]) or "",
            applied_at=iso(row["applied_at"]),
            outcome=_json(row["outcome"]),
        )

    async def _accounts(self, rows: list[dict]) -> list[Account]:
        ids = [row["id"] for row in rows]
        establishments = await self._establishments()
        links = await self._links_of(ids)
        pending = await self._pending_of(ids)
        return [
            self._account(row, establishments, links[row["id"]], pending[row["id"]]) for row in rows
        ]

    @staticmethod
    def _account(
        row: dict, establishments: dict, links: list[Link], pending: list[PendingChange]
    ) -> Account:
        establishment = establishments.get(row["uai"]) or {}
        kind = row["password_kind"]
        # The "Mot de passe" column of the lists (guide 3.3, 5.3): nothing before « Informer »,
        # the provisional password while it is the one to use (also after a reset, « jusqu'à ce
        # que l'élève choisisse un nouveau mot de passe »), asterisks once the user chose one.
        display = {"provisoire": row["provisional_password"], "choisi": STARS}.get(kind, "")
        return Account(
            identifier=row["identifier"],
            kind=row["kind"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            birth_name=row["birth_name"],
            state=row["state"],
            state_code=STATE_CODES.get(row["state"], ""),
            origin=row["origin"],
            email=row["email"],
            email_confirmed=bool(row["email_confirmed"]),
            pending_email=row["pending_email"],
            mobile=row["mobile"],
            birth_date=iso(row["birth_date"]),
            ine=row["ine"],
            classe=row["classe"],
            uai=row["uai"],
            establishment=establishment.get("name", ""),
            academie=establishment.get("academie", ""),
            flags=[flag for flag in FLAGS if row[flag]],
            links=links,
            pending_changes=pending,
            password=kind,
            password_reset_pending=bool(row["password_reset_pending"]),
            provisional_password=row["provisional_password"] if kind == "provisoire" else "",
            password_display=display,
            last_informed_at=iso(row["last_informed_at"]),
            last_login_at=iso(row["last_login_at"]),
            mef=row["mef"],
            mobile_confirmed=bool(row["mobile_confirmed"]),
        )

    async def _update(self, account_id: int, **values: Any) -> None:
        values["updated_at"] = self.now()
        await DirectoryAccount.update(
            {getattr(DirectoryAccount, k): v for k, v in values.items()}
        ).where(DirectoryAccount.id == account_id)

    async def _reload(self, account_id: int) -> dict:
        return await DirectoryAccount.select().where(DirectoryAccount.id == account_id).first()

    # --- derived data: places (scope) and search text ---------------------------------------

    async def refresh(self, account_ids: Iterable[int]) -> None:
        """Recompute the places (which schools an account is tied to) and the search text of
        these accounts, after their links, names, identifier, mail or mobile changed."""
        ids = sorted(set(account_ids))
        if not ids:
            return
        establishments = await self._establishments()
        rows = await DirectoryAccount.select().where(DirectoryAccount.id.is_in(ids))
        children: dict[int, list[dict]] = {i: [] for i in ids}
        for link in await DirectoryLink.select(
            DirectoryLink.responsable,
            DirectoryLink.eleve.first_name.as_alias("first_name"),
            DirectoryLink.eleve.last_name.as_alias("last_name"),
            DirectoryLink.eleve.uai.as_alias("uai"),
        ).where(DirectoryLink.responsable.is_in(ids)):
            children[link["responsable"]].append(link)
        await DirectoryPlace.delete().where(DirectoryPlace.account.is_in(ids))
        places = []
        for row in rows:
            uais = {row["uai"], *(c["uai"] for c in children[row["id"]])} - {""}
            for uai in sorted(uais):
                academie = (establishments.get(uai) or {}).get("academie", "")
                places.append(DirectoryPlace(account=row["id"], uai=uai, academie=academie))
            await DirectoryAccount.update(
                {DirectoryAccount.search_text: search_text(row, children[row["id"]])}
            ).where(DirectoryAccount.id == row["id"])
        if places:
            await DirectoryPlace.insert(*places)

    # --- the port: reading --------------------------------------------------------------------

    async def get(self, identifier: str, scope: Scope | str) -> Account:
        # One transaction: a consistent view, and one connection for the few queries.
        async with self.engine().transaction():
            row = await self._row(identifier, Scope.of(scope))
            return (await self._accounts([row]))[0]

    async def search(self, query: AccountQuery) -> Page:
        async with self.engine().transaction():
            return await self._search(query)

    async def _search(self, query: AccountQuery) -> Page:
        conditions = search_conditions(query)
        scope_condition = self._scope_condition(query.scope)
        if scope_condition is not None:
            conditions.append(scope_condition)
        limit = max(1, min(int(query.limit or 50), AccountQuery.MAX_LIMIT))
        if query.cursor:
            last, first, last_id = decode_cursor(query.cursor)
            conditions.append(
                (DirectoryAccount.last_folded > last)
                | ((DirectoryAccount.last_folded == last) & (DirectoryAccount.first_folded > first))
                | (
                    (DirectoryAccount.last_folded == last)
                    & (DirectoryAccount.first_folded == first)
                    & (DirectoryAccount.id > last_id)
                )
            )
        select = DirectoryAccount.select()
        if conditions:
            select = select.where(*conditions)
        rows = await select.order_by(
            DirectoryAccount.last_folded, DirectoryAccount.first_folded, DirectoryAccount.id
        ).limit(limit + 1)
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            tail = rows[-1]
            next_cursor = encode_cursor(tail["last_folded"], tail["first_folded"], tail["id"])
        return Page(items=await self._accounts(rows), next_cursor=next_cursor)

    async def act_many(
        self, action, identifiers, params=None, *, scope, idempotency_key=None, params_of=None
    ):
        from helpdesk.accounts.bulk import act_many

        return await act_many(
            self,
            action,
            identifiers,
            params,
            scope=scope,
            idempotency_key=idempotency_key,
            params_of=params_of,
        )

    async def activation_stats(self, scope: Scope | str) -> list[dict]:
        from helpdesk.accounts.school_health import activation_rows

        async with self.engine().transaction():
            return await activation_rows(Scope.of(scope))

    async def activation_timeline(self, scope: Scope | str, since):
        from helpdesk.accounts.activation_timeline import activation_timeline

        return await activation_timeline(Scope.of(scope), since)

    async def school_roster(self, uai: str, scope: Scope | str, kind: str = ""):
        from helpdesk.accounts.school_health import school_roster

        return await school_roster(uai, Scope.of(scope), kind)

    async def school_summary(self, uai: str, scope: Scope | str, since):
        from helpdesk.accounts.school_summary import school_summary

        return await school_summary(uai, Scope.of(scope), since)

    # --- the port: acting ---------------------------------------------------------------------

    async def act(
        self,
        action: str,
        identifier: str,
        params: Mapping[str, Any] | None = None,
        *,
        scope: Scope | str,
        idempotency_key: str | None = None,
    ) -> ActionResult:
        if action not in ACTIONS:
            raise ActionRefused(f"Action inconnue\u00a0: {action}.", "action")
        if params is not None and not isinstance(params, Mapping):
            raise ActionRefused("Les paramètres doivent être un objet JSON.", "params")
        params = dict(params or {})
        scope = Scope.of(scope)
        key = (idempotency_key or "").strip() or None
        if key and len(key) > 200:
            raise ActionRefused(
                "La clé d'idempotence ne peut pas dépasser 200 caractères.", "idempotency_key"
            )
        fingerprint = hashlib.sha256(
            json.dumps(
                {
                    "action": action,
                    "identifier": normalise_identifier(str(identifier)),
                    "params": params,
                    "scope": scope.as_dict(),
                },
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        try:
            return await self._act_once(action, identifier, params, scope, key, fingerprint)
        except Exception as error:
            # Two calls with the same key at the same moment (PostgreSQL): the second one's
            # insert of the key fails and everything it did is rolled back; it returns the
            # first one's result.
            if key and is_unique_violation(error):
                stored = await self._stored(key, fingerprint)
                if stored is not None:
                    return stored
            raise

    async def _stored(self, key: str, fingerprint: str) -> ActionResult | None:
        row = await DirectoryAction.select().where(DirectoryAction.idempotency_key == key).first()
        if row is None:
            return None
        if row["fingerprint"] != fingerprint:
            raise AccountConflict(
                "Cette clé d'idempotence a déjà servi pour une autre action ou d'autres "
                "paramètres\u00a0: utilisez une clé nouvelle pour une action nouvelle.",
                "idempotency_key",
            )
        data = sealed.replayed(self.settings, row)  # encrypted, secrets kept a short while
        data["replayed"] = True
        return ActionResult.from_dict(data)

    async def _act_once(
        self,
        action: str,
        identifier: str,
        params: dict,
        scope: Scope,
        key: str | None,
        fingerprint: str,
    ) -> ActionResult:
        async with write_transaction(self.engine()):
            if key:
                stored = await self._stored(key, fingerprint)
                if stored is not None:
                    return stored
            row = await self._row(identifier, scope, lock=True)
            handler = getattr(self, f"_do_{action}")
            outcome: Outcome = await handler(row, params, scope)
            if outcome.pending_ids and self.settings.accounts_apply_nightly_at_once:
                for change_id in outcome.pending_ids:
                    applied = await self._apply_change_id(change_id)
                    outcome.after.update(applied)
            pending = []
            if outcome.pending_ids:
                pending = [
                    self._pending(r)
                    for r in await DirectoryPendingChange.select()
                    .where(DirectoryPendingChange.id.is_in(outcome.pending_ids))
                    .order_by(DirectoryPendingChange.id)
                ]
            result = ActionResult(
                action=action,
                identifier=row["identifier"],
                message=outcome.message,
                changed=outcome.changed,
                before=outcome.before,
                after=outcome.after,
                pending_changes=pending,
                letters=outcome.letters,
                mails=outcome.mails,
                secrets=outcome.secrets,
                idempotency_key=key,
                done_at=iso(self.now()) or "",
            )
            await DirectoryAction.insert(
                DirectoryAction(
                    idempotency_key=key,
                    fingerprint=fingerprint,
                    action=action,
                    identifier=row["identifier"],
                    result=sealed.seal(self.settings, result.as_dict(include_secrets=True)),
                )
            )
            return result

    # --- actions ------------------------------------------------------------------------------

    @staticmethod
    def _require_kind(row: dict, kind: str, message: str) -> None:
        if row["kind"] != kind:
            raise ActionRefused(message)

    async def _pending_change(self, account_id: int, kind: str) -> dict | None:
        return (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.account == account_id,
                DirectoryPendingChange.kind == kind,
                DirectoryPendingChange.applied_at.is_null(),
            )
            .first()
        )

    async def _add_pending(self, account_id: int, kind: str, value: dict) -> int:
        change = DirectoryPendingChange(
            account=account_id, kind=kind, value=json.dumps(value), requested_at=self.now()
        )
        await change.save()
        return change.id

    async def _do_correct_birth_date(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # The date of birth is the élève's, as the school's base has it; a parent whose typed
        # date is refused (« La date de naissance saisie est incorrecte », FAQ seed 001 §6) asks
        # for it to be corrected; « La modification sera effective quelques jours après »: it is
        # applied by the night processing (DESIGN.md §5).
        self._require_kind(
            row,
            "eleve",
            "La date de naissance se corrige sur le compte de l'élève\u00a0: choisissez "
            "l'élève parmi ceux rattachés au responsable.",
        )
        new = check_birth_date(params.get("birth_date"), self.today())
        old = row["birth_date"]
        if old == new:
            raise ActionRefused(
                f"La date de naissance en base est déjà le {fr_date(new)}.", "params.birth_date"
            )
        waiting = await self._pending_change(row["id"], "correct_birth_date")
        if waiting:
            raise AccountConflict(
                "Une correction de la date de naissance (le "
                f"{fr_date(_json(waiting['value'])['birth_date'])}) est déjà en attente\u00a0: "
                "elle sera appliquée lors des traitements de nuit."
            )
        change_id = await self._add_pending(
            row["id"], "correct_birth_date", {"birth_date": new.isoformat(), "previous": iso(old)}
        )
        return Outcome(
            message=(
                f"La date de naissance de {row['first_name']} {row['last_name']} sera corrigée "
                f"lors des traitements de nuit\u00a0: {fr_date(old)} devient {fr_date(new)}. "
                "Le responsable pourra reprendre l'activation de son compte le lendemain."
            ),
            before={"birth_date": iso(old)},
            after={"birth_date": new.isoformat()},
            pending_ids=[change_id],
        )

    async def _child(self, params: dict, scope: Scope) -> dict:
        ident = params.get("eleve")
        child = await self._row(ident, scope, field="params.eleve")
        if child["kind"] != "eleve":
            raise ActionRefused(
                f"Le compte {child['identifier']} n'est pas celui d'un élève.", "params.eleve"
            )
        return child

    async def _link(self, responsable_id: int, eleve_id: int) -> dict | None:
        return (
            await DirectoryLink.select()
            .where(DirectoryLink.responsable == responsable_id, DirectoryLink.eleve == eleve_id)
            .first()
        )

    async def _refresh_link_flag(self, responsable_id: int) -> None:
        """The "rattachement signalé erroné" mark stays while a link is still reported."""
        reported = await DirectoryLink.exists().where(
            DirectoryLink.responsable == responsable_id,
            DirectoryLink.status == "signale_errone",
        )
        await self._update(responsable_id, rattachement_signale_errone=reported)

    async def _do_link_child(self, row: dict, params: dict, scope: Scope) -> Outcome:
        self._require_kind(
            row, "responsable", "Un élève se rattache au compte d'un responsable d'élève."
        )
        child = await self._child(params, scope)
        name = f"{child['first_name']} {child['last_name']}"
        link = await self._link(row["id"], child["id"])
        if link is None:
            # The link comes from the school's base (SIECLE/ONDE): ÉduConnect attaches to an
            # account only the élèves whose responsable it is there (guide 5.1; "anomalies
            # signalées dans ÉduConnect et à corriger dans SIECLE", guide §2).
            raise ActionRefused(
                f"{row['first_name']} {row['last_name']} n'est pas enregistré comme responsable "
                f"de l'élève {name} dans la base de l'établissement\u00a0: l'établissement doit "
                "d'abord corriger ses données (SIECLE), le rattachement sera possible ensuite.",
                "params.eleve",
            )
        if link["status"] == "confirme":
            raise ActionRefused(f"L'élève {name} figure déjà sur ce compte.", "params.eleve")
        refuse_reported_link(link, name)
        if row["state"] != ACTIVE:
            # A responsable confirms his children when he activates the account (the child's
            # birth date, FAQ seed 001 §2.1, §2.2); guide 5.1: « Il doit alors rattacher
            # l'élève à son compte » — an account that is activated.
            raise ActionRefused(
                f"Le compte n'est pas activé ({row['state']})\u00a0: l'élève sera rattaché quand "
                "le responsable activera son compte. S'il a déjà un compte activé, ajoutez les "
                "enfants de ce compte-ci à celui-là (regroupement)."
            )
        relation = params.get("relation") or link["relation"]
        if relation not in RELATIONS:
            raise ActionRefused(
                "Le lien est «\u00a0Représentant légal\u00a0» ou «\u00a0Personne en charge\u00a0».",
                "params.relation",
            )
        await DirectoryLink.update(
            {DirectoryLink.status: "confirme", DirectoryLink.relation: relation}
        ).where(DirectoryLink.id == link["id"])
        await self._refresh_link_flag(row["id"])
        return Outcome(
            message=f"L'élève {name} est rattaché au compte {row['identifier']}.",
            before={"link": {"eleve": child["identifier"], "status": link["status"]}},
            after={"link": {"eleve": child["identifier"], "status": "confirme"}},
        )

    async def _do_unlink_child(self, row: dict, params: dict, scope: Scope) -> Outcome:
        self._require_kind(
            row, "responsable", "Un élève se retire du compte d'un responsable d'élève."
        )
        child = await self._child(params, scope)
        name = f"{child['first_name']} {child['last_name']}"
        link = await self._link(row["id"], child["id"])
        if link is None:
            raise ActionRefused(f"L'élève {name} n'est pas rattaché à ce compte.", "params.eleve")
        await DirectoryLink.delete().where(DirectoryLink.id == link["id"])
        # « Je ne suis pas le représentant légal de cet élève » (guide 5.1 item 8): once the
        # link is gone, the mark goes too (unless another link is still reported).
        await self._refresh_link_flag(row["id"])
        await self.refresh([row["id"]])
        return Outcome(
            message=(
                f"L'élève {name} est retiré du compte {row['identifier']}. Si le lien venait "
                "d'une erreur de la base de l'établissement, celui-ci doit aussi la corriger "
                "(SIECLE)."
            ),
            before={"link": {"eleve": child["identifier"], "status": link["status"]}},
            after={"link": None},
        )

    async def _do_merge_accounts(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # « Ajouter des enfants depuis un autre compte » (FAQ seed 001 §12): the children of
        # another account of the same person come to the account kept.
        self._require_kind(
            row, "responsable", "Seuls les comptes de responsables d'élève se regroupent."
        )
        source = await self._row(params.get("from"), scope, field="params.from")
        if source["kind"] != "responsable":
            raise ActionRefused(
                "Seuls les comptes de responsables d'élève se regroupent.", "params.from"
            )
        if source["id"] == row["id"]:
            raise ActionRefused("Choisissez un autre compte que celui à conserver.", "params.from")
        # Names must be identical (dane.ac-bordeaux.fr, reference/domain-facts.md §4.1; FAQ
        # seed 001 §12: only after checking that no data is wrong).
        if not (
            same_name(row["first_name"], source["first_name"])
            and same_name(row["last_name"], source["last_name"])
        ):
            raise ActionRefused(
                f"Les nom et prénom des deux comptes ne sont pas identiques "
                f"({row['first_name']} {row['last_name']}, {source['first_name']} "
                f"{source['last_name']})\u00a0: les établissements doivent d'abord corriger "
                "leurs données.",
                "params.from",
            )
        # FAQ seed 001 §12: « Connectez-vous avec le compte principal » — the account kept is
        # one the responsable uses, hence activated.
        if row["state"] != ACTIVE:
            raise ActionRefused(
                f"Le compte à conserver ({row['identifier']}) doit être activé\u00a0: "
                "choisissez le compte que le responsable utilise."
            )
        links = await DirectoryLink.select().where(DirectoryLink.responsable == source["id"])
        if not links:
            raise ActionRefused(
                f"Le compte {source['identifier']} n'a aucun élève à ajouter.", "params.from"
            )
        before_children = await self._children_identifiers(row["id"])
        source_children = await self._children_identifiers(source["id"])
        moved = []
        for link in links:
            existing = await self._link(row["id"], link["eleve"])
            if existing:
                await DirectoryLink.delete().where(DirectoryLink.id == link["id"])
                if existing["status"] != "confirme":
                    await DirectoryLink.update({DirectoryLink.status: "confirme"}).where(
                        DirectoryLink.id == existing["id"]
                    )
            else:
                await DirectoryLink.update(
                    {DirectoryLink.responsable: row["id"], DirectoryLink.status: "confirme"}
                ).where(DirectoryLink.id == link["id"])
            moved.append(link["eleve"])
        await self._refresh_link_flag(row["id"])
        await self._refresh_link_flag(source["id"])
        await self.refresh([row["id"], source["id"]])
        after_children = await self._children_identifiers(row["id"])
        names = await DirectoryAccount.select(
            DirectoryAccount.first_name, DirectoryAccount.last_name
        ).where(DirectoryAccount.id.is_in(moved))
        listed = ", ".join(f"{n['first_name']} {n['last_name']}" for n in names)
        return Outcome(
            message=(
                f"{_plural(len(moved), 'élève')} du compte {source['identifier']} "
                f"{'sont ajoutés' if len(moved) > 1 else 'est ajouté'} au compte "
                f"{row['identifier']}\u00a0: {listed}."
            ),
            before={
                "children": before_children,
                "from": source["identifier"],
                "from_children": source_children,
            },
            after={"children": after_children, "from": source["identifier"], "from_children": []},
        )

    async def _children_identifiers(self, responsable_id: int) -> list[str]:
        rows = await DirectoryLink.select(
            DirectoryLink.eleve.identifier.as_alias("identifier")
        ).where(DirectoryLink.responsable == responsable_id)
        return sorted(r["identifier"] for r in rows)

    async def _do_update_email(self, row: dict, params: dict, scope: Scope) -> Outcome:
        email = check_email(params.get("email"), self.settings.email_check_deliverability)
        if email == row["email"] and row["email_confirmed"] and not row["pending_email"]:
            raise ActionRefused("C'est déjà l'adresse mail confirmée de ce compte.", "params.email")
        if email == row["pending_email"] or (email == row["email"] and not row["email_confirmed"]):
            raise ActionRefused(
                "Cette adresse attend déjà sa confirmation\u00a0: renvoyez plutôt le mail de "
                "confirmation.",
                "params.email",
            )
        before = {"email": row["email"], "email_confirmed": bool(row["email_confirmed"])}
        before["pending_email"] = row["pending_email"]
        mails: list[QueuedMail] = []
        ticket = str(params.get("ticket_reference") or "")
        if row["email"] and row["email_confirmed"]:
            # FAQ seed 001 §11: the new address must be confirmed; « Deux courriels ont été
            # envoyés : l'un à l'ancienne adresse pour indiquer la nouvelle adresse mail,
            # l'autre à la nouvelle adresse mail » with the link. Until then the old one stays.
            await self._update(row["id"], pending_email=email)
            mails.append(
                await self._queue(
                    row,
                    "compte_changement_adresse",
                    row["email"],
                    "Changement de l'adresse mail de votre compte ÉduConnect",
                    {"new_email": email},
                    ticket,
                )
            )
            mails.append(await self._confirmation_mail(row, email, ticket))
            after = {**before, "pending_email": email}
            message = (
                f"Un mail de confirmation est envoyé à {email}\u00a0: l'adresse remplacera "
                f"{row['email']} quand le lien du mail sera suivi. L'ancienne adresse est "
                "prévenue."
            )
        else:
            # An address never confirmed (typed wrong at activation, or from the school's base)
            # is simply replaced; the mail-in-error mark concerned the old one.
            await self._update(
                row["id"],
                email=email,
                email_confirmed=False,
                pending_email="",
                adresse_mail_en_erreur=False,
            )
            after = {"email": email, "email_confirmed": False, "pending_email": ""}
            message = f"L'adresse mail du compte est maintenant {email}."
            if row["state"] in (EN_COURS, ACTIVE):
                mails.append(await self._confirmation_mail(row, email, ticket))
                message += " Un mail de confirmation y est envoyé."
                if row["state"] == EN_COURS:
                    message += " Suivre son lien terminera l'activation du compte."
        await self.refresh([row["id"]])
        return Outcome(message=message, before=before, after=after, mails=mails)

    async def _do_resend_confirmation_mail(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 5.5: « Renvoyer un mail de confirmation : envoie un mail de confirmation de son
        # adresse mail au responsable d'élève si elle est renseignée »; FAQ seed 001 §8.
        if not row["email"] and not row["pending_email"]:
            raise ActionRefused(
                "Aucune adresse mail n'est renseignée sur ce compte\u00a0: ajoutez-en une."
            )
        target = row["pending_email"] or ("" if row["email_confirmed"] else row["email"])
        if not target:
            raise ActionRefused("L'adresse mail de ce compte est déjà confirmée.")
        if row["adresse_mail_en_erreur"] and target == row["email"]:
            raise ActionRefused(
                f"L'adresse {target} est en erreur (les mails n'y parviennent pas)\u00a0: "
                "corrigez-la avant de renvoyer le mail de confirmation."
            )
        mail = await self._confirmation_mail(row, target, str(params.get("ticket_reference") or ""))
        return Outcome(
            message=f"Un nouveau mail de confirmation est envoyé à {target}.",
            changed=False,
            mails=[mail],
        )

    async def _do_update_mobile(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # The mobile given to the school serves the responsable's auto-inscription by SMS and
        # FranceConnect (FAQ seed 001 §2.1, §2.3; guide 1.1).
        self._require_kind(
            row,
            "responsable",
            "Le téléphone portable ne sert qu'aux comptes des responsables d'élève.",
        )
        mobile = normalise_mobile(params.get("mobile"))
        if mobile == row["mobile"]:
            raise ActionRefused("C'est déjà le numéro de ce compte.", "params.mobile")
        await self._update(row["id"], mobile=mobile)
        await self.refresh([row["id"]])
        return Outcome(
            message=(
                f"Le téléphone portable du compte est maintenant le {format_mobile(mobile)}. "
                "Le responsable peut recommencer l'auto-inscription («\u00a0Je n'ai pas de "
                "compte\u00a0») ou FranceConnect."
            ),
            before={"mobile": row["mobile"]},
            after={"mobile": mobile},
        )

    async def _do_remind_identifier(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # FAQ seed 001 §4: the identifier is sent to the account's mail (or by SMS, which the
        # help desk cannot send). Without a confirmed address, « Informer » reminds it by a
        # printed letter (guide 5.2).
        if not row["email"] or not row["email_confirmed"] or row["adresse_mail_en_erreur"]:
            raise ActionRefused(
                "Ce compte n'a pas d'adresse mail confirmée et valide\u00a0: rappelez "
                "l'identifiant par «\u00a0Informer\u00a0» (feuille individuelle)."
            )
        mail = await self._queue(
            row,
            "compte_rappel_identifiant",
            row["email"],
            "Votre identifiant ÉduConnect",
            {
                "pending_regeneration": bool(
                    await self._pending_change(row["id"], "regenerate_identifier")
                )
            },
            str(params.get("ticket_reference") or ""),
        )
        return Outcome(
            message=f"L'identifiant {row['identifier']} est envoyé à {row['email']}.",
            changed=False,
            mails=[mail],
        )

    async def _do_reset_password(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 3.4 and 5.4: « pas disponible pour les comptes à l'état "Non notifié – Non
        # informé" » — they get a password through « Informer ».
        if row["state"] == NON_INFORME:
            raise ActionRefused(
                "Le mot de passe d'un compte «\u00a0Non activé - non informé\u00a0» ne se "
                "réinitialise pas\u00a0: utilisez «\u00a0Informer\u00a0», qui lui attribue un mot "
                "de passe provisoire."
            )
        # Guide 5.4: not for a responsable's compromised account either — « Informer » sends
        # the compromise letter. For élèves the guide (3.4) allows it for compromised accounts.
        if row["compromis"] and row["kind"] == "responsable":
            raise ActionRefused(
                "Ce compte est compromis\u00a0: utilisez «\u00a0Informer\u00a0», qui adresse au "
                "responsable le courrier de changement de mot de passe avec un mot de passe "
                "provisoire."
            )
        password = provisional_password()
        had_chosen = row["password_kind"] == "choisi" or row["state"] in (ACTIVE, EN_COURS)
        # « un mot de passe provisoire qu'il devra changer à la première connexion » (guide
        # 5.5), no letter and no mail (guide 5.4 « sans générer de nouvelles feuilles
        # imprimables ou d'envois par mail »).
        await self._update(
            row["id"],
            password_kind="provisoire",
            provisional_password=password,
            password_hash="",
            password_reset_pending=had_chosen,
        )
        return Outcome(
            message=(
                "Le mot de passe a été réinitialisé\u00a0: le compte a un mot de passe "
                "provisoire, à changer à la première connexion."
            ),
            before={"password": row["password_kind"]},
            after={"password": "provisoire", "password_reset_pending": had_chosen},
            secrets={"provisional_password": password},
        )

    async def _do_regenerate_identifier(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide §8 "Génération d'un nouvel identifiant".
        if await self._pending_change(row["id"], "regenerate_identifier"):
            raise AccountConflict(
                "Un nouvel identifiant est déjà demandé pour ce compte\u00a0: il sera calculé "
                "lors des traitements de nuit."
            )
        if row["kind"] == "responsable":
            # « le changement d'identifiant ne sera possible que si les noms et prénoms sont
            # identiques dans toutes les écoles et tous les établissements ».
            variants = {(row["first_name"], row["last_name"])}
            for link in await DirectoryLink.select().where(DirectoryLink.responsable == row["id"]):
                if link["responsable_first_name"] or link["responsable_last_name"]:
                    variants.add(
                        (
                            link["responsable_first_name"] or row["first_name"],
                            link["responsable_last_name"] or row["last_name"],
                        )
                    )
            first, last = row["first_name"], row["last_name"]
            different = sorted(
                f"{f} {n}" for f, n in variants if not (same_name(f, first) and same_name(n, last))
            )
            if different:
                raise ActionRefused(
                    "Les nom et prénom de ce responsable ne sont pas identiques dans toutes les "
                    f"écoles et tous les établissements ({first} {last}, "
                    f"{', '.join(different)})\u00a0: les établissements doivent d'abord corriger "
                    "leurs données, l'identifiant pourra être régénéré ensuite."
                )
        change_id = await self._add_pending(
            row["id"], "regenerate_identifier", {"previous": row["identifier"]}
        )
        return Outcome(
            message=(
                # The console's own message (guide §8).
                "L'identifiant du compte a été modifié. Le nouvel identifiant sera calculé lors "
                "des traitements de nuit. Vous pourrez informer le titulaire du compte quand le "
                "traitement sera passé. D'ici là, l'identifiant "
                f"{row['identifier']} et le mot de passe restent utilisables."
            ),
            before={"identifier": row["identifier"]},
            after={},
            pending_ids=[change_id],
        )

    async def _do_inform(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # « Informer » (guide 3.2 for élèves, 5.2 and 5.5 for responsables).
        mode = params.get("mode", "courrier")
        if mode not in ("courrier", "mail"):
            raise ActionRefused(
                "Choisissez le mode d'information\u00a0: «\u00a0courrier\u00a0» (feuille "
                "individuelle imprimable) ou «\u00a0mail\u00a0».",
                "params.mode",
            )
        reset = params.get("reset_password", False)
        if not isinstance(reset, bool):
            raise ActionRefused("reset_password vaut true ou false.", "params.reset_password")
        links = check_links(params.get("links"))
        if mode == "mail" and (not row["email"] or row["adresse_mail_en_erreur"]):
            # Guide 5.2: « envoyer l'information par mail si l'adresse mail du responsable
            # n'est pas en erreur ».
            raise ActionRefused(
                "Ce compte n'a pas d'adresse mail valide (absente ou en erreur)\u00a0: informez-le "
                "par feuille individuelle imprimable.",
                "params.mode",
            )
        compromised = bool(row["compromis"])
        before = {
            "state": row["state"],
            "password": row["password_kind"],
            "last_informed_at": iso(row["last_informed_at"]),
        }
        values: dict[str, Any] = {"last_informed_at": self.now()}
        state = row["state"]
        password = row["provisional_password"] if row["password_kind"] == "provisoire" else ""
        new_password = ""
        if state == NON_INFORME:
            # « l'utilisation du bouton "Informer" leur attribue un mot de passe provisoire et
            # les comptes passent à l'état "Non activé - informé" » (guide 3.2).
            new_password = provisional_password()
            state = INFORME
            values.update(state=INFORME)
        elif compromised or reset or not password and state == INFORME:
            # With « Avec réinitialisation du mot de passe » new provisional passwords are given
            # « y compris aux responsables ayant déjà activé leur compte » (guide 5.2); a
            # compromised account's password must change (guide 3.2, 5.2), so always here.
            new_password = provisional_password()
        # Otherwise « Informer » keeps the provisional password ("Non activé - informé") or
        # does not touch the password the user chose ("Activé") (guide 3.2).
        if new_password:
            password = new_password
            values.update(
                password_kind="provisoire",
                provisional_password=new_password,
                password_hash="",
                password_reset_pending=row["state"] in (ACTIVE, EN_COURS),
            )
        await self._update(row["id"], **values)
        letter = await self._letter(row, state, password, compromised)
        after = {
            "state": state,
            "password": "provisoire" if password else row["password_kind"],
            "last_informed_at": iso(values["last_informed_at"]),
        }
        secrets_ = {"provisional_password": new_password} if new_password else {}
        if mode == "mail":
            mail = await self._queue(
                row,
                "compte_information",
                row["email"],
                letter.title,
                {
                    "letter": letter.as_dict(include_secrets=True),
                    "where": where_to_go(row["kind"], links["page"], links["ent"]),
                },
                str(params.get("ticket_reference") or ""),
            )
            message = (
                f"L'information «\u00a0{letter.title}\u00a0» est envoyée par mail à {row['email']}."
            )
            outcome = Outcome(message, before=before, after=after, mails=[mail], secrets=secrets_)
        else:
            message = (
                f"La feuille individuelle «\u00a0{letter.title}\u00a0» est prête à imprimer pour "
                f"{row['first_name']} {row['last_name']}."
            )
            outcome = Outcome(
                message, before=before, after=after, letters=[letter], secrets=secrets_
            )
        if new_password and row["state"] != NON_INFORME:
            outcome.message += " Un nouveau mot de passe provisoire lui est attribué."
        return outcome

    async def _letter(self, row: dict, state: str, password: str, compromised: bool) -> Letter:
        establishments = await self._establishments()
        children = []
        if row["kind"] == "responsable":
            for link in (
                await DirectoryLink.select(
                    DirectoryLink.relation,
                    DirectoryLink.status,
                    DirectoryLink.eleve.first_name.as_alias("first_name"),
                    DirectoryLink.eleve.last_name.as_alias("last_name"),
                    DirectoryLink.eleve.classe.as_alias("classe"),
                )
                .where(DirectoryLink.responsable == row["id"])
                .order_by(DirectoryLink.id)
            ):
                if link["status"] != "signale_errone":
                    children.append(
                        {
                            "first_name": link["first_name"],
                            "last_name": link["last_name"],
                            "classe": link["classe"],
                            "relation": link["relation"],
                        }
                    )
        if compromised:
            kind, title = "compte_compromis", "Changement de votre mot de passe ÉduConnect"
        else:
            who = "Responsable d'élève" if row["kind"] == "responsable" else "Élève"
            kind, title = (
                "mise_a_disposition",
                f"Mise à disposition de votre compte ÉduConnect {who}",
            )
        return Letter(
            kind=kind,
            title=title,
            identifier=row["identifier"],
            account_kind=row["kind"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            uai=row["uai"],
            establishment=(establishments.get(row["uai"]) or {}).get("name", ""),
            state=state,
            children=children,
            provisional_password=password,
            has_provisional_password=bool(password),
            date=self.today().isoformat(),
        )

    async def _do_mark_compromised(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 3.1, 5.1: the "compte compromis" mark; the compromise letter says « votre mot
        # de passe actuel a dû être modifié » (guide 3.2, 5.2): the current password stops
        # working, « Informer » then gives a provisional one with that letter.
        if row["compromis"]:
            raise ActionRefused("Ce compte est déjà signalé comme compromis.")
        if row["state"] == NON_INFORME:
            raise ActionRefused(
                "Ce compte n'a jamais été distribué ni activé\u00a0: il ne peut pas être compromis."
            )
        reason = params.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 500:
            raise ActionRefused("Le motif est un texte de 500 caractères au plus.", "params.reason")
        await self._update(
            row["id"],
            compromis=True,
            password_kind="",
            provisional_password="",
            password_hash="",
            password_reset_pending=False,
        )
        return Outcome(
            message=(
                "Le compte est signalé comme compromis\u00a0: son mot de passe ne fonctionne "
                "plus. Utilisez «\u00a0Informer\u00a0» pour adresser au titulaire le courrier de "
                "changement de mot de passe, avec un mot de passe provisoire."
            ),
            before={"flags": [f for f in FLAGS if row[f]], "password": row["password_kind"]},
            after={
                "flags": [f for f in FLAGS if row[f] or f == "compromis"],
                "password": "",
                "reason": reason.strip(),
            },
        )

    # --- mails --------------------------------------------------------------------------------

    async def _queue(
        self,
        row: dict,
        template: str,
        to: str,
        subject: str,
        context: dict,
        ticket_reference: str = "",
    ) -> QueuedMail:
        from helpdesk.mail.service import queue_mail

        establishments = await self._establishments()
        mail = await queue_mail(
            self.jinja,
            self.settings,
            to=to,
            subject=subject,
            template=template,
            context={
                "account": row,
                "establishment": (establishments.get(row["uai"]) or {}).get("name", ""),
                **context,
            },
            kind=template,
            ticket_reference=ticket_reference,
        )
        return QueuedMail(kind=template, to=to, subject=subject, outbox_id=mail.id)

    async def _confirmation_mail(self, row: dict, email: str, ticket: str = "") -> QueuedMail:
        token = secrets.token_urlsafe(32)
        now = self.now()
        await DirectoryMailConfirmation.insert(
            DirectoryMailConfirmation(
                account=row["id"],
                email=email,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + CONFIRMATION_LIFETIME,
            )
        )
        link = f"{self.settings.public_base_url}/comptes/confirmer/{token}"
        # FAQ seed 001 §9: the real mail's subject, for a responsable.
        subject = (
            "Mise à disposition de services en ligne pour suivre la scolarité de votre enfant"
            if row["kind"] == "responsable"
            else "Confirmez votre adresse mail ÉduConnect"
        )
        return await self._queue(
            row,
            "compte_confirmation",
            email,
            subject,
            {"link": link, "email": email, "days": CONFIRMATION_LIFETIME.days},
            ticket,
        )

    # --- what users do (not part of the port) -------------------------------------------------

    async def confirm_email(self, token: str) -> Confirmation:
        """Following the link of a confirmation mail (FAQ seed 001 §2.2, §7, §11)."""
        async with write_transaction(self.engine()):
            sent = (
                await DirectoryMailConfirmation.select()
                .where(DirectoryMailConfirmation.token_hash == token_hash(token or ""))
                .first()
            )
            if sent is None:
                return Confirmation("invalid")
            row = await self._reload(sent["account"])
            awaiting = row["pending_email"] or ("" if row["email_confirmed"] else row["email"])
            if sent["used_at"] or (
                sent["email"] == row["email"] and row["email_confirmed"] and not awaiting
            ):
                return Confirmation("already", sent["email"], identifier=row["identifier"])
            if sent["expires_at"] < self.now():
                return Confirmation("expired", sent["email"], identifier=row["identifier"])
            if sent["email"] != awaiting:
                return Confirmation("invalid", sent["email"])
            values: dict[str, Any] = {
                "email": sent["email"],
                "email_confirmed": True,
                "pending_email": "",
                "adresse_mail_en_erreur": False,
            }
            activated = row["state"] == EN_COURS
            if activated:
                # « Cliquez sur le lien fourni dans le courriel pour activer votre compte »
                # (FAQ seed 001 §2.2): "En cours d'activation" becomes "Activé" (guide 5.1).
                values.update(state=ACTIVE, activated_at=self.now())
            await self._update(row["id"], **values)
            await DirectoryMailConfirmation.update(
                {DirectoryMailConfirmation.used_at: self.now()}
            ).where(DirectoryMailConfirmation.id == sent["id"])
            await self.refresh([row["id"]])
            return Confirmation("confirmed", sent["email"], activated, row["identifier"])

    async def use_provisional_password(
        self,
        identifier: str,
        provisional: str,
        new_password: str,
        *,
        email: str = "",
        child_birth_date: str = "",
    ) -> Account:
        """What a user does with the provisional password on ÉduConnect's login page: first
        activation (FAQ seed 001 §2.2: password, mail, the child's birth date, then the link of
        the mail) or the new password after a reset. For the demo and the tests."""
        async with write_transaction(self.engine()):
            row = await self._row(identifier, Scope.everywhere(), lock=True)
            if row["password_kind"] != "provisoire" or not hmac.compare_digest(
                row["provisional_password"].encode(), (provisional or "").encode()
            ):
                raise ActionRefused("L'identifiant ou le mot de passe est incorrect.")
            problem = password_problem(new_password)
            if problem:
                raise ActionRefused(problem, "new_password")
            values: dict[str, Any] = {
                "password_kind": "choisi",
                "provisional_password": "",
                "password_hash": hash_of(new_password),
                "password_reset_pending": False,
                "compromis": False,
                "last_login_at": self.now(),
            }
            confirm_to = ""
            if row["state"] == INFORME:
                if row["kind"] == "responsable":
                    confirm_to = check_email(email, self.settings.email_check_deliverability)
                    typed = parse_date(child_birth_date)
                    links = await DirectoryLink.select(
                        DirectoryLink.id, DirectoryLink.eleve.birth_date.as_alias("birth_date")
                    ).where(
                        DirectoryLink.responsable == row["id"],
                        DirectoryLink.status != "signale_errone",
                    )
                    matching = [link["id"] for link in links if link["birth_date"] == typed]
                    if not matching:
                        # The message of FAQ seed 001 §6.
                        raise ActionRefused(
                            "La date de naissance saisie est incorrecte", "child_birth_date"
                        )
                    await DirectoryLink.update({DirectoryLink.status: "confirme"}).where(
                        DirectoryLink.id.is_in(matching)
                    )
                    values.update(
                        state=EN_COURS,
                        origin="Établissement",
                        email=confirm_to,
                        email_confirmed=False,
                        pending_email="",
                        adresse_mail_en_erreur=False,
                    )
                else:
                    values.update(state=ACTIVE, origin="Établissement", activated_at=self.now())
                    if email:
                        confirm_to = check_email(email, self.settings.email_check_deliverability)
                        values.update(email=confirm_to, email_confirmed=False)
            await self._update(row["id"], **values)
            if confirm_to:
                await self._confirmation_mail(await self._reload(row["id"]), confirm_to)
            await self.refresh([row["id"]])
            return await self.get(row["identifier"], Scope.everywhere())

    # --- the night processing -----------------------------------------------------------------

    async def pending_changes(self, ids: Sequence[int]) -> list[PendingChange]:
        wanted = [int(i) for i in ids][:500]
        if not wanted:
            return []
        rows = (
            await DirectoryPendingChange.select()
            .where(DirectoryPendingChange.id.is_in(wanted))
            .order_by(DirectoryPendingChange.id)
        )
        return [self._pending(row) for row in rows]

    async def apply_pending_changes(self) -> list[dict]:
        """`helpdesk accounts nightly`: what ÉduConnect's night processing applies."""
        done = []
        ids = [
            r["id"]
            for r in await DirectoryPendingChange.select(DirectoryPendingChange.id)
            .where(DirectoryPendingChange.applied_at.is_null())
            .order_by(DirectoryPendingChange.id)
        ]
        for change_id in ids:
            async with write_transaction(self.engine()):
                outcome = await self._apply_change_id(change_id)
                if outcome:
                    done.append({"id": change_id, **outcome})
        return done

    async def _apply_change_id(self, change_id: int) -> dict:
        change = (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.id == change_id,
                DirectoryPendingChange.applied_at.is_null(),
            )
            .first()
        )
        if change is None:
            return {}
        row = await self._reload(change["account"])
        value = _json(change["value"])
        if change["kind"] == "regenerate_identifier":
            outcome = await self._apply_new_identifier(row)
        elif change["kind"] == "correct_birth_date":
            outcome = await self._apply_birth_date(row, dt.date.fromisoformat(value["birth_date"]))
        else:  # pragma: no cover - only NIGHTLY_ACTIONS are stored
            raise ValueError(change["kind"])
        await DirectoryPendingChange.update(
            {
                DirectoryPendingChange.applied_at: self.now(),
                DirectoryPendingChange.outcome: json.dumps(outcome),
            }
        ).where(DirectoryPendingChange.id == change_id)
        return outcome

    async def _apply_new_identifier(self, row: dict) -> dict:
        # Guide §8: « le nouvel identifiant est utilisable, le mot de passe est conservé et
        # l'ancien identifiant ne pourra plus être utilisé »; computed from the first name
        # and the family (birth) name.
        new = await self.new_identifier(
            row["first_name"], row["birth_name"], also_taken={row["identifier"]}
        )
        await DirectoryRetiredIdentifier.insert(
            DirectoryRetiredIdentifier(
                identifier=row["identifier"], account=row["id"], retired_at=self.now()
            )
        )
        await self._update(row["id"], identifier=new)
        await self.refresh([row["id"]])
        return {"identifier": new, "previous": row["identifier"]}

    async def _apply_birth_date(self, row: dict, birth_date: dt.date) -> dict:
        await self._update(
            row["id"], birth_date=birth_date, date_naissance_signalee_incorrecte=False
        )
        # The responsables' mark "date de naissance signalée incorrecte" (guide 5.1 item 8)
        # goes when none of their children is still reported.
        parents = [
            r["responsable"]
            for r in await DirectoryLink.select(DirectoryLink.responsable).where(
                DirectoryLink.eleve == row["id"]
            )
        ]
        for parent in parents:
            still = await DirectoryLink.exists().where(
                DirectoryLink.responsable == parent,
                DirectoryLink.eleve.date_naissance_signalee_incorrecte == True,  # noqa: E712
            )
            await self._update(parent, date_naissance_signalee_incorrecte=still)
        return {"birth_date": birth_date.isoformat(), "previous": iso(row["birth_date"])}

    async def new_identifier(
        self, first_name: str, birth_name: str, also_taken: Iterable[str] = ()
    ) -> str:
        base = identifier_base(first_name, birth_name)
        pattern = re.compile(rf"^{re.escape(base)}\d+$")
        taken = set(also_taken)
        for table in (DirectoryAccount, DirectoryRetiredIdentifier):
            for r in await table.select(table.identifier).where(table.identifier.like(f"{base}%")):
                if pattern.match(r["identifier"]):
                    taken.add(r["identifier"])
        return smallest_free_number(base, taken)

    # --- filling the directory (the schools' bases; demo and tests) ---------------------------

    async def add_establishment(
        self, uai: str, name: str, *, commune: str = "", academie: str = "", degre: str = "2nd"
    ) -> None:
        if not academie:
            from helpdesk.contacts.academies import load_academies
            from helpdesk.contacts.service import academie_of_uai

            found = academie_of_uai(load_academies(), uai)
            academie = found.slug if found else ""
        await DirectoryEstablishment.insert(
            DirectoryEstablishment(
                uai=uai, name=name, commune=commune, academie=academie, degre=degre
            )
        )

    async def add_account(
        self,
        kind: str,
        first_name: str,
        last_name: str,
        *,
        uai: str,
        birth_name: str = "",
        state: str = NON_INFORME,
        origin: str = "",
        email: str = "",
        email_confirmed: bool | None = None,
        mobile: str = "",
        birth_date: str | dt.date | None = None,
        ine: str = "",
        classe: str = "",
        password: str = "",
        provisional: str = "",
        flags: Iterable[str] = (),
        identifier: str = "",
    ) -> str:
        """An account as the school's base creates it; activated ones with `password` chosen."""
        if kind not in KINDS or state not in STATES.values():
            raise ValueError((kind, state))
        birth_name = birth_name or last_name
        async with write_transaction(self.engine()):
            ident = identifier or await self.new_identifier(first_name, birth_name)
            values = account_values(
                kind=kind,
                identifier=ident,
                first_name=first_name,
                last_name=last_name,
                birth_name=birth_name,
                state=state,
                origin=origin,
                email=email,
                email_confirmed=email_confirmed,
                mobile=mobile,
                birth_date=birth_date,
                ine=ine,
                classe=classe,
                uai=uai,
                flags=flags,
            )
            if state == INFORME:
                values.update(
                    password_kind="provisoire",
                    provisional_password=provisional or provisional_password(),
                )
            elif state in (EN_COURS, ACTIVE):
                values.update(
                    password_kind="choisi",
                    password_hash=hash_of(password) if password else unknown_password_hash(),
                )
            account = DirectoryAccount(**values)
            await account.save()
            await self.refresh([account.id])
        return ident

    async def add_link(
        self,
        responsable: str,
        eleve: str,
        *,
        relation: str = "Représentant légal",
        status: str = "confirme",
        names: tuple[str, str] | None = None,
    ) -> None:
        """A link of the élève's school base; `names`: the responsable's (first, last) names
        as that school has them, when they differ from the account's."""
        everywhere = Scope.everywhere()
        async with write_transaction(self.engine()):
            parent = await self._row(responsable, everywhere)
            child = await self._row(eleve, everywhere)
            first, last = names or (parent["first_name"], parent["last_name"])
            await DirectoryLink.insert(
                DirectoryLink(
                    responsable=parent["id"],
                    eleve=child["id"],
                    relation=relation,
                    status=status,
                    responsable_first_name=first,
                    responsable_last_name=last,
                )
            )
            if status == "signale_errone":
                await self._update(parent["id"], rattachement_signale_errone=True)
            await self.refresh([parent["id"]])

    async def import_records(
        self,
        accounts: Iterable[AccountRecord],
        links: Iterable[LinkRecord] = (),
        establishments: Iterable[tuple[str, str, str, str]] = (),
    ) -> dict[Any, str]:
        """A bulk import, as the schools' bases feed ÉduConnect: establishments (UAI, name,
        commune, académie), accounts and their links, in one transaction and a few statements.
        Returns the identifier given to each record's key."""
        accounts, links = list(accounts), list(links)
        establishments = list(establishments)
        async with write_transaction(self.engine()):
            known = {
                r["uai"] for r in await DirectoryEstablishment.select(DirectoryEstablishment.uai)
            }
            new_establishments = [
                DirectoryEstablishment(uai=uai, name=name, commune=commune, academie=academie)
                for uai, name, commune, academie in establishments
                if uai not in known
            ]
            if new_establishments:
                await DirectoryEstablishment.insert(*new_establishments)
            fed = [uai for uai, *_rest in establishments]
            if fed:  # these schools' bases just fed the directory (guide 1.2)
                await DirectoryEstablishment.update(
                    {DirectoryEstablishment.directory_updated_at: self.now()}
                ).where(DirectoryEstablishment.uai.is_in(fed))
            academie_of = {
                r["uai"]: r["academie"]
                for r in await DirectoryEstablishment.select(
                    DirectoryEstablishment.uai, DirectoryEstablishment.academie
                )
            }
            taken = {
                r["identifier"] for r in await DirectoryAccount.select(DirectoryAccount.identifier)
            }
            taken |= {
                r["identifier"]
                for r in await DirectoryRetiredIdentifier.select(
                    DirectoryRetiredIdentifier.identifier
                )
            }
            next_number: dict[str, int] = {}
            identifiers: dict[Any, str] = {}
            for record in accounts:
                ident = record.identifier
                if not ident:
                    base = identifier_base(record.first_name, record.birth_name or record.last_name)
                    n = next_number.get(base, 1)
                    while f"{base}{n}" in taken:
                        n += 1
                    next_number[base] = n + 1
                    ident = f"{base}{n}"
                taken.add(ident)
                identifiers[record.key] = ident
            by_key = {record.key: record for record in accounts}
            children: dict[Any, list[AccountRecord]] = {record.key: [] for record in accounts}
            for link in links:
                children[link.responsable].append(by_key[link.eleve])
            rows = [
                DirectoryAccount(**record.values(identifiers[record.key], children[record.key]))
                for record in accounts
            ]
            for start in range(0, len(rows), 250):
                await DirectoryAccount.insert(*rows[start : start + 250])
            ids: dict[str, int] = {}
            wanted = list(identifiers.values())
            for start in range(0, len(wanted), 500):
                for r in await DirectoryAccount.select(
                    DirectoryAccount.id, DirectoryAccount.identifier
                ).where(DirectoryAccount.identifier.is_in(wanted[start : start + 500])):
                    ids[r["identifier"]] = r["id"]
            link_rows = []
            for link in links:
                parent = by_key[link.responsable]
                first, last = link.names or (parent.first_name, parent.last_name)
                link_rows.append(
                    DirectoryLink(
                        responsable=ids[identifiers[link.responsable]],
                        eleve=ids[identifiers[link.eleve]],
                        relation=link.relation,
                        status=link.status,
                        responsable_first_name=first,
                        responsable_last_name=last,
                    )
                )
            places = []
            for record in accounts:
                uais = {record.uai.upper(), *(c.uai.upper() for c in children[record.key])}
                for uai in sorted(uais - {""}):
                    places.append(
                        DirectoryPlace(
                            account=ids[identifiers[record.key]],
                            uai=uai,
                            academie=academie_of.get(uai, ""),
                        )
                    )
            for batch in (link_rows, places):
                for start in range(0, len(batch), 500):
                    await type(batch[0]).insert(*batch[start : start + 500])
        return identifiers

    async def delete_everything(self) -> None:
        """Empty the directory (`helpdesk accounts demo` starts again from nothing)."""
        async with write_transaction(self.engine()):
            for table in (
                DirectoryAction,
                DirectoryMailConfirmation,
                DirectoryPendingChange,
                DirectoryRetiredIdentifier,
                DirectoryPlace,
                DirectoryLink,
                DirectoryAccount,
                DirectoryEstablishment,
            ):
                await table.delete(force=True)


# --- records of a bulk import ------------------------------------------------------------------


@dataclass
class AccountRecord:
    """An account of a bulk import (`LocalDirectory.import_records`)."""

    key: Any
    kind: str
    first_name: str
    last_name: str
    uai: str
    birth_name: str = ""
    state: str = NON_INFORME
    origin: str = ""
    email: str = ""
    email_confirmed: bool | None = None
    pending_email: str = ""
    mobile: str = ""
    birth_date: dt.date | str | None = None
    ine: str = ""
    classe: str = ""
    mef: str = ""
    mobile_confirmed: bool = False
    flags: Iterable[str] = ()
    password: str = ""  # chosen password (hashed); none given: a password nobody knows
    provisional: str = ""  # "Non activé - informé": given, or generated
    password_kind: str | None = None  # None: follows the state
    last_informed_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None
    identifier: str = ""
    activated_at: dt.datetime | None = None  # activated accounts: by default, last_login_at

    def values(self, identifier: str, children: Iterable[AccountRecord] = ()) -> dict:
        values = account_values(
            kind=self.kind,
            identifier=identifier,
            first_name=self.first_name,
            last_name=self.last_name,
            birth_name=self.birth_name or self.last_name,
            state=self.state,
            origin=self.origin,
            email=self.email,
            email_confirmed=self.email_confirmed,
            mobile=self.mobile,
            birth_date=self.birth_date,
            ine=self.ine,
            classe=self.classe,
            uai=self.uai,
            flags=self.flags,
        )
        kind = self.password_kind
        if kind is None:
            kind = {INFORME: "provisoire", EN_COURS: "choisi", ACTIVE: "choisi"}.get(self.state, "")
        values.update(
            mef=self.mef,
            mobile_confirmed=self.mobile_confirmed and bool(self.mobile),
            pending_email=self.pending_email.lower(),
            password_kind=kind,
            provisional_password=(self.provisional or provisional_password())
            if kind == "provisoire"
            else "",
            password_hash=(hash_of(self.password) if self.password else unknown_password_hash())
            if kind == "choisi"
            else "",
            last_informed_at=self.last_informed_at,
            last_login_at=self.last_login_at,
            activated_at=self.activated_at or self.last_login_at if self.state == ACTIVE else None,
        )
        values["search_text"] = search_text(
            values, [{"first_name": c.first_name, "last_name": c.last_name} for c in children]
        )
        return values


@dataclass
class LinkRecord:
    """A responsable–élève link of a bulk import, between two records' keys."""

    responsable: Any
    eleve: Any
    relation: str = "Représentant légal"
    status: str = "confirme"
    names: tuple[str, str] | None = None  # the responsable's names at the élève's school


# --- helpers shared with the demo ---------------------------------------------------------------


def hash_of(password: str) -> str:
    from helpdesk.auth.passwords import hash_password

    return hash_password(password)


@functools.lru_cache(maxsize=1)
def unknown_password_hash() -> str:
    """The hash of a password nobody knows: accounts imported as activated (demo, tests)."""
    return hash_of(secrets.token_urlsafe(16))


def account_values(
    *,
    kind: str,
    identifier: str,
    first_name: str,
    last_name: str,
    birth_name: str,
    state: str,
    origin: str = "",
    email: str = "",
    email_confirmed: bool | None = None,
    mobile: str = "",
    birth_date: str | dt.date | None = None,
    ine: str = "",
    classe: str = "",
    uai: str = "",
    flags: Iterable[str] = (),
) -> dict:
    if isinstance(birth_date, str):
        birth_date = dt.date.fromisoformat(birth_date)
    flags = set(flags)
    unknown = flags - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown flags: {unknown}")
    if not origin:
        # Guide §6: "N/A" (Non renseigné) while the account is not activated.
        origin = "Établissement" if state in (EN_COURS, ACTIVE) else "Non renseigné"
    if email_confirmed is None:
        email_confirmed = bool(email) and state == ACTIVE
    return {
        "identifier": identifier,
        "kind": kind,
        "first_name": first_name,
        "last_name": last_name,
        "birth_name": birth_name,
        "first_folded": fold(first_name),
        "last_folded": fold(last_name),
        "birth_date": birth_date,
        "ine": ine.upper(),
        "classe": classe,
        "uai": uai.upper(),
        "state": state,
        "origin": origin,
        "email": email.lower(),
        "email_confirmed": email_confirmed,
        "mobile": mobile,
        **{flag: flag in flags for flag in FLAGS},
    }


def search_text(row: Mapping[str, Any], children: Iterable[Mapping[str, Any]] = ()) -> str:
    """The words a search matches: the console searches « le nom et/ou le prénom de l'élève ou du
    responsable », the identifier, the INE (guide 3.1, 5.1); mail and mobile for the help desk."""
    names = [row["first_name"], row["last_name"], row["birth_name"]]
    for child in children:
        names += [child["first_name"], child["last_name"]]
    parts = [fold(n) for n in names] + [letters_only(n) for n in names]
    parts += [
        row["identifier"],
        row["email"],
        row.get("pending_email", ""),
        row["mobile"],
        (row["ine"] or "").lower(),
        (row["uai"] or "").lower(),
    ]
    return " " + " ".join(p for p in parts if p) + " "


def search_terms(q: str) -> list[str]:
    compact = re.sub(r"[\s.()-]", "", q or "")
    if re.fullmatch(r"(?:\+33|0033|0)[67]\d{8}", compact):
        return ["0" + compact[-9:]]
    return [t.replace("%", "") for t in re.findall(r"[^\s,;]+", fold(q or "")) if t.strip("%")]


def search_conditions(query: AccountQuery) -> list:
    conditions = []
    for term in search_terms(query.q):
        conditions.append(DirectoryAccount.search_text.like(f"%{term}%"))
    if query.identifier:
        conditions.append(DirectoryAccount.identifier == normalise_identifier(query.identifier))
    if query.first_name:
        conditions.append(DirectoryAccount.first_folded.like(f"%{fold(query.first_name)}%"))
    if query.last_name:
        conditions.append(DirectoryAccount.last_folded.like(f"%{fold(query.last_name)}%"))
    if query.email:
        email = query.email.strip().lower()
        conditions.append(
            DirectoryAccount.email.like(f"%{email}%")
            | DirectoryAccount.pending_email.like(f"%{email}%")
        )
    if query.mobile:
        digits = re.sub(r"\D", "", query.mobile)
        if digits.startswith("33"):
            digits = "0" + digits[2:]
        conditions.append(DirectoryAccount.mobile.like(f"%{digits}%"))
    child = []
    if query.child_first_name:
        child.append(DirectoryAccount.first_folded.like(f"%{fold(query.child_first_name)}%"))
    if query.child_last_name:
        child.append(DirectoryAccount.last_folded.like(f"%{fold(query.child_last_name)}%"))
    if child:
        eleves = DirectoryAccount.select(DirectoryAccount.id).where(*child)
        conditions.append(
            DirectoryAccount.id.is_in(
                DirectoryLink.select(DirectoryLink.responsable).where(
                    DirectoryLink.eleve.is_in(eleves)
                )
            )
        )
    if query.ine:
        conditions.append(DirectoryAccount.ine == query.ine.strip().upper())
    if query.uai:
        conditions.append(
            DirectoryAccount.id.is_in(
                DirectoryPlace.select(DirectoryPlace.account).where(
                    DirectoryPlace.uai == query.uai.strip().upper()
                )
            )
        )
    if query.state:
        label = STATES.get(query.state, query.state)
        if label not in STATES.values():
            raise ActionRefused(
                "État inconnu\u00a0: " + ", ".join(STATES) + " (ou leurs libellés).", "state"
            )
        conditions.append(DirectoryAccount.state == label)
    if query.flag:
        if query.flag not in FLAGS:
            raise ActionRefused("Indicateur inconnu\u00a0: " + ", ".join(FLAGS) + ".", "flag")
        conditions.append(getattr(DirectoryAccount, query.flag) == True)  # noqa: E712
    if query.kind:
        if query.kind not in KINDS:
            raise ActionRefused("Type de compte inconnu\u00a0: responsable ou eleve.", "kind")
        conditions.append(DirectoryAccount.kind == query.kind)
    return conditions


def encode_cursor(last: str, first: str, row_id: int) -> str:
    raw = json.dumps([last, first, row_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last, first, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(last, str) or not isinstance(first, str) or not isinstance(row_id, int):
            raise ValueError
        return last, first, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ActionRefused("Curseur invalide\u00a0: relancez la recherche.", "cursor") from None


def is_unique_violation(error: BaseException) -> bool:
    import sqlite3

    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover
        UniqueViolationError = ()  # type: ignore[assignment]  # noqa: N806
    return isinstance(error, UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)
    )


__all__ = ["LocalDirectory", "Confirmation", "NIGHTLY_ACTIONS"]
