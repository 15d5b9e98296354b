"""Whatever a mail holds, `ingest` places it, refuses it or keeps it in quarantine: never an
unhandled exception (hypothesis, bounded in examples and time)."""

import asyncio

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from helpdesk.app import build_state
from helpdesk.core.db import migrate
from helpdesk.mail.address import academie_address, reply_address
from helpdesk.mailin.ingest import ingest

OUTCOMES = {"reponse", "nouvelle", "rebond", "automatique", "refuse", "quarantaine", "doublon"}
HEADER_NAMES = [
    "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "MIME-Version",
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted",
    "Precedence", "List-Id", "Date",
]  # fmt: skip
CONTENT_TYPES = [
    "text/plain; charset=utf-8",
    "text/plain; charset=x-inconnu",
    "text/html",
    'multipart/mixed; boundary="b"',
    'multipart/alternative; boundary="b"',
    'multipart/report; report-type=delivery-status; boundary="b"',
    "message/rfc822",
    "image/png",
]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


def header_value(name: str):
    if name == "Content-Type":
        return st.sampled_from(CONTENT_TYPES) | text
    if name in ("From", "To", "Cc"):
        return st.sampled_from(["Claire <claire@example.fr>", "x@y", "<>", "@", ""]) | text
    if name in ("Message-ID", "In-Reply-To", "References"):
        return st.sampled_from(["<a@b>", "<a@b> <c@d>", "<", ""]) | text
    return text


headers = st.lists(
    st.sampled_from(HEADER_NAMES).flatmap(lambda n: st.tuples(st.just(n), header_value(n))),
    max_size=12,
)
parts = st.lists(
    st.tuples(st.sampled_from(CONTENT_TYPES), text, st.sampled_from(["7bit", "base64", "quoted-printable", "x"])),
    max_size=4,
)  # fmt: skip


def assemble(head: list, body: str, sub: list) -> bytes:
    lines = [f"{name}: {value}" for name, value in head]
    lines.append("")
    lines.append(body)
    for content_type, content, encoding in sub:
        lines += [
            "--b",
            f"Content-Type: {content_type}",
            f"Content-Transfer-Encoding: {encoding}",
            "",
            content,
        ]
    if sub:
        lines.append("--b--")
    return "\r\n".join(lines).encode("utf-8", errors="replace")


@pytest.mark.settings(mailin={"domain": "assistance.test"})
def test_ingest_never_raises_whatever_the_mail(settings):
    state = build_state(settings)
    asyncio.run(migrate(state.engine))
    recipients = st.lists(
        st.sampled_from(
            [
                reply_address(settings, "OT-2026-000001"),
                reply_address(settings, "OT-2026-000001")[:-14] + "0@assistance.test",
                academie_address(settings, "orleans-tours"),
                academie_address(settings, "inconnue"),
                "quelquun@ailleurs.example",
            ]
        ),
        max_size=2,
    )
    mails = st.builds(assemble, headers, text, parts) | st.binary(max_size=3000)

    @hypothesis_settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(raw=mails, to=recipients)
    def place(raw: bytes, to: list[str]) -> None:
        outcome = asyncio.run(ingest(state, raw, to))
        assert outcome.kind in OUTCOMES

    place()


def test_a_broken_mail_with_nul_and_bad_bytes_in_its_headers_is_quarantined(settings):
    """PostgreSQL refuses NUL in text: the quarantine keeps the header's text without it."""
    state = build_state(settings)
    asyncio.run(migrate(state.engine))
    raw = b"Subject: a\x00b \xff\xfe\r\nX-Test: 1\r\n\r\nsans exp\xe9diteur\x00"
    outcome = asyncio.run(ingest(state, raw, ["quelqu\x00un@ailleurs.example"]))
    assert outcome.kind == "quarantaine"
