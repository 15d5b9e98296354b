"""Demo mode: « Répondre à ce courriel » on a caught mail sends the reply through the receiver,
and it lands on the ticket."""

from aiosmtpd.controller import Controller

from helpdesk.mailin.receiver import Handler
from helpdesk.mailin.tables import ReceivedMail
from tests.helpers import csrf_token, text_of
from tests.mail.conftest import free_port
from tests.mailin.conftest import messages_of


async def test_answering_a_caught_mail_from_the_demo_page(mailin):
    settings = mailin.state.settings
    ticket = await mailin.ticket(status="en_attente")
    caught = settings.data_dir / "courriels-demo"
    caught.mkdir(parents=True)
    (caught / "000001.eml").write_bytes(bytes(await mailin.sent_mail(ticket["reference"])))
    # The test client blocks the test's event loop while the page sends: the receiver's
    # handler listens from a thread of its own here, as a receiver in its own process would.
    settings = settings.with_changes(demo=True, mailin={"host": "127.0.0.1", "port": free_port()})
    mailin.state.settings = settings  # the app as it runs in demo mode, from now on
    receiver = Controller(Handler(mailin.state), hostname="127.0.0.1", port=settings.mailin.port)
    receiver.start()
    try:
        await answer_from_the_demo_page(mailin, ticket)
    finally:
        receiver.stop()


async def answer_from_the_demo_page(mailin, ticket):
    listing = text_of(await mailin.client.get("/demo/courriels"))
    assert "Répondre à ce courriel" in listing and "/demo/courriels/000001/repondre" in listing
    form = await mailin.client.get("/demo/courriels/000001/repondre")
    assert form.status_code == 200
    token = csrf_token(form.text)
    empty = await mailin.client.post(
        "/demo/courriels/000001/repondre", data={"_csrf_token": token, "message": " "}
    )
    assert empty.status_code == 422 and "Écrivez votre réponse." in text_of(empty)
    sent = await mailin.client.post(
        "/demo/courriels/000001/repondre",
        data={"_csrf_token": token, "message": "Voici ma réponse depuis la messagerie."},
        follow_redirects=False,
    )
    assert sent.status_code == 303, text_of(sent)[-3000:]
    assert sent.headers["location"] == "/demo/courriels?repondu=1"
    bodies = [m["body"] for m in await messages_of(ticket["id"])]
    assert bodies[-1] == "Voici ma réponse depuis la messagerie."
    assert await ReceivedMail.count() == 1
    assert "Votre réponse est partie par courriel" in text_of(
        await mailin.client.get("/demo/courriels?repondu=1")
    )


async def test_the_demo_reply_page_exists_only_in_demo_mode(mailin):
    assert (await mailin.client.get("/demo/courriels/000001/repondre")).status_code == 404
