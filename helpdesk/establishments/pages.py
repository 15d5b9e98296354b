"""The establishments' pages, grouped by audience: each group's guard lets in its roles only (a
401 otherwise: the login), and its handlers get the `staff` dependency (given by the app) or,
for the pages of both spaces, the `who` dependency (helpdesk.establishments.access)."""

from litestar import Router
from litestar.di import Provide

from helpdesk.auth.service import staff_guard
from helpdesk.establishments import (
    batch_routes,
    bulk_routes,
    escalation_routes,
    routes,
    settings_routes,
    stats_routes,
)
from helpdesk.establishments.access import provide_viewer, space_guard

ROUTES = [
    # A school's accounts, under /etablissement/comptes (its staff) and /agent/etablissements
    # (the académie's agents and supervisors).
    Router(
        path="/",
        route_handlers=[
            *routes.ROUTES,
            *bulk_routes.ROUTES,
            *batch_routes.ROUTES,
            *stats_routes.SCHOOL_ROUTES,
            *settings_routes.SCHOOL_ROUTES,
        ],
        guards=[space_guard],
        dependencies={"who": Provide(provide_viewer)},
    ),
    Router(
        path="/",
        route_handlers=[*stats_routes.SUPERVISOR_ROUTES, *settings_routes.SUPERVISOR_ROUTES],
        guards=[staff_guard("supervisor")],
    ),
    Router(
        path="/",
        route_handlers=escalation_routes.ROUTES,
        guards=[staff_guard("establishment")],
    ),
]
