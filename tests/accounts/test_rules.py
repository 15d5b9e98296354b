"""The local directory's rules, each from the console guide (seed 004) or the FAQ (seed 001)."""

from __future__ import annotations

import asyncio
import random

import pytest

from helpdesk.accounts.local import search_terms
from helpdesk.accounts.port import (
    ACTIVE,
    EN_COURS,
    INFORME,
    AccountNotFound,
    AccountQuery,
    ActionRefused,
    Scope,
)
from helpdesk.accounts.rules import (
    identifier_base,
    password_problem,
    provisional_password,
    same_name,
)
from helpdesk.accounts.tables import DirectoryAction, DirectoryPendingChange
from helpdesk.mail.tables import OutboxMail
from tests.accounts.conftest import OT, PROVISIONAL


def test_identifier_base_is_first_letter_dot_birth_name():
    assert identifier_base("Claire", "Martin") == "c.martin"
    assert identifier_base("Élodie", "N'Diaye-Müller") == "e.ndiayemuller"
    assert identifier_base("Jean-Pierre", "Le Goff") == "j.legoff"
    assert identifier_base("Œdipe", "Lœuvre") == "o.loeuvre"


def test_parent_password_rules_of_the_faq():
    # « composé de 8 à 14 caractères, chiffres et lettres, minuscules, majuscules, caractères
    # non accentués avec au moins 1 chiffre et 1 lettre » (seed 001 §2.1)
    assert password_problem("Bonjour2026") == ""
    assert password_problem("abc12345") == ""
    assert "8 à 14" in password_problem("Ab1")
    assert "8 à 14" in password_problem("Abcdefgh123456789")
    assert "non accentuées" in password_problem("Éléphant12")
    assert "non accentuées" in password_problem("Bonjour 2026")
    assert "1 chiffre" in password_problem("Bonjourtoi")
    assert "1 chiffre" in password_problem("1234567890")


def test_provisional_passwords_meet_the_rules():
    rng = random.Random(7)
    for _ in range(500):
        password = provisional_password(rng)
        assert password_problem(password) == ""
        assert not set(password) & set("0O1lI")


def test_names_compare_without_case_or_accents():
    assert same_name("GARNIER", "Garnier") and same_name("Hélène", "helene")
    assert same_name("Roux Garnier", "Roux-Garnier")
    assert not same_name("Dupont", "Dupond")


def test_search_terms():
    assert search_terms("+33 6 12 34 56 78") == ["0612345678"]
    assert search_terms("Léo  MARTIN") == ["leo", "martin"]
    assert search_terms("100%") == ["100"]


async def test_activation_with_a_provisional_password_then_the_mail_link(local, family):
    # Claire types her son's real birth date: the base has it wrong (FAQ seed 001 §6).
    with pytest.raises(ActionRefused) as error:
        await local.use_provisional_password(
            family.claire, PROVISIONAL, "Bonjour2026", email="claire@example.fr",
            child_birth_date="04/03/2014",
        )  # fmt: skip
    assert error.value.message == "La date de naissance saisie est incorrecte"
    with pytest.raises(ActionRefused) as error:
        await local.use_provisional_password(family.claire, "mauvais", "Bonjour2026")
    assert error.value.message == "L'identifiant ou le mot de passe est incorrect."
    with pytest.raises(ActionRefused) as error:
        await local.use_provisional_password(family.claire, PROVISIONAL, "court")
    assert error.value.field == "new_password"
    await local.correct_birth_date(family.leo, {"birth_date": "2014-03-04"}, scope=OT)
    await local.apply_pending_changes()
    claire = await local.use_provisional_password(
        family.claire, PROVISIONAL, "Bonjour2026", email="claire@example.fr",
        child_birth_date="04/03/2014",
    )  # fmt: skip
    # « un écran vous invite à vous rendre sur votre boite de messagerie » (seed 001 §2.2)
    assert claire.state == EN_COURS and claire.origin == "Établissement"
    assert claire.password == "choisi" and claire.password_display == "*****"
    assert claire.link_to(family.leo).status == "confirme"
    mail = await OutboxMail.select().where(OutboxMail.recipient == "claire@example.fr").first()
    token = mail["text_body"].split("/comptes/confirmer/")[1].split()[0]
    confirmation = await local.confirm_email(token)
    assert (confirmation.status, confirmation.activated) == ("confirmed", True)
    claire = await local.get(family.claire, OT)
    assert claire.state == ACTIVE and claire.email_confirmed


async def test_reset_is_shown_until_the_user_chooses_a_password(local, family):
    reset = await local.reset_password(family.paul, {}, scope=OT)
    password = reset.secrets["provisional_password"]
    paul = await local.get(family.paul, OT)
    # Guide 3.3: « un mot de passe provisoire sera affiché jusqu'à ce que [l'utilisateur]
    # choisisse un nouveau mot de passe ».
    assert paul.password_display == password and paul.password_reset_pending
    assert paul.state == ACTIVE
    paul = await local.use_provisional_password(family.paul, password, "Nouveau2026")
    assert paul.password_display == "*****" and not paul.password_reset_pending


