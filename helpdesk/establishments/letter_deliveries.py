"""Letters of « Informer » (guide 3.2) made from a ticket, offered to the account's school: it
downloads them, hands them over to the family and says so; only the newest of an account is
the one to hand over."""

from __future__ import annotations

from helpdesk.auth.service import Staff
from helpdesk.establishments.addresses import layout_for
from helpdesk.establishments.letters import letter_pdf
from helpdesk.establishments.tables import LetterDelivery
from helpdesk.tickets.attachments import Upload, store
from helpdesk.tickets.records import attach, utcnow
from helpdesk.tickets.tables import Attachment, TicketEvent


async def keep_letter(state, ticket: dict, event_id: int, letter) -> None:
    """The PDF on the ticket (staff only), and offered to the account's school to hand over."""
    layout = await layout_for(state, ticket["academie"], letter.uai)
    pdf = Upload(f"courrier-{letter.identifier}.pdf", "application/pdf", letter_pdf(letter, layout))
    storage_name = await store(state.settings, pdf)
    await attach(ticket["id"], event_id, pdf, storage_name)
    stored = await Attachment.select(Attachment.id).where(Attachment.storage_name == storage_name)
    await LetterDelivery.insert(
        LetterDelivery(
            ticket=ticket["id"],
            attachment=stored[0]["id"],
            uai=letter.uai,
            account=letter.identifier,
        )
    )


async def letters(staff: Staff) -> list[dict]:
    """The letters agents made for accounts of the staff's schools, newest first. Only the
    newest of an account is offered: an older one's password is no longer the one to use."""
    if staff.role != "establishment" or not staff.uais:
        return []
    rows = (
        await LetterDelivery.select(
            LetterDelivery.id,
            LetterDelivery.uai,
            LetterDelivery.account,
            LetterDelivery.handed_at,
            LetterDelivery.created_at,
            LetterDelivery.ticket.reference,
            LetterDelivery.attachment.filename,
        )
        .where(LetterDelivery.uai.is_in(list(staff.uais)))
        .order_by(LetterDelivery.id, ascending=False)
        .limit(200)
    )
    seen: set[str] = set()
    for row in rows:
        row["replaced"] = row["account"] in seen
        seen.add(row["account"])
    return rows


async def replaced(delivery: dict) -> bool:
    """A newer letter was made for the same account."""
    return await LetterDelivery.exists().where(
        (LetterDelivery.account == delivery["account"]) & (LetterDelivery.id > delivery["id"])
    )


async def letter_for(staff: Staff, delivery_id: int) -> dict | None:
    if staff.role != "establishment" or not staff.uais:
        return None
    return (
        await LetterDelivery.select(
            LetterDelivery.all_columns(),
            LetterDelivery.attachment.storage_name,
            LetterDelivery.attachment.filename,
        )
        .where((LetterDelivery.id == delivery_id) & LetterDelivery.uai.is_in(list(staff.uais)))
        .first()
    )


async def hand_over(staff: Staff, delivery: dict) -> bool:
    """The school says the letter was given to the family: on the ticket's timeline too.
    False when it was already marked."""
    if delivery["handed_at"] is not None:
        return False
    await LetterDelivery.update(
        {LetterDelivery.handed_at: utcnow(), LetterDelivery.handed_by: staff.id}
    ).where(LetterDelivery.id == delivery["id"])
    await TicketEvent.insert(
        TicketEvent(
            ticket=delivery["ticket"],
            kind="courrier",
            author="etablissement",
            public=False,
            body=(
                f"Courrier du compte {delivery['account']} remis à la famille par "
                f"l'établissement {delivery['uai']} ({staff.name or staff.email})."
            ),
            data={"courrier": delivery["id"], "par": staff.id},
        )
    )
    return True
