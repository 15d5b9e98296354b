"""The second factor: enrolment with a QR code and recovery codes, a code good once, a
recovery code good once, and an administrator's reset of a lost second factor, audited."""

import re
import time

import pyotp

from helpdesk.auth.tables import AuditLog, RecoveryCode, User
from tests.helpers import STAFF_PASSWORD, csrf_token, login, make_staff, staff_post, text_of
from tests.page import element


async def send_code(client, code: str):
    page = await client.get("/connexion/code")
    return await client.post(
        "/connexion/code",
        data={"_csrf_token": csrf_token(page.text), "code": code},
        follow_redirects=False,
    )


async def enrol(client, email: str = "chef@ot.fr") -> tuple[str, list[str], str]:
    """Sign in for the first time: (the TOTP secret, the recovery codes shown, the code used)."""
    first = await login(client, email)
    assert first.headers["location"] == "/connexion/code"
    page = await client.get("/connexion/code")
    secret = re.search(r'id="cle-totp">([A-Z2-7]+)<', page.text).group(1)
    code = pyotp.TOTP(secret).now()
    done = await send_code(client, code)
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.text)
    return secret, codes, code


async def sign_in_again(client, email: str = "chef@ot.fr") -> None:
    client.cookies.clear()
    assert (await login(client, email)).headers["location"] == "/connexion/code"


async def test_enrolment_shows_a_qr_code_then_recovery_codes_once(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    await login(client, "chef@ot.fr")
    page = await client.get("/connexion/code")
    qr = element(page.text, "svg", role="img")
    drawn = [qr, *qr.find()]
    assert qr.find("path") and not [e for e in drawn if e.tag == "style" or "style" in e.attrs]
    assert "QR code" in text_of(page)
    client.cookies.clear()
    _secret, codes, _code = await enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert await RecoveryCode.count() == 10
    stored = await RecoveryCode.select(RecoveryCode.code_hash)
    assert all(row["code_hash"].startswith("$argon2id$") for row in stored)
    assert not any(code.replace("-", "") in row["code_hash"] for code in codes for row in stored)
    assert (await client.get("/agent")).status_code == 200


async def test_a_code_is_refused_the_second_time_within_its_window(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    secret, _codes, used = await enrol(client)
    await sign_in_again(client)
    replay = await send_code(client, used)
    assert replay.status_code == 401
    assert "Ce code a déjà servi" in text_of(replay)
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303  # not in
    following = pyotp.TOTP(secret).at(time.time() + 30)  # a later step, within the drift
    assert (await send_code(client, following)).status_code == 303
    assert (await client.get("/agent")).status_code == 200
    # Through the API too.
    body = {"email": "chef@ot.fr", "password": STAFF_PASSWORD, "totp": following}
    assert (await client.post("/api/v1/auth/login", json=body)).status_code == 401
    assert await AuditLog.count().where(AuditLog.action == "code_refuse") == 1


async def test_a_recovery_code_signs_in_once(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    _secret, codes, _code = await enrol(client)
    await sign_in_again(client)
    rescued = await send_code(client, codes[3].upper())  # as typed from a sheet of paper
    assert rescued.status_code == 303 and rescued.headers["location"] == "/agent"
    assert (await client.get("/agent")).status_code == 200
    assert await RecoveryCode.count().where(RecoveryCode.used_at.is_not_null()) == 1
    await sign_in_again(client)
    again = await send_code(client, codes[3])
    assert again.status_code == 401
    assert "codes de secours" in text_of(again)


async def test_an_admin_resets_a_lost_second_factor_and_it_is_audited(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    admin_id = await make_staff("admin@ac.fr", role="admin", academie="")
    await enrol(client)
    chef = await User.select().where(User.email == "chef@ot.fr").first()
    client.cookies.clear()
    await login(client, "admin@ac.fr")
    listing = text_of(await client.get("/admin/utilisateurs"))
    assert "Réinitialiser le second facteur" in listing
    reset = await staff_post(
        client,
        f"/admin/utilisateurs/{chef['id']}",
        {"action": "reinitialiser_totp"},
        page_url="/admin/utilisateurs",
    )
    assert reset.status_code == 303
    after = await User.select().where(User.id == chef["id"]).first()
    assert after["totp_secret"] == "" and after["totp_required"]
    assert await RecoveryCode.count() == 0
    record = await AuditLog.select().where(AuditLog.action == "compte_reinitialiser_totp").first()
    assert record["user_id"] == admin_id
    assert record["detail"] in ({"user": chef["id"]}, f'{{"user": {chef["id"]}}}')
    # The supervisor enrols again at the next sign-in, with a new key.
    await sign_in_again(client)
    assert 'id="qr-totp"' in (await client.get("/connexion/code")).text


async def test_new_recovery_codes_replace_the_old_ones(client):
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    _secret, old_codes, _code = await enrol(client)
    account = await client.get("/compte")
    assert "Il vous reste 10 codes de secours" in text_of(account)
    renewed = await staff_post(client, "/compte/codes-de-secours", {}, page_url="/compte")
    assert renewed.status_code == 200
    new_codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", renewed.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert await AuditLog.count().where(AuditLog.action == "codes_de_secours_crees") == 2
    await sign_in_again(client)
    assert (await send_code(client, old_codes[0])).status_code == 401
    assert (await send_code(client, new_codes[0])).status_code == 303
