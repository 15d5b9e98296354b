"""Managing staff accounts: admins for everyone, supervisors for their académie's agents (the
router's guard lets in these two roles only)."""

from __future__ import annotations

import secrets

from litestar import Request, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from helpdesk.auth import second_factor, service
from helpdesk.auth.routes import mail_password_link
from helpdesk.auth.tables import ROLE_LABELS, ROLES, User
from helpdesk.contacts.uai import UaiError, normalise_uai
from helpdesk.core.inputs import column_limit, nfc, too_long
from helpdesk.core.web import PageNotFound, page


def manageable(staff: service.Staff):
    """Which accounts this person manages: all for an admin, the académie's agents for a supervisor."""
    if staff.role == "admin":
        return User.id > 0
    return (User.academie == staff.academie) & (User.role == "agent")


async def users_page(
    request: Request, staff: service.Staff, errors=None, values=None, status_code=200
) -> Template:
    users = (
        await User.select(
            User.id,
            User.email,
            User.name,
            User.role,
            User.academie,
            User.uais,
            User.active,
            User.totp_required,
            User.last_login_at,
            User.totp_secret,
        )
        .where(manageable(staff))
        .order_by(User.email)
        .output(load_json=True)
    )
    for user in users:  # whether a second factor is set, not the secret, goes to the page
        user["second_factor"] = bool(user.pop("totp_secret"))
    roles = ROLES if staff.role == "admin" else ("agent",)
    return page(
        "auth/users.html",
        status_code=status_code,
        staff=staff,
        users=users,
        roles=roles,
        role_labels=ROLE_LABELS,
        errors=errors or {},
        values=values or {},
        academies=request.app.state.academies.all,
        current="/admin/utilisateurs",
    )


@get("/admin/utilisateurs", include_in_schema=False)
async def list_users(request: Request, staff: service.CurrentStaff) -> Template:
    return await users_page(request, staff)


@post("/admin/utilisateurs", include_in_schema=False)
async def create(request: Request, staff: service.CurrentStaff) -> Template | Redirect:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("email", "name", "role", "academie", "uai")}
    errors = {}
    if staff.role == "supervisor":
        values["role"], values["academie"] = "agent", staff.academie
    email = str(form.get("email", ""))  # as sent: a line break inside is refused, not trimmed
    try:
        values["email"] = service.staff_email(
            email, request.app.state.settings.mail.check_deliverability
        )
    except ValueError as error:
        errors["email"] = str(error)
    else:
        if await User.exists().where(User.email == values["email"]):
            errors["email"] = "Un compte existe déjà pour cette adresse."
    if values["role"] not in ROLES:
        errors["role"] = "Choisissez un rôle."
    if values["role"] in ("agent", "supervisor") and not request.app.state.academies.get(
        values["academie"]
    ):
        errors["academie"] = "Choisissez l'académie de l'agent."
    uais = []
    if values["role"] == "establishment":
        try:
            uais = [normalise_uai(u) for u in values["uai"].replace(",", " ").split()]
        except UaiError as error:
            errors["uai"] = str(error)
        if not uais and "uai" not in errors:
            errors["uai"] = "Indiquez au moins un code UAI."
    values["name"] = nfc(values["name"])
    if too_long(values["name"], User.name):
        errors["name"] = f"Le nom tient en {column_limit(User.name)} caractères au plus."
    if errors:
        return await users_page(request, staff, errors, values, 422)
    user_id = await service.create_user(
        values["email"],
        secrets.token_urlsafe(24),
        values["role"],
        academie=values["academie"],
        uais=uais,
        name=values["name"],
    )
    await invite(request, values["email"])
    await service.audit(
        "compte_cree", staff.id, detail_email=values["email"], role=values["role"], user=user_id
    )
    return Redirect("/admin/utilisateurs", status_code=303)


async def invite(request: Request, email: str) -> None:
    """A new account chooses its own password through the lost-password link."""
    await mail_password_link(
        request, email, "Votre compte de l'assistance ÉduConnect", "invitation"
    )


@post("/admin/utilisateurs/{user_id:int}", include_in_schema=False)
async def update(request: Request, user_id: FromPath[int], staff: service.CurrentStaff) -> Redirect:
    target = await User.select().where((User.id == user_id) & manageable(staff)).first()
    if target is None or target["id"] == staff.id:
        raise PageNotFound("Ce compte n'existe pas, ou vous ne le gérez pas.")
    action = str((await request.form()).get("action", ""))
    if action == "desactiver":
        await service.set_active(user_id, False)  # its sessions and API tokens end now
        # What the other domains do then, given by the app (auth knows no ticket): the desk
        # hands the account's tickets back to « Personne ».
        for hand_back in request.app.state.on_staff_deactivated:
            await hand_back(user_id, target["name"] or target["email"], staff.id)
    elif action == "activer":
        await service.set_active(user_id, True)
    elif action == "exiger_totp":
        await User.update({User.totp_required: True}).where(User.id == user_id)
    elif action == "reinitialiser":
        await invite(request, target["email"])
    elif action == "reinitialiser_totp":  # a lost phone: enrols again at the next sign-in
        await second_factor.reset(user_id)
    await service.audit(f"compte_{action}", staff.id, user=user_id)
    return Redirect("/admin/utilisateurs", status_code=303)


ROUTES = [
    Router(
        path="/",
        route_handlers=[list_users, create, update],
        guards=[service.staff_guard("admin", "supervisor")],
    )
]
