"""The internet addresses printed in letters and given in « Informer » mails (guide §7): the
académie's page for responsables (beside Scolarité Services) and the ENT for pupils. A supervisor
sets them for the académie, a school's staff may override them for their school; what is left
empty falls back (`layout_for`: the school's, the académie's, then the settings' defaults)."""

from __future__ import annotations

from helpdesk.accounts.web_addresses import check_web_address
from helpdesk.establishments.letters import Layout, layout_of
from helpdesk.establishments.tables import LetterAddress

FIELDS = {"page": "la page de l'académie", "ent": "l'ENT"}


async def saved(academie: str, uai: str = "") -> dict[str, str]:
    """What was saved for the académie (uai "") or for one school: {"page": …, "ent": …}."""
    row = (
        await LetterAddress.select(LetterAddress.page, LetterAddress.ent)
        .where((LetterAddress.academie == academie) & (LetterAddress.uai == uai))
        .first()
    )
    return row or {"page": "", "ent": ""}


async def addresses_for(academie: str, uai: str) -> dict[str, str]:
    """The addresses a school's letters print: the school's own, else the académie's."""
    school, region = await saved(academie, uai), await saved(academie)
    return {field: school[field] or region[field] for field in FIELDS}


async def layout_for(state, academie: str, uai: str) -> Layout:
    """What a school's letters and mails print: its addresses, else the académie's, then the
    defaults of `layout_of` (HELPDESK_LETTER_URL, the académie's site)."""
    chosen = await addresses_for(academie, uai)
    return layout_of(state.settings, state.academies.get(academie), chosen)


async def save(academie: str, uai: str, values: dict[str, str], staff_id: int) -> None:
    changes = {LetterAddress.page: values["page"], LetterAddress.ent: values["ent"]}
    where = (LetterAddress.academie == academie) & (LetterAddress.uai == uai)
    if await LetterAddress.exists().where(where):
        await LetterAddress.update({**changes, LetterAddress.updated_by: staff_id}).where(where)
    else:
        await LetterAddress.insert(
            LetterAddress(academie=academie, uai=uai, updated_by=staff_id, **values)
        )


def read_form(form) -> tuple[dict[str, str], dict[str, str]]:
    """The typed addresses and the errors, one per field."""
    values, errors = {}, {}
    for field in FIELDS:
        try:
            values[field] = check_web_address(str(form.get(field, "")))
        except ValueError as refused:
            errors[field] = str(refused)
            values[field] = str(form.get(field, ""))
    return values, errors
