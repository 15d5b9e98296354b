from helpdesk.auth.tables import User
from helpdesk.mail.tables import OutboxMail
from tests.helpers import login, make_staff, staff_post, text_of


async def test_admin_creates_an_agent_who_chooses_a_password(client):
    await make_staff("admin@ac.fr", role="admin", academie="")
    await login(client, "admin@ac.fr")
    page = text_of(await client.get("/admin/utilisateurs"))
    assert "Nouveau compte" in page
    created = await staff_post(
        client,
        "/admin/utilisateurs",
        {
            "email": "nouvel.agent@ot.fr",
            "name": "Nouvel Agent",
            "role": "agent",
            "academie": "orleans-tours",
        },
    )
    assert created.status_code == 303
    user = await User.select().where(User.email == "nouvel.agent@ot.fr").first()
    assert user["role"] == "agent" and user["academie"] == "orleans-tours"
    invitation = await OutboxMail.select().where(OutboxMail.kind == "invitation").first()
    assert "/connexion/nouveau-mot-de-passe/" in invitation["text_body"]
    refused = await staff_post(
        client,
        "/admin/utilisateurs",
        {"email": "x@ot.fr", "role": "agent", "academie": "atlantide"},
    )
    assert refused.status_code == 422 and "Choisissez l'académie" in text_of(refused)
    school = await staff_post(
        client,
        "/admin/utilisateurs",
        {"email": "e@ot.fr", "role": "establishment", "uai": "0450782G"},
    )
    assert "lettre de contrôle" in text_of(school)


async def test_supervisor_manages_only_the_academies_agents(client):
    await make_staff("chef@ot.fr", role="supervisor")
    agent_id = await make_staff("agent@ot.fr")
    lyon_id = await make_staff("agent@lyon.fr", academie="lyon")
    await login(client, "chef@ot.fr")
    page = text_of(await client.get("/admin/utilisateurs"))
    assert "agent@ot.fr" in page and "agent@lyon.fr" not in page
    await staff_post(
        client,
        "/admin/utilisateurs",
        {"email": "recrue@ot.fr", "role": "admin", "academie": "lyon"},
        page_url="/admin/utilisateurs",
    )
    recrue = await User.select().where(User.email == "recrue@ot.fr").first()
    assert (
        recrue["role"] == "agent" and recrue["academie"] == "orleans-tours"
    )  # never more than an agent here
    await staff_post(
        client,
        f"/admin/utilisateurs/{agent_id}",
        {"action": "desactiver"},
        page_url="/admin/utilisateurs",
    )
    assert (await User.select(User.active).where(User.id == agent_id).first())["active"] is False
    other = await staff_post(
        client,
        f"/admin/utilisateurs/{lyon_id}",
        {"action": "desactiver"},
        page_url="/admin/utilisateurs",
    )
    assert other.status_code == 404
    assert (await login(client, "agent@ot.fr")).status_code == 401  # deactivated


async def test_agents_cannot_manage_accounts(client):
    await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    assert (await client.get("/admin/utilisateurs", follow_redirects=False)).status_code == 303


async def test_supervisor_edits_the_contact_card_shown_on_the_map(client):
    await make_staff("chef@lyon.fr", role="supervisor", academie="lyon")
    await login(client, "chef@lyon.fr")
    fields = {
        f"{a}_{f}": ""
        for a in ("premier_degre", "second_degre", "etablissements")
        for f in ("formulaire", "telephone", "courriel", "consigne")
    }
    bad = await staff_post(
        client, "/agent/contact", {**fields, "second_degre_formulaire": "http://pas-sur"}
    )
    assert bad.status_code == 422 and "https://" in text_of(bad)
    await staff_post(
        client,
        "/agent/contact",
        {
            **fields,
            "second_degre_formulaire": "https://www.ac-lyon.fr/assistance",
            "second_degre_consigne": "Écrivez-nous avec le formulaire.",
        },
    )
    page = text_of(await client.get("/aide/contact", params={"academie": "lyon"}))
    assert "https://www.ac-lyon.fr/assistance" in page
    api = (await client.get("/api/v1/academies")).json()
    lyon = next(a for a in api["academies"] if a["slug"] == "lyon")
    assert lyon["modalities"]["second_degre"]["formulaire"] == "https://www.ac-lyon.fr/assistance"
