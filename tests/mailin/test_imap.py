"""The IMAP poller against a real Dovecot (Debian's `dovecot-imapd`), started here on a free
loopback port: unread replies are placed and marked read, none twice, none lost."""

import dataclasses
import imaplib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from helpdesk.mailin.imap import poll_once
from helpdesk.mailin.tables import ReceivedMail
from tests.mail.conftest import free_port
from tests.mailin.conftest import messages_of, reply
from tests.mailin.test_delivery import database_away

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclasses.dataclass
class Dovecot:
    port: int
    user: str = "assistance"
    password: str = "mot-de-passe-imap"

    def deliver(self, raw: bytes) -> None:
        """A mail arrives in the mailbox, unread."""
        mailbox = imaplib.IMAP4("127.0.0.1", self.port)
        mailbox.login(self.user, self.password)
        mailbox.append("INBOX", None, None, raw)
        mailbox.logout()

    def unread(self) -> int:
        mailbox = imaplib.IMAP4("127.0.0.1", self.port)
        mailbox.login(self.user, self.password)
        mailbox.select("INBOX")
        _, data = mailbox.uid("SEARCH", None, "UNSEEN")
        mailbox.logout()
        return len(data[0].split())


@pytest.fixture
def dovecot():
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.skip(
            "dovecot n'est pas installé (paquet Debian dovecot-imapd, `make test` l'installe)"
        )
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    folder.chmod(0o755)  # the mailboxes belong to `nobody`, who must reach them
    (folder / "home").mkdir()
    # Dovecot refuses root as the mailboxes' owner: `nobody` when the tests run as root.
    uid, gid = (65534, 65534) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(folder / "home", uid, gid)
    server = Dovecot(free_port())
    (folder / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    (folder / "dovecot.conf").write_text(
        CONFIG.format(folder=folder, port=server.port, uid=uid, gid=gid)
    )
    process = subprocess.Popen([binary, "-F", "-c", str(folder / "dovecot.conf")])
    try:
        for _ in range(100):
            try:
                imaplib.IMAP4("127.0.0.1", server.port).logout()
                break
            except OSError:
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def imap_settings(mailin, dovecot) -> None:
    mailin.state.settings = mailin.state.settings.with_changes(
        imap={
            "host": "127.0.0.1",
            "port": dovecot.port,
            "tls": "none",
            "user": dovecot.user,
            "password": dovecot.password,
        }
    )


async def test_unread_replies_are_placed_once_and_marked_read(mailin, dovecot):
    imap_settings(mailin, dovecot)
    ticket = await mailin.ticket(status="resolu")
    answer = reply(await mailin.sent_mail(ticket["reference"]), "Réponse relevée par IMAP.")
    dovecot.deliver(bytes(answer))
    dovecot.deliver(bytes(answer))  # delivered twice to the mailbox
    assert await poll_once(mailin.state) == 2
    assert dovecot.unread() == 0
    assert await poll_once(mailin.state) == 0
    bodies = [m["body"] for m in await messages_of(ticket["id"])]
    assert bodies[1:] == ["Réponse relevée par IMAP."]
    assert await ReceivedMail.count() == 1


async def test_a_mail_read_while_the_database_is_away_stays_unread(
    mailin, dovecot, settings, backend
):
    imap_settings(mailin, dovecot)
    ticket = await mailin.ticket()
    dovecot.deliver(bytes(reply(await mailin.sent_mail(ticket["reference"]), "Pendant la panne.")))
    async with database_away(settings, backend):
        assert await poll_once(mailin.state) == 0
    assert dovecot.unread() == 1
    assert await poll_once(mailin.state) == 1
    assert [m["body"] for m in await messages_of(ticket["id"])][1:] == ["Pendant la panne."]
