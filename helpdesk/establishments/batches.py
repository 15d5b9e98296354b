"""The documents of actions on many accounts, handed over by the school (guide 3.2, 5.4: letters
and provisional passwords « à remettre en main propre »). Each document is a batch; each of its
accounts is marked when the family got it, as the letter of one account is
(`helpdesk.establishments.letter_deliveries.hand_over`). A newer batch holding the same account replaces it
there: its password may no longer be the one to use, so it is no longer offered."""

from __future__ import annotations

import datetime as dt

from helpdesk.auth.service import staff_names
from helpdesk.establishments.bulk import forget_document
from helpdesk.establishments.tables import LetterBatch, LetterBatchAccount

KINDS = {
    "inform": "Feuilles individuelles «\u00a0Informer\u00a0»",
    "reset_password": "Liste des mots de passe provisoires",
}
SHOWN = 100  # the newest batches of a school listed on its page
SLICE = 1000  # rows or values per statement: well within SQLite's limit of bound values


def slices(items: list) -> list[list]:
    return [items[start : start + SLICE] for start in range(0, len(items), SLICE)]


async def kept_for(request_key: str) -> dict | None:
    """The batch a request already made (the same request sent again makes no other)."""
    if not request_key:
        return None
    return await LetterBatch.select().where(LetterBatch.request_key == request_key).first()


async def record(
    roster, action: str, document: str, accounts: list[tuple[str, str]], staff_id: int, key: str
) -> int:
    """A new batch: its document and its accounts (identifier, name), none handed over yet."""
    batch = LetterBatch(
        uai=roster.uai,
        academie=roster.academie,
        action=action,
        document=document,
        request_key=key,
        created_by=staff_id,
    )
    await batch.save()
    for part in slices(accounts):
        await LetterBatchAccount.insert(
            *(LetterBatchAccount(batch=batch.id, account=i, name=n[:200]) for i, n in part)
        )
    return batch.id


# Per batch: its accounts, those handed over, and those not handed over that a newer batch holds.
COUNTS = """
SELECT a.batch AS batch, COUNT(*) AS total, COUNT(a.handed_at) AS handed,
       SUM(CASE WHEN a.handed_at IS NULL AND EXISTS (
             SELECT 1 FROM letter_batch_account n WHERE n.account = a.account AND n.batch > a.batch
           ) THEN 1 ELSE 0 END) AS replaced
FROM letter_batch_account a JOIN letter_batch b ON b.id = a.batch
WHERE b.uai = {} AND a.batch >= {}
GROUP BY a.batch
"""


async def of_school(uai: str) -> list[dict]:
    """The school's newest batches, newest first: who made them, how many are left to hand."""
    rows = (
        await LetterBatch.select()
        .where(LetterBatch.uai == uai)
        .order_by(LetterBatch.id, ascending=False)
        .limit(SHOWN)
    )
    if not rows:
        return []
    counts = {c["batch"]: c for c in await LetterBatch.raw(COUNTS, uai, rows[-1]["id"])}
    names = await staff_names({row["created_by"] for row in rows})
    for row in rows:
        count = counts.get(row["id"], {})
        row["total"] = int(count.get("total") or 0)
        row["handed"] = int(count.get("handed") or 0)
        row["replaced"] = int(count.get("replaced") or 0)
        row["left"] = row["total"] - row["handed"] - row["replaced"]
        row["by"] = names.get(row["created_by"], "")
        row["kind"] = KINDS.get(row["action"], "")
    return rows


async def batch_of(uai: str, batch_id: int) -> dict | None:
    """One batch of this school (None for another school's: the caller says « not found »)."""
    row = (
        await LetterBatch.select()
        .where((LetterBatch.id == batch_id) & (LetterBatch.uai == uai))
        .first()
    )
    if row is not None:
        row["kind"] = KINDS.get(row["action"], "")
        row["by"] = (await staff_names({row["created_by"]})).get(row["created_by"], "")
    return row


async def accounts(batch_id: int) -> list[dict]:
    """The batch's accounts in the document's order, each handed over, replaced, or to hand."""
    rows = (
        await LetterBatchAccount.select()
        .where(LetterBatchAccount.batch == batch_id)
        .order_by(LetterBatchAccount.id)
    )
    waiting = [row["account"] for row in rows if row["handed_at"] is None]
    newer = set()
    for part in slices(waiting):
        newer |= {
            row["account"]
            for row in await LetterBatchAccount.select(LetterBatchAccount.account).where(
                (LetterBatchAccount.batch > batch_id) & LetterBatchAccount.account.is_in(part)
            )
        }
    for row in rows:
        row["replaced"] = row["handed_at"] is None and row["account"] in newer
    return rows


async def hand_over(staff_id: int, batch_id: int, wanted: set[str] | None) -> list[str]:
    """Marks the accounts (all those left when `wanted` is None) as handed over; the
    identifiers marked now (not those already marked, nor the replaced ones)."""
    chosen = [
        row
        for row in await accounts(batch_id)
        if row["handed_at"] is None
        and not row["replaced"]
        and (wanted is None or row["account"] in wanted)
    ]
    now = dt.datetime.now(dt.UTC)
    for part in slices([row["id"] for row in chosen]):
        await LetterBatchAccount.update(
            {LetterBatchAccount.handed_at: now, LetterBatchAccount.handed_by: staff_id}
        ).where(LetterBatchAccount.id.is_in(part) & LetterBatchAccount.handed_at.is_null())
    return [row["account"] for row in chosen]


async def forget_before(settings, cutoff: dt.datetime, dry_run: bool = False) -> int:
    """Batches made before `cutoff` (HELPDESK_RETENTION_DAYS, by the privacy purge): their
    document (names, identifiers, provisional passwords) goes first, then their rows; a run
    stopped in between finds the rows again. The number of batches."""
    old = await LetterBatch.select(LetterBatch.id, LetterBatch.uai, LetterBatch.document).where(
        LetterBatch.created_at < cutoff
    )
    if dry_run:
        return len(old)
    for batch in old:
        await forget_document(settings, batch["uai"], batch["document"])
    for part in slices([batch["id"] for batch in old]):
        await LetterBatchAccount.delete().where(LetterBatchAccount.batch.is_in(part))
        await LetterBatch.delete().where(LetterBatch.id.is_in(part))
    return len(old)
