"""The port's contract, run against both adapters: LocalDirectory, and HttpAccountService
talking to the real account API served by the app on loopback (same database)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections import Counter

import pytest

from helpdesk.accounts.port import (
    ACTION_LABELS,
    ACTION_TABLE,
    ACTIONS,
    ACTIVE,
    INFORME,
    Account,
    AccountConflict,
    AccountError,
    AccountNotFound,
    AccountQuery,
    AccountService,
    ActionRefused,
    ActionResult,
    Page,
    Scope,
)
from helpdesk.accounts.tables import DirectoryAccount, DirectoryAction
from helpdesk.core.french import PARIS
from helpdesk.mail.tables import OutboxMail
from tests.accounts.conftest import (
    CROIX_ROUSSE,
    LYON,
    OT,
    PROVISIONAL,
    TILLEULS,
    VAL_DE_LOIRE,
    http_service,
)


async def test_both_adapters_implement_the_port(service, family):
    assert isinstance(service, AccountService)


async def test_get_an_account_with_its_links(service, family):
    claire = await service.get(family.claire, OT)
    assert isinstance(claire, Account)
    assert (claire.identifier, claire.kind, claire.first_name, claire.last_name) == (
        "c.martin1",
        "responsable",
        "Claire",
        "Martin",
    )
    assert claire.state == INFORME and claire.state_code == "non_active_informe"
    assert claire.origin == "Non renseigné"
    assert claire.email == "claire.martin@example.fr" and not claire.email_confirmed
    assert claire.mobile == "0612345678"
    assert (claire.uai, claire.academie, claire.establishment) == (
        TILLEULS,
        OT,
        "Collège des Tilleuls",
    )
    assert claire.flags == ["date_naissance_signalee_incorrecte"]
    assert [(link.identifier, link.status) for link in claire.links] == [
        (family.leo, "non_confirme")
    ]
    # The console shows the provisional password of an informed account (guide 3.3, 5.3).
    assert claire.password == "provisoire"
    assert claire.provisional_password == PROVISIONAL == claire.password_display
    assert "provisional_password" not in claire.as_dict()
    leo = await service.get(family.leo, OT)
    assert leo.birth_date == "2014-04-03" and leo.ine == "123456789AB"
    assert {link.identifier for link in leo.links} == {family.claire, family.paul}
    paul = await service.get(family.paul, OT)
    assert paul.password_display == "*****" and paul.provisional_password == ""


async def test_identifiers_are_p_dot_birth_name_and_digits(service, family):
    assert family.paul == "p.martin1" and family.paul_lycee == "p.martin2"
    helene = await service.get(family.helene, OT)
    assert helene.identifier == "h.garnier1"  # nom de naissance (guide §8)
    assert (await service.get("  P.Martin1 ", OT)).identifier == "p.martin1"


async def test_an_account_of_another_academie_is_not_found(service, family):
    with pytest.raises(AccountNotFound) as error:
        await service.get(family.jean, OT)
    assert error.value.message == (
        "Aucun compte ÉduConnect n'a l'identifiant j.dupont1 dans votre périmètre."
    )
    assert (await service.get(family.jean, LYON)).identifier == family.jean
    # Establishment staff: scoped to their schools.
    assert (await service.get(family.leo, Scope(uais=(TILLEULS,)))).identifier == family.leo
    with pytest.raises(AccountNotFound):
        await service.get(family.ines, Scope(uais=(TILLEULS,)))
    # A responsable belongs to the schools of his children too.
    assert (await service.get(family.helene, Scope(uais=("0451042N",)))).identifier


async def test_search_by_name_child_identifier_mail_mobile_ine(service, family):
    async def found(**kw) -> list[str]:
        page = await service.search(AccountQuery(scope=OT, **kw))
        assert isinstance(page, Page)
        return [a.identifier for a in page.items]

    assert set(await found(q="martin paul")) == {family.paul, family.paul_lycee}
    # The console also finds responsables by their children's names (guide 5.1).
    assert family.sophie in await found(q="emma")
    assert set(await found(child_first_name="Léo")) == {family.claire, family.paul}
    assert await found(q="claire.martin@example.fr") == [family.claire]
    assert await found(q="06 12 34 56 78") == [family.claire]
    assert await found(mobile="+33 6 12 34 56 78") == [family.claire]
    assert await found(ine="123456789ab") == [family.leo]
    assert await found(identifier="C.MARTIN1") == [family.claire]
    assert await found(q="helene") == [family.helene]  # accents do not matter
    assert await found(q="dupont") == []  # Lyon's
    assert set(await found(state="active", kind="eleve")) == {family.leo, family.emma}
    assert set(await found(state="Non activé - non informé", kind="responsable")) == {
        family.nadia,
        family.paul_lycee,
    }
    assert await found(flag="compromis") == [family.sophie]
    assert await found(flag="rattachement_signale_errone") == [family.karim]
    assert family.helene in await found(uai="0451042N")


async def test_search_pages_by_cursor(service, family):
    seen, cursor, pages = [], "", 0
    while True:
        page = await service.search(AccountQuery(scope=OT, limit=4, cursor=cursor))
        seen += [a.identifier for a in page.items]
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert pages > 2 and len(seen) == len(set(seen))
    every = await service.search(AccountQuery(scope=OT, limit=200))
    assert seen == [a.identifier for a in every.items]
    assert family.jean not in seen


async def test_invalid_search_filters_are_refused(service, family):
    for kw, field in (
        ({"state": "perdu"}, "state"),
        ({"flag": "suspect"}, "flag"),
        ({"kind": "enseignant"}, "kind"),
        ({"cursor": "pas-un-curseur"}, "cursor"),
    ):
        with pytest.raises(ActionRefused) as error:
            await service.search(AccountQuery(scope=OT, **kw))
        assert error.value.field == field


async def test_reset_password_gives_a_provisional_password(service, family):
    result = await service.reset_password(family.paul, {}, scope=OT, idempotency_key="r-1")
    assert isinstance(result, ActionResult)
    assert result.action == "reset_password" and result.changed
    assert result.before == {"password": "choisi"}
    assert result.after == {"password": "provisoire", "password_reset_pending": True}
    password = result.secrets["provisional_password"]
    assert "secrets" not in result.as_dict()
    assert not result.letters and not result.mails  # guide 5.4: no letter, no mail
    paul = await service.get(family.paul, OT)
    assert paul.provisional_password == password and paul.password_reset_pending


async def test_reset_password_refusals_follow_the_guide(service, family):
    with pytest.raises(ActionRefused) as error:
        await service.reset_password(family.nadia, {}, scope=OT)
    assert "Non activé - non informé" in error.value.reason
    assert "Informer" in error.value.reason
    with pytest.raises(ActionRefused) as error:
        await service.reset_password(family.sophie, {}, scope=OT)
    assert "compromis" in error.value.reason


async def test_same_idempotency_key_does_the_work_once(service, family):
    first = await service.inform(
        family.claire, {"mode": "mail"}, scope=OT, idempotency_key="informer-claire"
    )
    again = await service.inform(
        family.claire, {"mode": "mail"}, scope=OT, idempotency_key="informer-claire"
    )
    assert not first.replayed and again.replayed
    assert again.as_dict() == {**first.as_dict(), "replayed": True}
    assert await OutboxMail.count().where(OutboxMail.recipient == "claire.martin@example.fr") == 1
    assert (
        await DirectoryAction.count().where(DirectoryAction.idempotency_key == "informer-claire")
        == 1
    )
    with pytest.raises(AccountConflict) as error:
        await service.inform(
            family.claire, {"mode": "courrier"}, scope=OT, idempotency_key="informer-claire"
        )
    assert error.value.field == "idempotency_key"


async def test_act_dispatches_by_action_code(service, family):
    result = await service.act("update_mobile", family.paul, {"mobile": "07 98 76 54 32"}, scope=OT)
    assert result.after == {"mobile": "0798765432"}
    with pytest.raises(ActionRefused) as error:
        await service.act("supprimer", family.paul, {}, scope=OT)
    assert error.value.field == "action"


async def test_every_action_of_the_table_is_a_method_of_each_adapter(service, family):
    assert list(ACTION_LABELS) == list(ACTIONS) == [action.code for action in ACTION_TABLE]
    for action in ACTION_TABLE:
        method = getattr(service, action.code)
        assert list(inspect.signature(method).parameters) == [
            "identifier",
            "params",
            "scope",
            "idempotency_key",
        ]
    # A named method is `act` with its code; what the action changes says `changed`.
    named = await service.resend_confirmation_mail(family.luc, scope=OT, idempotency_key="luc")
    assert named.action == "resend_confirmation_mail" and not named.changed
    again = await service.act(
        "resend_confirmation_mail", family.luc, scope=OT, idempotency_key="luc"
    )
    assert again.replayed and again.message == named.message


async def test_birth_date_correction_waits_for_the_night(service, local, family):
    result = await service.correct_birth_date(
        family.leo, {"birth_date": "04/03/2014"}, scope=OT, idempotency_key="ddn"
    )
    assert result.before == {"birth_date": "2014-04-03"}
    assert result.after == {"birth_date": "2014-03-04"}
    [pending] = result.pending_changes
    assert pending.kind == "correct_birth_date" and pending.applied_at is None
    leo = await service.get(family.leo, OT)
    assert leo.birth_date == "2014-04-03" and [p.kind for p in leo.pending_changes] == [
        "correct_birth_date"
    ]
    with pytest.raises(AccountConflict):
        await service.correct_birth_date(family.leo, {"birth_date": "2014-03-05"}, scope=OT)
    done = await local.apply_pending_changes()
    assert done == [{"id": pending.id, "birth_date": "2014-03-04", "previous": "2014-04-03"}]
    leo = await service.get(family.leo, OT)
    assert leo.birth_date == "2014-03-04" and leo.pending_changes == []
    assert "date_naissance_signalee_incorrecte" not in leo.flags
    assert (await service.get(family.claire, OT)).flags == []


async def test_regenerated_identifier_comes_overnight_and_retires_the_old_one(
    service, local, family
):
    from helpdesk.accounts.tables import DirectoryAccount

    before = (
        await DirectoryAccount.select(DirectoryAccount.password_hash)
        .where(DirectoryAccount.identifier == family.paul)
        .first()
    )
    result = await service.regenerate_identifier(family.paul, {}, scope=OT)
    assert "traitements de nuit" in result.message
    assert [p.kind for p in result.pending_changes] == ["regenerate_identifier"]
    with pytest.raises(AccountConflict):
        await service.regenerate_identifier(family.paul, {}, scope=OT)
    # « Tant que cette modification n'est pas faite, les anciens identifiant et mot de passe
    # restent utilisables » (guide §8).
    assert (await service.get(family.paul, OT)).pending_changes
    [done] = await local.apply_pending_changes()
    assert done["previous"] == "p.martin1" and done["identifier"] == "p.martin3"
    paul = await service.get("p.martin3", OT)
    assert paul.pending_changes == []
    after = (
        await DirectoryAccount.select(DirectoryAccount.password_hash)
        .where(DirectoryAccount.identifier == "p.martin3")
        .first()
    )
    assert after == before  # « le mot de passe est conservé »
    with pytest.raises(AccountNotFound) as error:
        await service.get("p.martin1", OT)
    assert "remplacé par p.martin3" in error.value.message
    # A retired identifier is never given again.
    assert await local.new_identifier("Pierre", "Martin") == "p.martin4"


async def test_regeneration_needs_the_same_names_in_every_school(service, family):
    with pytest.raises(ActionRefused) as error:
        await service.regenerate_identifier(family.helene, {}, scope=OT)
    assert "Roux-Garnier" in error.value.reason
    assert "identiques dans toutes les écoles" in error.value.reason


async def test_merge_moves_the_children_of_the_other_account(service, family):
    result = await service.merge_accounts(family.paul, {"from": family.paul_lycee}, scope=OT)
    assert result.before["children"] == [family.leo]
    assert result.before["from_children"] == [family.ines]
    assert result.after == {
        "children": sorted([family.leo, family.ines]),
        "from": family.paul_lycee,
        "from_children": [],
    }
    paul = await service.get(family.paul, OT)
    assert {(link.identifier, link.status) for link in paul.links} == {
        (family.leo, "confirme"),
        (family.ines, "confirme"),
    }
    assert (await service.get(family.paul_lycee, OT)).links == []
    # Names must be identical (« Nom and prénom must be identical »).
    with pytest.raises(ActionRefused) as error:
        await service.merge_accounts(family.paul, {"from": family.claire}, scope=OT)
    assert "ne sont pas identiques" in error.value.reason
    # The account kept must be the activated one.
    with pytest.raises(ActionRefused):
        await service.merge_accounts(family.paul_lycee, {"from": family.paul}, scope=OT)


async def test_link_and_unlink_a_child(service, family):
    with pytest.raises(ActionRefused) as error:
        await service.link_child(family.paul, {"eleve": family.emma}, scope=OT)
    assert "SIECLE" in error.value.reason  # not his child in the school's base
    with pytest.raises(ActionRefused) as error:
        await service.link_child(family.claire, {"eleve": family.leo}, scope=OT)
    assert "pas activé" in error.value.reason
    with pytest.raises(ActionRefused) as error:
        await service.link_child(family.paul, {"eleve": family.leo}, scope=OT)
    assert "figure déjà" in error.value.reason
    # Karim reported « Je ne suis pas le représentant légal de cet élève »: the link goes.
    result = await service.unlink_child(family.karim, {"eleve": family.sami}, scope=OT)
    assert result.after == {"link": None}
    karim = await service.get(family.karim, OT)
    assert karim.links == [] and karim.flags == []
    with pytest.raises(AccountNotFound) as error:
        await service.unlink_child(family.paul, {"eleve": family.lina}, scope=OT)
    assert error.value.field == "params.eleve"


async def test_update_mail_then_confirm_it(service, family):
    result = await service.update_email(
        family.paul, {"email": "Paul.Martin@Example.ORG"}, scope=OT, idempotency_key="mail-paul"
    )
    # FAQ seed 001 §11: one mail to the old address, one with the link to the new one.
    assert [(m.kind, m.to) for m in result.mails] == [
        ("compte_changement_adresse", "paul.martin@example.fr"),
        ("compte_confirmation", "paul.martin@example.org"),
    ]
    paul = await service.get(family.paul, OT)
    assert (
        paul.email == "paul.martin@example.fr" and paul.pending_email == "paul.martin@example.org"
    )
    again = await service.resend_confirmation_mail(family.paul, {}, scope=OT)
    assert [m.to for m in again.mails] == ["paul.martin@example.org"]
    with pytest.raises(ActionRefused) as error:
        await service.update_email(family.paul, {"email": "pas une adresse"}, scope=OT)
    assert error.value.field == "params.email"


async def test_remind_identifier_needs_a_confirmed_mail(service, family):
    result = await service.remind_identifier(family.paul, {}, scope=OT)
    assert [(m.kind, m.to) for m in result.mails] == [
        ("compte_rappel_identifiant", "paul.martin@example.fr")
    ]
    assert not result.changed
    for who in (family.claire, family.marc):
        with pytest.raises(ActionRefused) as error:
            await service.remind_identifier(who, {}, scope=OT)
        assert "Informer" in error.value.reason


async def test_inform_a_never_informed_account(service, family):
    result = await service.inform(family.nadia, {}, scope=OT)
    assert result.before["state"] == "Non activé - non informé"
    assert result.after["state"] == INFORME  # guide 3.2
    [letter] = result.letters
    assert letter.kind == "mise_a_disposition" and letter.identifier == family.nadia
    assert letter.has_provisional_password
    assert letter.provisional_password == result.secrets["provisional_password"]
    assert letter.children == [
        {
            "first_name": "Sami",
            "last_name": "Haddad",
            "classe": "",
            "relation": "Représentant légal",
        }
    ]
    assert "provisional_password" not in result.as_dict()["letters"][0]
    nadia = await service.get(family.nadia, OT)
    assert nadia.state == INFORME and nadia.provisional_password == letter.provisional_password


async def test_inform_keeps_the_passwords_unless_asked(service, family):
    kept = await service.inform(family.claire, {"mode": "courrier"}, scope=OT)
    assert kept.letters[0].provisional_password == PROVISIONAL and kept.secrets == {}
    active = await service.inform(family.paul, {}, scope=OT)
    assert not active.letters[0].has_provisional_password
    assert (await service.get(family.paul, OT)).state == ACTIVE
    reset = await service.inform(family.paul, {"reset_password": True}, scope=OT)
    assert reset.letters[0].provisional_password == reset.secrets["provisional_password"]
    assert (await service.get(family.paul, OT)).password_reset_pending
    with pytest.raises(ActionRefused) as error:
        await service.inform(family.marc, {"mode": "mail"}, scope=OT)  # mail en erreur
    assert error.value.field == "params.mode"


async def test_inform_by_mail_gives_the_internet_addresses_it_is_handed(service, family):
    """The help desk hands « Informer » the addresses of its « Paramètres des courriers »
    (guide §7): the mail gives them as the letter prints them, through either adapter."""
    links = {"page": "https://www.ac-exemple.fr/educonnect", "ent": "https://ent.exemple.fr"}
    await service.inform(family.paul, {"mode": "mail", "links": links}, scope=OT)
    await service.act_many("inform", [family.claire], {"mode": "mail", "links": links}, scope=OT)
    for to in ("paul.martin@example.fr", "claire.martin@example.fr"):
        [mail] = await OutboxMail.select().where(OutboxMail.recipient == to)
        for body in (mail["text_body"], mail["html_body"]):
            assert "https://teleservices.education.gouv.fr" in body  # responsables: always
            assert links["page"] in body
        assert links["ent"] not in mail["text_body"]  # the pupils' address, not theirs
    for wrong in ({"page": "javascript:alert(1)"}, {"site": "https://x.fr"}, "https://x.fr"):
        with pytest.raises(ActionRefused) as error:
            await service.inform(family.nadia, {"mode": "mail", "links": wrong}, scope=OT)
        assert error.value.field.startswith("params.links")
    assert (await service.get(family.nadia, OT)).state == "Non activé - non informé"


async def test_compromised_account_gets_the_compromise_letter(service, family):
    result = await service.inform(family.sophie, {}, scope=OT)
    [letter] = result.letters
    assert letter.kind == "compte_compromis"
    assert letter.title == "Changement de votre mot de passe ÉduConnect"
    assert letter.provisional_password == result.secrets["provisional_password"]
    marked = await service.mark_compromised(family.paul, {"reason": "usurpation"}, scope=OT)
    assert "compromis" in marked.after["flags"]
    with pytest.raises(ActionRefused):
        await service.mark_compromised(family.paul, {}, scope=OT)
    with pytest.raises(ActionRefused):
        await service.mark_compromised(family.nadia, {}, scope=OT)


async def test_update_mobile_for_responsables_only(service, family):
    with pytest.raises(ActionRefused) as error:
        await service.update_mobile(family.paul, {"mobile": "01 23 45 67 89"}, scope=OT)
    assert error.value.field == "params.mobile"
    with pytest.raises(ActionRefused):
        await service.update_mobile(family.leo, {"mobile": "0612345678"}, scope=OT)
    with pytest.raises(ActionRefused):
        await service.update_mobile(family.claire, {"mobile": "0612345678"}, scope=OT)


async def test_both_adapters_read_and_fail_alike(local, api_server, family):
    """On one database: the same accounts, pages and errors through either adapter."""
    remote = http_service(api_server.url)
    for ident in vars(family).values():
        scope = LYON if ident in (family.jean, family.lina) else OT
        ours, theirs = await local.get(ident, scope), await remote.get(ident, scope)
        assert theirs == ours
        assert theirs.as_dict(include_secrets=True) == ours.as_dict(include_secrets=True)
    query = AccountQuery(scope=OT, q="martin", limit=3)
    assert await remote.search(query) == await local.search(query)
    failing = [
        lambda s: s.get("x.inconnu9", OT),
        lambda s: s.get(family.jean, OT),
        lambda s: s.reset_password(family.nadia, {}, scope=OT),
        lambda s: s.correct_birth_date(family.leo, {"birth_date": "2099-01-01"}, scope=OT),
        lambda s: s.correct_birth_date(family.leo, {"birth_date": "hier"}, scope=OT),
        lambda s: s.correct_birth_date(family.claire, {"birth_date": "2014-03-04"}, scope=OT),
        lambda s: s.merge_accounts(family.paul, {"from": family.claire}, scope=OT),
        lambda s: s.act("inconnue", family.paul, {}, scope=OT),
        lambda s: s.inform(family.paul, {"mode": "pigeon"}, scope=OT),
        lambda s: s.inform(family.paul, {"reset_password": "oui"}, scope=OT),
        lambda s: s.inform(family.paul, {"links": {"ent": "ent.exemple.fr"}}, scope=OT),
        lambda s: s.search(AccountQuery(scope=OT, flag="rouge")),
    ]
    for call in failing:
        with pytest.raises(AccountError) as ours:
            await call(local)
        with pytest.raises(AccountError) as theirs:
            await call(remote)
        assert type(theirs.value) is type(ours.value)
        assert (theirs.value.message, theirs.value.field) == (ours.value.message, ours.value.field)
    assert await DirectoryAccount.count() == len(vars(family))


async def test_pending_changes_say_when_the_night_has_applied_them(service, local, family):
    result = await service.correct_birth_date(
        family.leo, {"birth_date": "04/03/2014"}, scope=OT, idempotency_key="nuit"
    )
    [pending] = result.pending_changes
    [before] = await service.pending_changes([pending.id, 999999])  # unknown ids are left out
    assert before.kind == "correct_birth_date" and before.applied_at is None
    await local.apply_pending_changes()
    [after] = await service.pending_changes([pending.id])
    assert after.applied_at and after.outcome["birth_date"] == "2014-03-04"
    assert await service.pending_changes([]) == []


async def test_a_school_roster_lists_its_pupils_and_their_responsables(service, local, family):
    roster = await service.school_roster(TILLEULS, OT)
    assert (roster.uai, roster.name, roster.academie) == (TILLEULS, "Collège des Tilleuls", OT)
    assert roster.directory_updated_at  # the import is the school's last update
    by_id = {entry.identifier: entry for entry in roster.entries}
    # Inès is at the lycée; Hélène is here through Emma; Karim's only link here is reported wrong.
    assert family.ines not in by_id and family.lina not in by_id
    assert {family.leo, family.claire, family.helene, family.karim} <= set(by_id)
    leo, claire = by_id[family.leo], by_id[family.claire]
    assert (leo.kind, leo.classes, leo.state_code) == ("eleve", ["6e A"], "active")
    assert (claire.classes, claire.mail_state, claire.mobile_state) == (
        ["6e A"],
        "non_confirmee",
        "non_confirme",
    )
    assert by_id[family.marc].mail_state == "en_erreur"
    assert by_id[family.sophie].flags == ["compromis"]
    assert by_id[family.karim].classes == []
    # Staff of the school, and the same value through either adapter.
    assert await service.school_roster(TILLEULS, Scope(uais=(TILLEULS,))) == roster
    assert await local.school_roster(TILLEULS, OT) == roster
    for uai, scope in ((TILLEULS, LYON), (TILLEULS, Scope(uais=("0451042N",)))):
        with pytest.raises(AccountNotFound):
            await service.school_roster(uai, scope)
    with pytest.raises(ActionRefused):
        await service.school_roster(" ", OT)
    pupils = await service.school_roster(TILLEULS, OT, kind="eleve")
    assert pupils.entries == [e for e in roster.entries if e.kind == "eleve"]
    with pytest.raises(ActionRefused):
        await service.school_roster(TILLEULS, OT, kind="parent")


async def test_inform_and_reset_many_accounts_by_the_single_account_rules(service, family):
    from helpdesk.accounts.bulk import BulkResult

    done = await service.act_many(
        "inform",
        [family.nadia, family.claire, family.sami, family.jean, family.nadia],
        {"mode": "courrier"},
        scope=OT,
        idempotency_key="lot-1",
        params_of={family.claire: {"mode": "mail"}},
    )
    assert isinstance(done, BulkResult) and done.action == "inform"
    assert [r.identifier for r in done.results] == [family.nadia, family.claire, family.sami]
    nadia, claire, sami = done.results
    assert nadia.letters and nadia.secrets["provisional_password"]  # never informed: a password
    assert claire.mails and not claire.letters  # by mail, as asked for her
    assert sami.letters[0].account_kind == "eleve"
    # Jean is in Lyon: not found, the others done all the same.
    assert done.refused == [
        {
            "identifier": family.jean,
            "code": "account_not_found",
            "message": "Aucun compte ÉduConnect n'a l'identifiant j.dupont1 dans votre périmètre.",
        }
    ]
    again = await service.act_many(
        "inform",
        [family.nadia, family.claire, family.sami, family.jean],
        {"mode": "courrier"},
        scope=OT,
        idempotency_key="lot-1",
        params_of={family.claire: {"mode": "mail"}},
    )
    assert all(r.replayed for r in again.results)
    assert again.results[0].secrets == nadia.secrets
    # Reset: refused for a never informed account (guide 3.4), done for the others.
    reset = await service.act_many(
        "reset_password", [family.paul, family.emma], scope=Scope(uais=(TILLEULS,))
    )
    assert [r.identifier for r in reset.results] == [family.paul, family.emma]
    assert all(r.secrets["provisional_password"] for r in reset.results)
    for action, identifiers, params_of in (
        ("link_child", [family.paul], None),
        ("inform", [], None),
        ("inform", "p.martin1", None),
        ("inform", [f"x.compte{i}" for i in range(501)], None),
        ("inform", [family.paul], {family.paul: "mail"}),
    ):
        with pytest.raises(ActionRefused):
            await service.act_many(action, identifiers, {}, scope=OT, params_of=params_of)


async def test_activation_statistics_count_accounts_by_school_state_and_class(service, family):
    rows = await service.activation_stats(OT)
    assert {r["uai"] for r in rows} == {TILLEULS, "0451042N"}
    tilleuls = [r for r in rows if r["uai"] == TILLEULS]
    assert all(r["name"] == "Collège des Tilleuls" for r in tilleuls)
    sixth = [r for r in tilleuls if r["kind"] == "eleve" and r["classe"] == "6e A"]
    assert [(r["state_code"], r["count"]) for r in sixth] == [("active", 1)]
    roster = await service.school_roster(TILLEULS, OT)
    assert sum(r["count"] for r in tilleuls) == len(roster.entries)
    assert await service.activation_stats(Scope(uais=(TILLEULS,))) == tilleuls
    assert all(r["uai"] != TILLEULS for r in await service.activation_stats(LYON))


async def test_activation_timeline_counts_accounts_by_month_of_paris(service, local, family):
    today = dt.datetime.now(PARIS).date()
    m2 = today.replace(day=1)
    m1 = (m2 - dt.timedelta(days=1)).replace(day=1)
    since = (m1 - dt.timedelta(days=1)).replace(day=1)

    def paris(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=PARIS)

    # Léo at 00:30 in Paris on the first of m1 (still the month before in UTC); Paul a second
    # before the period; Emma during its first month; Hélène (tied to two schools) this month;
    # Claire's date is left over from before her account was reset: she is not activated.
    activated = {
        family.leo: paris(m1, 0, 30),
        family.paul: paris(since, 0) - dt.timedelta(seconds=1),
        family.emma: paris(since, 12) + dt.timedelta(days=3),
        family.helene: paris(m2, 0, 0, 1),
        family.claire: paris(m1, 10),
    }
    for who, at in activated.items():
        await DirectoryAccount.update({DirectoryAccount.activated_at: at}).where(
            DirectoryAccount.identifier == who
        )
    assert activated[family.leo].astimezone(dt.UTC).month != m1.month
    rows = await service.activation_timeline(OT, since)
    assert {r["uai"] for r in rows} == {TILLEULS, "0451042N"}
    tilleuls = [r for r in rows if r["uai"] == TILLEULS]
    months = {(r["kind"], r["month"]): r["count"] for r in tilleuls if r["month"]}
    label = dt.date.strftime
    assert months == {
        ("eleve", label(since, "%Y-%m")): 1,
        ("eleve", label(m1, "%Y-%m")): 1,
        ("responsable", label(m2, "%Y-%m")): 1,
    }
    lycee = [r for r in rows if r["uai"] == "0451042N" and r["month"]]
    assert [(r["kind"], r["month"], r["count"]) for r in lycee] == [
        ("responsable", label(m2, "%Y-%m"), 1)
    ]
    # The same accounts as the statistics by state: all of them, and the activated ones.
    stats = [r for r in await service.activation_stats(OT) if r["uai"] == TILLEULS]
    for kind in ("responsable", "eleve"):
        assert sum(r["count"] for r in tilleuls if r["kind"] == kind) == sum(
            r["count"] for r in stats if r["kind"] == kind
        )
        assert sum(r["count"] for r in tilleuls if r["kind"] == kind and r["activated"]) == sum(
            r["count"] for r in stats if r["kind"] == kind and r["state_code"] == "active"
        )
    assert all(r["month"] == "" for r in tilleuls if not r["activated"])
    # Scoped as everything else, and the same value through either adapter.
    assert await service.activation_timeline(Scope(uais=(TILLEULS,)), since) == tilleuls
    assert all(r["uai"] != TILLEULS for r in await service.activation_timeline(LYON, since))
    assert await service.activation_timeline(Scope(), since) == []
    assert await local.activation_timeline(OT, since) == rows
    for wrong in (dt.date(today.year - 3, 1, 1), dt.date(today.year + 1, 1, 1)):
        with pytest.raises(ActionRefused) as error:
            await service.activation_timeline(OT, wrong)
        assert error.value.field == "since"


async def test_one_scope_rule_for_accounts_schools_statistics_and_timeline(service, family):
    since = dt.datetime.now(PARIS).date().replace(day=1)
    lyon_and_tilleuls = Scope(academie=LYON, uais=(TILLEULS,))
    scopes = (OT, Scope(uais=(TILLEULS,)), lyon_and_tilleuls, Scope(), Scope.everywhere())
    for scope in scopes:
        by_state, by_month = Counter(), Counter()
        for row in await service.activation_stats(scope):
            by_state[row["uai"], row["kind"]] += row["count"]
        for row in await service.activation_timeline(scope, since):
            by_month[row["uai"], row["kind"]] += row["count"]
        assert by_state == by_month, scope
    # A school is in the scope by its académie or its UAI; an account by one of its schools.
    stats = await service.activation_stats(lyon_and_tilleuls)
    assert {row["uai"] for row in stats} == {TILLEULS, CROIX_ROUSSE}
    tilleuls = Scope(uais=(TILLEULS,))
    found = await service.search(AccountQuery(scope=tilleuls, limit=200))
    assert len(found.items) == sum(row["count"] for row in await service.activation_stats(tilleuls))
    assert (await service.school_roster(CROIX_ROUSSE, lyon_and_tilleuls)).uai == CROIX_ROUSSE
    for uai, scope in ((VAL_DE_LOIRE, lyon_and_tilleuls), (TILLEULS, Scope())):
        with pytest.raises(AccountNotFound):
            await service.school_summary(uai, scope, since)
    assert (await service.search(AccountQuery(scope=Scope()))).items == []


async def test_many_accounts_go_over_http_by_slices(local, api_server, family, monkeypatch):
    import helpdesk.accounts.http as http_adapter

    monkeypatch.setattr(http_adapter, "BULK_SLICE", 2)
    remote = http_service(api_server.url)
    chosen = [family.paul, family.emma, family.leo, family.jean, family.luc]
    done = await remote.act_many("reset_password", chosen, scope=OT, idempotency_key="tranches")
    assert [r.identifier for r in done.results] == [
        family.paul,
        family.emma,
        family.leo,
        family.luc,
    ]
    assert [r["identifier"] for r in done.refused] == [family.jean]
    again = await local.act_many("reset_password", chosen, scope=OT, idempotency_key="tranches")
    assert all(r.replayed for r in again.results)


async def test_a_school_summary_counts_its_roster_by_the_dashboard_tests(service, local, family):
    # Léo connected at the very start of the rentrée, Claire a second before it.
    since = dt.date(2026, 9, 1)
    for who, at in ((family.leo, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)),
                    (family.claire, dt.datetime(2026, 8, 31, 23, 59, 59, tzinfo=dt.UTC))):  # fmt: skip
        await DirectoryAccount.update({DirectoryAccount.last_login_at: at}).where(
            DirectoryAccount.identifier == who
        )
    summary = await service.school_summary(TILLEULS, OT, since)
    roster = await service.school_roster(TILLEULS, OT)
    assert (summary.uai, summary.name, summary.academie, summary.directory_updated_at) == (
        roster.uai, roster.name, roster.academie, roster.directory_updated_at)  # fmt: skip
    assert summary.since == "2026-09-01"

    def key(x, connected):
        return (x.kind, x.state_code, x.mail_state, x.mobile_state, connected, tuple(x.flags))

    # The same accounts as the roster, grouped by what the dashboard counts.
    expected = Counter(key(e, (e.last_login_at or "")[:10] >= "2026-09-01") for e in roster.entries)
    assert {key(g, g.connected): g.count for g in summary.groups} == dict(expected)
    assert [g.kind for g in summary.groups if g.connected] == ["eleve"]
    assert sum(g.count for g in summary.groups) == len(roster.entries)
    # Staff of the school, and the same value through either adapter.
    assert await service.school_summary(TILLEULS, Scope(uais=(TILLEULS,)), since) == summary
    assert await local.school_summary(TILLEULS, OT, since) == summary
    for uai, scope in ((TILLEULS, LYON), (TILLEULS, Scope(uais=("0451042N",)))):
        with pytest.raises(AccountNotFound):
            await service.school_summary(uai, scope, since)
    with pytest.raises(ActionRefused):
        await service.school_summary(" ", OT, since)
