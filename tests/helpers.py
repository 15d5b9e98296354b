"""Small helpers shared by the tests."""

import html
import re


def text_of(response) -> str:
    """The page as a person reads it: entities (&#39; for ') decoded."""
    return html.unescape(response.text)


VALID_FORM = {
    "academie": "orleans-tours",
    "category": "date_naissance",
    "degre": "1er",
    "requester_kind": "parent",
    "requester_first_name": "Claire",
    "requester_last_name": "Martin",
    "requester_email": "claire.martin@example.fr",
    "requester_phone": "06 12 34 56 78",
    "child_first_name": "Léo",
    "child_last_name": "Martin",
    "child_birth_date": "04/03/2016",
    "refused_birth_date": "03/04/2016",
    "uai": "0450782F",
    "message": "La date de naissance de mon fils est refusée à l'activation du compte.",
}

VALID_API = {
    "academie": "orleans-tours",
    "category": "date_naissance",
    "degre": "1er",
    "uai": "0450782F",
    "requester": {
        "kind": "parent",
        "first_name": "Claire",
        "last_name": "Martin",
        "email": "claire.martin@example.fr",
        "phone": "0612345678",
    },
    "child": {
        "first_name": "Léo",
        "last_name": "Martin",
        "birth_date": "2016-03-04",
        "refused_birth_date": "2016-04-03",
    },
    "message": "La date de naissance de mon fils est refusée à l'activation du compte.",
}


def csrf_token(page_html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page_html)
    assert match, "le formulaire n'a pas de jeton CSRF"
    return match.group(1)


async def form_page(client, academie="orleans-tours", categorie="date_naissance"):
    response = await client.get(
        "/assistance", params={"academie": academie, "categorie": categorie}
    )
    assert response.status_code == 200
    return response


def form_id(page_html: str) -> str:
    return re.search(r'name="form_id" value="([^"]+)"', page_html).group(1)


async def submit_form(client, fields: dict, files=None, page=None):
    page = page or await form_page(client)
    # "js": the browser ran the form's script (suggestions while typing, no "Vérifier" step)
    data = {
        "_csrf_token": csrf_token(page.text),
        "form_id": form_id(page.text),
        "js": "1",
        **fields,
    }
    return await client.post(
        "/assistance", data=data, files=files or {"piece_jointe": ("", b"")}, follow_redirects=False
    )


def follow_token(location: str) -> str:
    return location.split("/suivi/", 1)[1].split("?", 1)[0]


STAFF_PASSWORD = "Motdepasse-Agent-2026"


async def bearer(client, email: str) -> dict:
    """The Authorization header of a staff member logged in through the API."""
    body = (
        await client.post("/api/v1/auth/login", json={"email": email, "password": STAFF_PASSWORD})
    ).json()
    return {"Authorization": f"Bearer {body['token']}"}


async def make_staff(email: str, role: str = "agent", academie: str = "orleans-tours", **kw) -> int:
    from helpdesk.auth.service import create_user

    return await create_user(email, STAFF_PASSWORD, role, academie=academie, **kw)


async def login(client, email: str, password: str = STAFF_PASSWORD):
    """The login form, sent again as a browser does when it came with a session (307: that
    session ended, the form goes again without it, see helpdesk.auth.sessions)."""
    page = await client.get("/connexion")
    data = {"_csrf_token": csrf_token(page.text), "email": email, "password": password}
    response = await client.post("/connexion", data=data, follow_redirects=False)
    if response.status_code == 307:
        response = await client.post(
            response.headers["location"], data=data, follow_redirects=False
        )
    return response


async def staff_post(client, url: str, data: dict, page_url: str | None = None):
    page = await client.get(page_url or url)
    return await client.post(
        url, data={"_csrf_token": csrf_token(page.text), **data}, follow_redirects=False
    )


async def api_ticket(client, **changes) -> str:
    body = {**VALID_API, **changes}
    response = await client.post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


async def account_action(client, reference: str, account: str, action: str, key: str, **params):
    """An agent confirms an action of the « Compte ÉduConnect » panel of a ticket."""
    from helpdesk.tickets.tables import Ticket

    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    data = {
        "action": "compte_executer",
        "version": ticket["version"],
        "compte": account,
        "compte_action": action,
        "cle": key,
        **{f"p_{name}": value for name, value in params.items()},
    }
    return await staff_post(client, f"/agent/tickets/{reference}", data)


async def stored_files(settings, folder: str = "attachments") -> int:
    """How many files are kept: in the data folder (SQLite) or the database (PostgreSQL)."""
    if settings.is_sqlite:
        path = settings.data_dir / folder
        return len(list(path.iterdir())) if path.exists() else 0
    from helpdesk.tickets.tables import StoredFile

    return await StoredFile.count().where(StoredFile.name.like(f"{folder}/%"))
