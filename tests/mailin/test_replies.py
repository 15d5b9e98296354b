"""A parent answers the help desk's mail from their mail client: the answer lands on the
ticket as a reply on the follow-up page would, over real SMTP to the receiver."""

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest

from helpdesk.mail.sender import MailSender
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin.tables import ReceivedMail
from helpdesk.tickets.tables import Attachment, Ticket
from tests.mailin.conftest import DOMAIN, PARENT, messages_of, reply

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


async def test_outgoing_mail_names_its_ticket_and_invites_a_reply(mailin):
    ticket = await mailin.ticket()
    mail = await mailin.sent_mail(ticket["reference"])
    assert mail["Reply-To"].startswith(f"assistance+{ticket['reference']}.")
    assert mail["Reply-To"].endswith(f"@{DOMAIN}")
    assert mail["References"] == mail["In-Reply-To"]
    assert mail["Message-ID"] not in mail["References"]
    text = mail.get_body(("plain",)).get_content()
    assert "répondez simplement à ce courriel" in text
    assert "ne répondez pas" not in text
    assert "/suivi/" in text  # the follow-up link stays


async def test_a_ticket_mail_bounces_to_its_signed_address(mailin, smtp_server):
    ticket = await mailin.ticket()
    settings = mailin.state.settings.with_changes(
        smtp={"host": "127.0.0.1", "port": smtp_server.port}
    )
    assert await MailSender(settings).run_once() == 1
    [(envelope_sender, recipients)] = smtp_server.recorder.envelopes
    assert envelope_sender == str(smtp_server.messages[0]["Reply-To"])
    assert envelope_sender.startswith(f"assistance+{ticket['reference']}.")
    assert recipients == [PARENT]


@pytest.mark.parametrize("status", ["resolu", "en_attente"])
async def test_a_reply_lands_on_its_ticket_trimmed_and_reopens_it(mailin, status):
    ticket = await mailin.ticket(status=status)
    original = await mailin.sent_mail(ticket["reference"])
    answer = reply(original, "Bonjour,\nLa date est toujours refusée.\n\n-- \nClaire Martin\n06 12")
    await mailin.send(answer)
    messages = await messages_of(ticket["id"])
    assert messages[-1]["body"] == "Bonjour,\nLa date est toujours refusée."
    assert messages[-1]["author"] == "demandeur" and messages[-1]["public"]
    after = await Ticket.select().where(Ticket.id == ticket["id"]).first()
    assert after["status"] == "en_cours"
    assert await ReceivedMail.count() == 1


async def test_outlook_history_and_html_only_mails_become_plain_new_words(mailin):
    ticket = await mailin.ticket()
    original = await mailin.sent_mail(ticket["reference"])
    answer = reply(original, "placeholder")
    answer.clear_content()
    answer.set_content(
        "<html><body><p>Voici la capture&nbsp;demandée.</p><div>Merci&nbsp;!</div>"
        "<div class='gmail_quote'><blockquote>Bonjour, L'assistance a répondu</blockquote></div>"
        "</body></html>",
        subtype="html",
    )
    answer.add_attachment(PNG, maintype="image", subtype="png", filename="capture.png")
    await mailin.send(answer)
    second = reply(original, "")
    second.clear_content()
    second.set_content(
        "Encore une précision.\n\n________________________________\nDe : Assistance\n"
        "Envoyé : jeudi 4 décembre 2026\nObjet : Réponse\n\nTexte cité"
    )
    await mailin.send(second)
    bodies = [m["body"] for m in await messages_of(ticket["id"])][1:]
    assert bodies == ["Voici la capture\u00a0demandée.\n\nMerci\u00a0!", "Encore une précision."]
    files = await Attachment.select().where(Attachment.ticket == ticket["id"])
    assert [f["filename"] for f in files] == ["capture.png"]


async def test_a_forged_or_altered_reply_address_is_refused(mailin):
    ticket = await mailin.ticket()
    original = await mailin.sent_mail(ticket["reference"])
    signed = str(original["Reply-To"])
    local, _, domain = signed.partition("@")
    altered = f"{local[:-1]}{'0' if local[-1] != '0' else '1'}@{domain}"
    other = signed.replace(ticket["reference"], ticket["reference"][:-1] + "9")
    for forged in (
        altered,
        other,
        f"assistance+{ticket['reference']}.deadbeef@{DOMAIN}",
        "assistance-orleans-tours@ailleurs.example",  # another domain: not served here
    ):
        answer = reply(original, "Je prends la main sur cette demande.", To=forged)
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await mailin.send(answer)
    assert len(await messages_of(ticket["id"])) == 1
    assert await ReceivedMail.count() == 0


