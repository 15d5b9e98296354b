"""One schema for a request's fields: the checked request and the ticket's columns follow it."""

import dataclasses
import datetime as dt

import pytest

from helpdesk.tickets.schema import DATES, FIELDS, REQUIRED, stored_name
from helpdesk.tickets.tables import Ticket
from helpdesk.tickets.validation import CleanRequest

MISSING = dataclasses.MISSING


def test_the_checked_request_has_the_fields_of_the_schema():
    fields = dataclasses.fields(CleanRequest)
    expected = []
    for name in FIELDS:  # a date is kept as typed and as a date
        expected += [stored_name(name), name] if name in DATES else [name]
    assert [f.name for f in fields] == [*expected, "details"]
    required = {f.name for f in fields if f.default is MISSING and f.default_factory is MISSING}
    assert (
        required
        == REQUIRED
        == {
            "academie",
            "category",
            "degre",
            "message",
            "requester_kind",
            "requester_first_name",
            "requester_last_name",
            "requester_email",
        }
    )
    types = {f.name: f.type for f in fields}
    assert types["child_birth_date"] == dt.date | None and types["child_birth_date_typed"] is str


def test_every_field_of_the_checked_request_is_a_column_of_the_ticket():
    columns = {column._meta.name for column in Ticket._meta.columns}
    assert {f.name for f in dataclasses.fields(CleanRequest)} <= columns


def test_the_checked_request_is_built_by_name_with_its_defaults():
    request = CleanRequest(
        academie="orleans-tours",
        category="autre",
        degre="",
        message="Un message assez long.",
        requester_kind="parent",
        requester_first_name="Claire",
        requester_last_name="Martin",
        requester_email="claire@example.fr",
    )
    assert request.child_ine == "" and request.refused_birth_date is None
    assert request.details == {}
    with pytest.raises(TypeError):
        CleanRequest("orleans-tours")  # by name only: the schema's order may change
