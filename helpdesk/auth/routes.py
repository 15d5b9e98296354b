"""Staff login (password, then TOTP when set), logout, lost password; API tokens; the logged-in
staff member's own pages (any role: their router's guard asks only for a session)."""

from __future__ import annotations

import json

from litestar import Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth import second_factor, service, throttle
from helpdesk.auth.flash import flashed, redirect_with
from helpdesk.auth.passwords import new_totp_secret, password_problem, totp_uri
from helpdesk.auth.sessions import came_with_session, restart_without_session
from helpdesk.auth.tables import User
from helpdesk.core.ratelimit import Limit
from helpdesk.core.web import PageNotFound, client_ip, page
from helpdesk.mail.service import queue_mail

LOGIN_PER_IP = Limit("login_ip", 20, 60)
TOO_MANY = "Trop de tentatives de connexion. Patientez quelques minutes avant de réessayer."


def safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else ""


async def login_refusal(request: Request, email: str) -> str:
    """Why this attempt is refused before any check (empty: it may go on): too many attempts
    from this client address, or this account's delay after failures (helpdesk.auth.throttle)."""
    state = request.app.state
    if not await state.rate_limiter.hit(LOGIN_PER_IP, client_ip(request)):
        return TOO_MANY
    wait = await throttle.wait_left(
        state.rate_limiter, email, state.settings.rate_limits.login_delay_seconds
    )
    return throttle.wait_message(wait) if wait > 0 else ""


async def login_failed(request: Request, email: str) -> None:
    await throttle.failed(request.app.state.rate_limiter, email)


async def login_succeeded(request: Request, email: str) -> None:
    await throttle.succeeded(request.app.state.rate_limiter, email)


async def text_field(request: Request, name: str) -> str:
    form = await request.form()
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def open_session(request: Request, user: dict) -> None:
    """Under an id drawn for this login: the password form comes without a session (see
    helpdesk.auth.sessions), the code form with the one the password form opened."""
    request.set_session({"user_id": user["id"], "epoch": user["session_epoch"]})


@get("/connexion", include_in_schema=False)
async def login_form(request: Request) -> Template:
    if not request.session:  # no file and no cookie for a visit: the form goes without session
        request.clear_session()
    return page(
        "auth/login.html",
        errors={},
        values={},
        suite=safe_next(request.query_params.get("suite", "")),
    )


@post("/connexion", include_in_schema=False)
async def login(request: Request) -> Template | Redirect:
    if came_with_session(request):  # never log in under an id that existed before (fixation)
        return restart_without_session(request)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    suite = safe_next(str(form.get("suite", "")))
    refusal = await login_refusal(request, email)
    if refusal:
        await service.audit("connexion_bloquee", ip=client_ip(request), email=email)
        return page(
            "auth/login.html",
            status_code=429,
            errors={"_": refusal},
            values={"email": email},
            suite=suite,
        )
    user = await service.check_credentials(email, password)
    if user is None:
        await login_failed(request, email)
        await service.audit("connexion_refusee", ip=client_ip(request), email=email)
        return page(
            "auth/login.html",
            status_code=401,
            values={"email": email},
            suite=suite,
            errors={"_": "Adresse électronique ou mot de passe incorrect."},
        )
    if user["totp_secret"] or user["totp_required"]:
        request.set_session({"pending_user": user["id"], "suite": suite})
        return Redirect("/connexion/code", status_code=303)
    await login_succeeded(request, email)
    open_session(request, user)
    await service.audit("connexion", user["id"], client_ip(request))
    return Redirect(suite or service.staff_from_row(user).home, status_code=303)


async def pending_user(request: Request) -> dict:
    user_id = (request.session or {}).get("pending_user")
    user = await User.select().where(User.id == user_id).first() if user_id else None
    if user is None:
        raise PageNotFound("Reprenez la connexion depuis le début.")
    return user


def enrolment(secret: str, user: dict) -> dict:
    uri = totp_uri(secret, user["email"])
    return {"secret": secret, "uri": uri, "qr": second_factor.qr_svg(uri)}


@get("/connexion/code", include_in_schema=False)
async def totp_form(request: Request) -> Template:
    user = await pending_user(request)
    enrol = None
    if not user["totp_secret"]:
        secret = request.session.get("new_totp") or new_totp_secret()
        request.session["new_totp"] = secret
        enrol = enrolment(secret, user)
    return page("auth/totp.html", errors={}, enrol=enrol)


