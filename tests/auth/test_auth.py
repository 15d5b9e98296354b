import pyotp
import pytest

from helpdesk.auth.tables import ApiToken, AuditLog, User
from helpdesk.mail.tables import OutboxMail
from tests.helpers import STAFF_PASSWORD, csrf_token, login, make_staff, text_of


async def test_staff_pages_require_login(client):
    response = await client.get("/agent", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suite=/agent"
    api = await client.get("/api/v1/tickets")
    assert api.status_code == 401
    assert "errors" in api.json()


async def test_login_opens_a_session_cookie_httponly(client):
    await make_staff("agent@ot.fr")
    response = await login(client, "agent@ot.fr")
    assert response.status_code == 303 and response.headers["location"] == "/agent"
    cookie = response.headers["set-cookie"]
    assert "helpdesk_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    queue = await client.get("/agent")
    assert queue.status_code == 200
    assert "File d'attente" in text_of(queue)


async def test_wrong_password_is_refused_in_french_and_audited(client):
    await make_staff("agent@ot.fr")
    response = await login(client, "agent@ot.fr", "mauvais")
    assert response.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in text_of(response)
    assert await AuditLog.count().where(AuditLog.action == "connexion_refusee") == 1


@pytest.mark.settings(
    rate_limits={"login_delay_seconds": 30.0}
)  # the delay after five failures outlasts the test
async def test_login_is_slowed_down_per_account(client):
    await make_staff("agent@ot.fr")
    statuses = [(await login(client, "agent@ot.fr", "mauvais")).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    blocked = await login(client, "agent@ot.fr")  # even the right password waits
    assert blocked.status_code == 429
    assert "Trop de tentatives" in text_of(blocked)


async def test_login_without_csrf_is_refused(client):
    await make_staff("agent@ot.fr")
    await client.get("/connexion")
    response = await client.post(
        "/connexion", data={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 403


async def test_totp_is_required_when_set(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    first = await login(client, "chef@ot.fr")
    assert first.headers["location"] == "/connexion/code"
    enrol = await client.get("/connexion/code")
    secret = enrol.text.split('id="cle-totp">')[1].split("<")[0]
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303  # not yet in
    wrong = await client.post(
        "/connexion/code", data={"_csrf_token": csrf_token(enrol.text), "code": "000000"}
    )
    assert wrong.status_code == 401
    good = await client.post(
        "/connexion/code",
        data={"_csrf_token": csrf_token(enrol.text), "code": pyotp.TOTP(secret).now()},
        follow_redirects=False,
    )
    assert good.status_code == 200 and "Vos codes de secours" in text_of(good)
    assert (await client.get("/agent")).status_code == 200
    assert (await User.select(User.totp_secret).first())["totp_secret"] == secret


async def test_logout_everywhere_ends_sessions_and_tokens(client):
    await make_staff("agent@ot.fr")
    api = await client.post(
        "/api/v1/auth/login", json={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
    )
    token = api.json()["token"]
    await login(client, "agent@ot.fr")
    page = await client.get("/agent")
    await client.post("/deconnexion/partout", data={"_csrf_token": csrf_token(page.text)})
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303
    bearer = await client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert await ApiToken.count().where(ApiToken.revoked == True) == 1  # noqa: E712


async def test_api_token_login_logout(client):
    await make_staff("agent@ot.fr")
    bad = await client.post("/api/v1/auth/login", json={"email": "agent@ot.fr", "password": "x"})
    assert bad.status_code == 401
    body = (
        await client.post(
            "/api/v1/auth/login", json={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
        )
    ).json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 401


async def test_lost_password_for_staff(client):
    await make_staff("agent@ot.fr")
    token = (
        await client.post(
            "/api/v1/auth/login", json={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
        )
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/tickets", headers=bearer)).status_code == 200
    page = await client.get("/connexion/mot-de-passe-perdu")
    for email in ("agent@ot.fr", "inconnu@ot.fr"):
        response = await client.post(
            "/connexion/mot-de-passe-perdu",
            data={"_csrf_token": csrf_token(page.text), "email": email},
        )
        assert "Si un compte correspond à cette adresse" in text_of(response)
    mail = await OutboxMail.select().where(OutboxMail.kind == "mot_de_passe_agent").first()
    assert mail["recipient"] == "agent@ot.fr"
    assert await OutboxMail.count().where(OutboxMail.kind == "mot_de_passe_agent") == 1
    path = mail["text_body"].split("http://testserver.local", 1)[1].split()[0]
    form = await client.get(path)
    weak = await client.post(
        path, data={"_csrf_token": csrf_token(form.text), "password": "court", "password2": "court"}
    )
    assert weak.status_code == 422
    new = "Nouveau-Motdepasse-42"
    done = await client.post(
        path,
        data={"_csrf_token": csrf_token(form.text), "password": new, "password2": new},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (await client.get(path)).status_code == 404  # used once
    assert (await login(client, "agent@ot.fr", new)).status_code == 303
    # the old password may have leaked: its API tokens end too
    assert (await client.get("/api/v1/tickets", headers=bearer)).status_code == 401


async def test_my_account_notification_preference(client):
    from tests.helpers import staff_post

    await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    assert "Se déconnecter partout" in text_of(await client.get("/compte"))
    await staff_post(client, "/compte", {"notifications": ""})
    assert (await User.select(User.notify_by_mail).first())["notify_by_mail"] is False
    await staff_post(client, "/compte", {"notifications": "1", "totp": "1"})
    row = await User.select(User.notify_by_mail, User.totp_required).first()
    assert row["notify_by_mail"] is True and row["totp_required"] is True
