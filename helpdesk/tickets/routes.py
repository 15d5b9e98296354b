"""The tickets' routes: the parents' pages (the form and the follow-up, behind CSRF) and the
API that creates a ticket."""

from helpdesk.tickets import api_routes, follow_routes, form_routes

FORM_ROUTES = [*form_routes.ROUTES, *follow_routes.ROUTES]
API_ROUTES = api_routes.ROUTES