CODE_ERRORS = {
    "": "Ce code n'est pas valide. Saisissez les 6 chiffres affichés par votre application, "
    "ou un de vos codes de secours.",
    "rejeu": "Ce code a déjà servi. Attendez que votre application en affiche un nouveau "
    "(30 secondes au plus).",
}


@post("/connexion/code", include_in_schema=False)
async def totp_check(request: Request) -> Template | Redirect:
    user = await pending_user(request)
    code = await text_field(request, "code")
    refusal = await login_refusal(request, user["email"])
    if refusal:
        return page("auth/totp.html", status_code=429, errors={"code": refusal}, enrol=None)
    secret = user["totp_secret"] or request.session.get("new_totp", "")
    proof = await second_factor.check(user, secret, code)
    if proof not in ("totp", "secours"):
        await login_failed(request, user["email"])
        replay = {"rejeu": True} if proof == "rejeu" else {}
        await service.audit("code_refuse", user["id"], client_ip(request), **replay)
        return page(
            "auth/totp.html",
            status_code=401,
            enrol=None if user["totp_secret"] else enrolment(secret, user),
            errors={"code": CODE_ERRORS[proof]},
        )
    suite = request.session.get("suite", "") or service.staff_from_row(user).home
    await login_succeeded(request, user["email"])
    open_session(request, user)
    how = {"code_de_secours": True} if proof == "secours" else {"second_facteur": True}
    await service.audit("connexion", user["id"], client_ip(request), **how)
    if not user["totp_secret"]:  # enrolled now: the recovery codes, shown this once
        await User.update({User.totp_secret: secret}).where(User.id == user["id"])
        codes = await second_factor.new_recovery_codes(user["id"])
        await service.audit("codes_de_secours_crees", user["id"], client_ip(request))
        return page("auth/recovery_codes.html", codes=codes, suite=suite)
    return Redirect(suite, status_code=303)


@post("/deconnexion", include_in_schema=False)
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/connexion?deconnecte=1", status_code=303)


@post("/deconnexion/partout", include_in_schema=False)
async def logout_everywhere(request: Request, staff: service.CurrentStaff) -> Redirect:
    await service.logout_everywhere(staff.id)
    await service.audit("deconnexion_partout", staff.id, client_ip(request))
    request.clear_session()
    return Redirect("/connexion?deconnecte=1", status_code=303)


@get("/connexion/mot-de-passe-perdu", include_in_schema=False)
async def lost_password_form() -> Template:
    return page("auth/lost_password.html", sent=False, errors={})


@post("/connexion/mot-de-passe-perdu", include_in_schema=False)
async def lost_password(request: Request) -> Template:
    state = request.app.state
    email = (await text_field(request, "email")).lower()
    limiter = state.rate_limiter
    allowed = await limiter.hit(
        Limit("staff_reset", 5, 3600), client_ip(request)
    ) and await limiter.hit(Limit("staff_reset_mail", 3, 3600), email)
    subject = "Choisir un nouveau mot de passe - Assistance ÉduConnect"
    # The lookup and the mail after the response: its time tells nothing of which accounts exist.
    task = BackgroundTask(mail_password_link, request, email, subject, "mot_de_passe_agent")
    return Template(
        template_name="auth/lost_password.html",
        context={"sent": True, "errors": {}},
        background=task if allowed else None,
    )


async def mail_password_link(request: Request, email: str, subject: str, kind: str) -> None:
    """Mail a one-hour link to choose a password, when an active account has this address."""
    state = request.app.state
    started = await service.start_password_reset(email)
    if started:
        user, token = started
        await queue_mail(
            state.jinja,
            state.settings,
            to=user["email"],
            subject=subject,
            template="mot_de_passe_agent",
            context={
                "user": user,
                "url": f"{state.settings.public_base_url}/connexion/nouveau-mot-de-passe/{token}",
            },
            kind=kind,
        )


@get("/connexion/nouveau-mot-de-passe/{token:str}", include_in_schema=False)
async def reset_form(token: FromPath[str]) -> Template:
    if await service.reset_target(token) is None:
        raise PageNotFound("Ce lien a expiré ou a déjà servi. Demandez-en un nouveau.")
    return page("auth/reset.html", errors={}, token=token)