async def test_compromised_pupil_may_be_reset_but_not_a_responsable(local, family):
    # Guide 3.4 (élèves: useful « pour ceux dont le compte est compromis »); guide 5.4
    # (responsables: « pas disponible … pour les comptes compromis »).
    await local.mark_compromised(family.leo, {}, scope=OT)
    leo = await local.get(family.leo, OT)
    assert leo.flags[:1] == ["compromis"] and leo.password == ""
    assert (await local.reset_password(family.leo, {}, scope=OT)).secrets
    with pytest.raises(ActionRefused):
        await local.reset_password(family.sophie, {}, scope=OT)


async def test_inform_by_mail_sends_identifier_and_provisional_password(local, family):
    result = await local.inform(family.nadia, {"mode": "mail"}, scope=OT)
    [mail] = result.mails
    assert mail.subject == "Mise à disposition de votre compte ÉduConnect Responsable d'élève"
    row = await OutboxMail.select().where(OutboxMail.id == mail.outbox_id).first()
    assert row["recipient"] == "nadia.haddad@example.org"
    assert f"Identifiant\u00a0: {family.nadia}" in row["text_body"]
    assert result.secrets["provisional_password"] in row["text_body"]
    assert "Sami Haddad" in row["text_body"]
    assert (await local.get(family.nadia, OT)).state == INFORME


async def test_resend_confirmation_refusals(local, family):
    with pytest.raises(ActionRefused) as error:
        await local.resend_confirmation_mail(family.karim, {}, scope=OT)
    assert "Aucune adresse" in error.value.message
    with pytest.raises(ActionRefused) as error:
        await local.resend_confirmation_mail(family.paul, {}, scope=OT)
    assert "déjà confirmée" in error.value.message
    result = await local.resend_confirmation_mail(family.luc, {}, scope=OT)
    assert [m.to for m in result.mails] == ["luc.bernard@exemple.fr"]


async def test_update_email_of_an_unconfirmed_address_replaces_it(local, family):
    result = await local.update_email(family.marc, {"email": "marc@example.org"}, scope=OT)
    assert [m.kind for m in result.mails] == ["compte_changement_adresse", "compte_confirmation"]
    # Marc's bouncing address stays until the new one is confirmed.
    marc = await local.get(family.marc, OT)
    assert "adresse_mail_en_erreur" in marc.flags and marc.pending_email == "marc@example.org"
    result = await local.update_email(family.claire, {"email": "claire@example.org"}, scope=OT)
    assert result.mails == []  # not activated: the address of the base, nobody to confirm it
    assert (await local.get(family.claire, OT)).email == "claire@example.org"


async def test_scopes(local, family):
    assert (await local.search(AccountQuery(scope=Scope()))).items == []
    everywhere = await local.search(AccountQuery(scope=Scope.everywhere(), limit=200))
    assert len(everywhere.items) == len(vars(family))
    with pytest.raises(AccountNotFound):
        await local.inform(family.jean, {}, scope=OT)
    assert (await local.inform(family.jean, {}, scope=Scope(uais=("0693310Y",)))).letters


@pytest.mark.settings(accounts={"apply_nightly_at_once": True})
async def test_nightly_changes_at_once_when_the_setting_says_so(local, family):
    result = await local.regenerate_identifier(family.paul, {}, scope=OT)
    assert result.after == {"identifier": "p.martin3", "previous": "p.martin1"}
    [change] = result.pending_changes
    assert change.applied_at is not None
    assert change.outcome == {"identifier": "p.martin3", "previous": "p.martin1"}
    assert (await local.get("p.martin3", OT)).pending_changes == []
    result = await local.correct_birth_date(family.leo, {"birth_date": "2014-03-04"}, scope=OT)
    assert (await local.get(family.leo, OT)).birth_date == "2014-03-04"
    assert await local.apply_pending_changes() == []


async def test_concurrent_calls_with_one_key_do_the_work_once(local, family):
    calls = [
        local.reset_password(family.paul, {}, scope=OT, idempotency_key="double-clic")
        for _ in range(4)
    ]
    results = await asyncio.gather(*calls)
    passwords = {r.secrets["provisional_password"] for r in results}
    assert len(passwords) == 1 and sum(not r.replayed for r in results) == 1
    assert (await local.get(family.paul, OT)).provisional_password in passwords
    assert (
        await DirectoryAction.count().where(DirectoryAction.idempotency_key == "double-clic") == 1
    )


async def test_every_action_is_journaled_and_refusals_change_nothing(local, family):
    await local.update_mobile(family.paul, {"mobile": "0798765432"}, scope=OT)
    with pytest.raises(ActionRefused):
        await local.regenerate_identifier(family.helene, {}, scope=OT)
    assert await DirectoryAction.count() == 1
    assert await DirectoryPendingChange.count() == 0


async def test_merge_into_an_account_that_already_has_the_child(local, family):
    await local.add_link(family.paul_lycee, family.leo, status="non_confirme")
    result = await local.merge_accounts(family.paul, {"from": family.paul_lycee}, scope=OT)
    assert result.after["children"] == sorted([family.leo, family.ines])
    paul = await local.get(family.paul, OT)
    assert sorted((link.identifier, link.status) for link in paul.links) == [
        (family.ines, "confirme"),
        (family.leo, "confirme"),
    ]
