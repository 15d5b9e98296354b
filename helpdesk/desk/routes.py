"""The desk's routes, grouped by audience: each group's guard lets in its roles only (a 401
otherwise: the login for a page, JSON for the API), and its handlers get the `staff`
dependency (helpdesk.auth.service.provide_staff, given by the app)."""

from litestar import Router

from helpdesk.auth.service import staff_guard
from helpdesk.desk import (
    agent_api,
    anomaly_routes,
    incident_routes,
    queue_routes,
    supervisor_routes,
    ticket_routes,
)

PAGE_ROUTES = [
    Router(
        path="/",
        route_handlers=[*ticket_routes.ROUTES, *queue_routes.ROUTES, *anomaly_routes.ROUTES],
        guards=[staff_guard("agent", "supervisor")],
    ),
    Router(
        path="/",
        route_handlers=supervisor_routes.ROUTES,
        guards=[staff_guard("supervisor")],
    ),
    Router(
        path="/",
        route_handlers=incident_routes.ROUTES,
        guards=[staff_guard("supervisor", "admin")],  # admins: the national incidents
    ),
]
API_ROUTES = agent_api.ROUTES
