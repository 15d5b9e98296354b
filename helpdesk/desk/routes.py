"""The desk's routes: the staff pages (behind the session) and the agents' JSON API."""

from helpdesk.desk import (
    agent_api,
    anomaly_routes,
    incident_routes,
    queue_routes,
    supervisor_routes,
    ticket_routes,
)

PAGE_ROUTES = [
    *ticket_routes.ROUTES,
    *supervisor_routes.ROUTES,
    *incident_routes.ROUTES,
    *queue_routes.ROUTES,
    *anomaly_routes.ROUTES,
]
API_ROUTES = agent_api.ROUTES
