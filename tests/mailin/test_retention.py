"""Past HELPDESK_RETENTION_DAYS the purge forgets what mail-in keeps of a person: quarantined
mails, the senders of received mails, the addresses in error of anonymised requests."""

from __future__ import annotations

import datetime as dt
import io
import json

from pypdf import PdfReader

from helpdesk.mailin.tables import AddressBounce, QuarantinedMail, ReceivedMail
from helpdesk.privacy.purge import purge
from helpdesk.tickets.tables import Ticket
from tests.helpers import login, make_staff, text_of
from tests.mailin.conftest import DOMAIN, PARENT, reply
from tests.mailin.test_delivery import dsn
from tests.privacy.test_person import post


async def test_the_purge_forgets_what_mail_in_kept_of_a_person(mailin):
    settings = mailin.state.settings
    ticket = await mailin.ticket()
    sent = await mailin.sent_mail(ticket["reference"])
    answer = reply(sent, "La date est encore refusée.")
    await mailin.send(answer)
    await mailin.send(dsn(f"ne-pas-repondre@{DOMAIN}", sent["Message-ID"]), [f"x@{DOMAIN}"])
    await mailin.send(b"Subject: sans expediteur\r\n\r\nClaire Martin\r\n", [f"x@{DOMAIN}"])
    closed = {Ticket.status: "clos", Ticket.closed_at: dt.datetime.now(dt.UTC)}
    await Ticket.update(closed).where(Ticket.id == ticket["id"])
    assert await QuarantinedMail.count() == 1 and await AddressBounce.count() == 1

    today = await purge(settings.privacy.retention_days, settings, as_of=dt.date.today())
    assert today.mails_in == 0 and await QuarantinedMail.count() == 1  # nothing yet

    later = dt.date.today() + dt.timedelta(days=settings.privacy.retention_days + 1)
    dry = await purge(settings.privacy.retention_days, settings, as_of=later, dry_run=True)
    assert dry.mails_in == 3 and await QuarantinedMail.count() == 1  # counted, not done
    report = await purge(settings.privacy.retention_days, settings, as_of=later)
    assert report.mails_in == 3  # the reply, the bounce, the quarantined one
    assert await QuarantinedMail.count() == 0
    assert await AddressBounce.count() == 0
    received = await ReceivedMail.select(ReceivedMail.sender, ReceivedMail.message_id)
    assert received and all(r["sender"] == "" and r["message_id"] for r in received)
    assert PARENT not in str(received)
    # The same mail delivered again after the purge is still recognised, and not stored twice.
    await mailin.send(answer)
    assert await ReceivedMail.count() == len(received)


async def test_an_admin_exports_and_erases_the_mails_received_from_an_address(mailin):
    ticket = await mailin.ticket()
    sent = await mailin.sent_mail(ticket["reference"])
    await mailin.send(reply(sent, "Toujours refusée."))
    await mailin.send(dsn(f"ne-pas-repondre@{DOMAIN}", sent["Message-ID"]), [f"x@{DOMAIN}"])
    unplaced = f"From: {PARENT}\r\nTo: personne@{DOMAIN}\r\nSubject: Pour qui ?\r\n\r\nBonjour\r\n"
    await mailin.send(unplaced.encode(), [f"personne@{DOMAIN}"])
    await make_staff("admin@ac.fr", role="admin", academie="")
    await login(mailin.client, "admin@ac.fr")

    exported = json.loads((await post(mailin.client, email=PARENT.upper(), action="json")).content)
    outcomes = sorted(m["suite"] for m in exported["courriels_recus"])
    assert outcomes == ["adresse_en_erreur", "quarantaine", "reponse"]
    pdf = await post(mailin.client, email=PARENT, action="pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Courriels reçus de cette adresse (3)" in text and "gardé en quarantaine" in text

    erased = text_of(await post(mailin.client, email=PARENT, action="effacer", confirme="1"))
    assert "3 courriel(s) reçu(s) oublié(s)" in erased
    assert await QuarantinedMail.count() == 0 and await AddressBounce.count() == 0
    assert all(r["sender"] != PARENT for r in await ReceivedMail.select(ReceivedMail.sender))
    again = json.loads((await post(mailin.client, email=PARENT, action="json")).content)
    assert again["courriels_recus"] == []