@post("/connexion/nouveau-mot-de-passe/{token:str}", include_in_schema=False)
async def reset(request: Request, token: FromPath[str]) -> Template | Redirect:
    target = await service.reset_target(token)
    if target is None:
        raise PageNotFound("Ce lien a expiré ou a déjà servi. Demandez-en un nouveau.")
    form = await request.form()
    password, again = str(form.get("password", "")), str(form.get("password2", ""))
    problem = password_problem(password) or (
        "" if password == again else "Les deux mots de passe diffèrent."
    )
    if problem:
        return page("auth/reset.html", status_code=422, errors={"password": problem}, token=token)
    await service.finish_password_reset(target, password)
    await service.audit("mot_de_passe_change", target["user"], client_ip(request))
    return Redirect("/connexion?nouveau=1", status_code=303)


@get("/compte", include_in_schema=False)
async def my_account(request: Request, staff: service.CurrentStaff) -> Template:
    user = await User.select().where(User.id == staff.id).first()
    return page(
        "auth/compte.html",
        staff=staff,
        user=user,
        current="/compte",
        message=flashed(request),
        recovery_left=(
            await second_factor.recovery_codes_left(staff.id) if user["totp_secret"] else None
        ),
    )


@post("/compte/codes-de-secours", include_in_schema=False)
async def renew_recovery_codes(request: Request, staff: service.CurrentStaff) -> Template:
    """New recovery codes, shown once; the older ones stop working."""
    user = await User.select(User.totp_secret).where(User.id == staff.id).first()
    if not user["totp_secret"]:
        raise PageNotFound("Votre compte n'a pas encore de second facteur.")
    codes = await second_factor.new_recovery_codes(staff.id)
    await service.audit("codes_de_secours_crees", staff.id, client_ip(request))
    return page("auth/recovery_codes.html", codes=codes, suite="/compte")


@post("/compte", include_in_schema=False)
async def my_account_save(request: Request, staff: service.CurrentStaff) -> Redirect:
    form = await request.form()
    await User.update({User.notify_by_mail: form.get("notifications") == "1"}).where(
        User.id == staff.id
    )
    if form.get("totp") == "1":
        await User.update({User.totp_required: True}).where(User.id == staff.id)
    return redirect_with(request, "/compte", "Préférences enregistrées.")


PAGE_ROUTES = [
    # The logged-in staff member's own pages, whatever their role.
    Router(
        path="/",
        route_handlers=[my_account, my_account_save, renew_recovery_codes, logout_everywhere],
        guards=[service.staff_guard()],
    ),
    login_form,
    login,
    totp_form,
    totp_check,
    logout,
    lost_password_form,
    lost_password,
    reset_form,
    reset,
]


# --- API tokens ------------------------------------------------------------------------


@post(
    "/api/v1/auth/login",
    tags=["Authentification"],
    summary="Obtenir un jeton d'accès",
    status_code=200,
)
async def api_login(request: Request) -> Response:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        body = None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("email"), str)
        or not isinstance(body.get("password"), str)
    ):
        return Response(
            {"errors": {"_": "Envoyez un objet JSON {email, password}."}}, status_code=422
        )
    email = body["email"].strip().lower()
    refusal = await login_refusal(request, email)
    if refusal:
        return Response({"errors": {"_": refusal}}, status_code=429)
    user = await service.check_credentials(email, body["password"])
    if user is None:
        await login_failed(request, email)
        await service.audit("connexion_refusee", ip=client_ip(request), email=email, api=True)
        return Response(
            {"errors": {"_": "Adresse électronique ou mot de passe incorrect."}}, status_code=401
        )
    if user["totp_secret"] or user["totp_required"]:
        code = body.get("totp")
        proof = ""
        if isinstance(code, str) and user["totp_secret"]:
            proof = await second_factor.check(user, user["totp_secret"], code)
        if proof not in ("totp", "secours"):
            await login_failed(request, email)
            return Response(
                {"errors": {"totp": "Code à usage unique requis ou invalide."}}, status_code=401
            )
    await login_succeeded(request, email)
    token = await service.issue_api_token(user["id"])
    await service.audit("connexion", user["id"], client_ip(request), api=True)
    return Response({"token": token, "expires_in": int(service.API_TOKEN_LIFETIME.total_seconds())})


@post(
    "/api/v1/auth/logout",
    tags=["Authentification"],
    summary="Révoquer le jeton",
    status_code=200,
    guards=[service.staff_guard()],  # a valid token: the one revoked
    security=service.BEARER_SECURITY,
)
async def api_logout(request: Request) -> Response:
    await service.revoke_api_token(request.headers["authorization"][7:].strip())
    return Response({"revoked": True})


API_ROUTES = [api_login, api_logout]