async def test_the_same_message_delivered_twice_is_stored_once(mailin):
    ticket = await mailin.ticket()
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Une seule fois, s'il vous plaît.")
    await mailin.send(answer)
    await mailin.send(answer)
    assert len(await messages_of(ticket["id"])) == 2
    assert await ReceivedMail.count() == 1


async def test_a_reply_without_the_signed_address_is_matched_by_its_thread(mailin):
    ticket = await mailin.ticket()
    original = await mailin.sent_mail(ticket["reference"])
    # Sent to the académie's address (a mail client that ignored Reply-To), In-Reply-To kept.
    answer = reply(original, "Réponse par le fil.", To=f"assistance-orleans-tours@{DOMAIN}")
    await mailin.send(answer)
    # Only References to our Message-ID, nothing else.
    second = reply(original, "Réponse par les références.", To=f"assistance-orleans-tours@{DOMAIN}")
    del second["In-Reply-To"]
    second.replace_header("References", str(original["Message-ID"]))
    await mailin.send(second)
    bodies = [m["body"] for m in await messages_of(ticket["id"])]
    assert bodies[1:] == ["Réponse par le fil.", "Réponse par les références."]


async def test_a_reply_without_any_thread_is_matched_by_sender_and_subject(mailin):
    ticket = await mailin.ticket()
    message = EmailMessage()
    message["From"] = PARENT
    message["To"] = f"assistance-orleans-tours@{DOMAIN}"
    message["Subject"] = f"Ma demande {ticket['reference']}"
    message["Message-ID"] = make_msgid(domain="example.fr")
    message.set_content("Je n'ai plus le courriel, mais voici la suite.")
    await mailin.send(message)
    # The same subject from someone else opens a new ticket rather than joining this one.
    other = EmailMessage()
    other["From"] = "quelquun@example.org"
    other["To"] = f"assistance-orleans-tours@{DOMAIN}"
    other["Subject"] = f"Ma demande {ticket['reference']}"
    other["Message-ID"] = make_msgid(domain="example.org")
    other.set_content("Je voudrais lire cette demande.")
    await mailin.send(other)
    bodies = [m["body"] for m in await messages_of(ticket["id"])]
    assert bodies[1:] == ["Je n'ai plus le courriel, mais voici la suite."]
    assert await Ticket.count() == 2


async def test_a_reply_to_a_closed_ticket_opens_a_new_one_linked_to_it(mailin):
    ticket = await mailin.ticket(status="clos")
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Le problème est revenu.")
    await mailin.send(answer)
    new = await Ticket.select().where(Ticket.parent_ticket == ticket["id"]).first()
    assert new["message"] == "Le problème est revenu."
    assert new["status"] == "nouveau"


async def test_a_mail_to_an_academie_opens_a_ticket_there_with_an_acknowledgment(mailin):
    message = EmailMessage()
    message["From"] = "Paul Durand <paul.durand@example.fr>"
    message["To"] = f"assistance-orleans-tours@{DOMAIN}"
    message["Subject"] = "Mot de passe perdu"
    message["Message-ID"] = make_msgid(domain="example.fr")
    message.set_content("J'ai perdu mon mot de passe ÉduConnect, je ne peux plus me connecter.")
    await mailin.send(message)
    ticket = await Ticket.select().first()
    assert ticket["channel"] == "courriel" and ticket["academie"] == "orleans-tours"
    assert ticket["requester_email"] == "paul.durand@example.fr"
    assert ticket["requester_first_name"] == "Paul" and ticket["requester_last_name"] == "Durand"
    assert ticket["suggested_category"] == ticket["category"] == "mot_de_passe"
    ack = await OutboxMail.select().where(OutboxMail.kind == "accuse_reception").first()
    assert ack["recipient"] == "paul.durand@example.fr"
    assert "/suivi/" in ack["text_body"]


async def test_the_receiver_also_speaks_lmtp(mailin):
    """HELPDESK_MAILIN_LMTP=1: the académie's server delivers with LMTP (stdlib smtplib.LMTP)."""
    import asyncio
    import smtplib

    from helpdesk.mailin.receiver import MailReceiver
    from tests.mail.conftest import free_port

    ticket = await mailin.ticket(status="en_attente")
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Par LMTP.")
    receiver = MailReceiver(mailin.state, "127.0.0.1", free_port(), lmtp=True)
    await receiver.start()

    def deliver() -> dict:
        with smtplib.LMTP("127.0.0.1", receiver.port) as client:
            return client.send_message(answer)

    try:
        assert await asyncio.to_thread(deliver) == {}  # no recipient refused
    finally:
        await receiver.stop()
    assert [m["body"] for m in await messages_of(ticket["id"])][1:] == ["Par LMTP."]
