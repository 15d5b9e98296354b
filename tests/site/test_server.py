"""`helpdesk serve --workers N`: each process listens on the port with a socket of its own
(SO_REUSEPORT), so that kept-alive connections are spread between processes; one that dies is
restarted; SIGTERM stops them all. Read from /proc (Linux, like production)."""

import http.client
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import start_live_server

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc de Linux")

# One process per worker, no in-process sender: the demo's mail catcher has one port.
ENV = {"HELPDESK_DEMO": "0", "HELPDESK_MAIL_SENDER": "worker"}


def sockets_of(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process has just ended
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on this local port in this state (0A: listening, 01: open)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def app_processes(server) -> list[int]:
    """The supervisor's children that listen on the port."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    listening = tcp_sockets(port_of(server), "0A")
    return [int(c) for c in children if sockets_of(int(c)) & listening]


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError("délai dépassé")


def test_each_process_listens_and_kept_alive_connections_end_evenly_shared(tmp_path):
    with start_live_server(tmp_path, ENV, workers=2) as server:
        processes = wait_for(lambda: len(app_processes(server)) == 2 and app_processes(server))
        listening = tcp_sockets(port_of(server), "0A")
        assert all(sockets_of(pid) & listening for pid in processes)
        assert len(listening) == 2  # a socket each, not one shared
        clients = [http.client.HTTPConnection("127.0.0.1", port_of(server)) for _ in range(24)]

        def held() -> list[int]:
            """Requests on every connection (a closed one reopens, placed anew by the
            kernel), then the connections each process holds."""
            for client in clients:
                client.request("GET", "/health")
                response = client.getresponse()
                response.read()
                assert response.status == 200
            opened = tcp_sockets(port_of(server), "01")
            return sorted(len(sockets_of(pid) & opened) for pid in processes)

        try:
            # FairShare: the busier process closes one connection at a time until both hold 12
            assert wait_for(lambda: held() == [12, 12], timeout=30)
        finally:
            for client in clients:
                client.close()


def test_a_process_that_dies_is_replaced_and_sigterm_stops_them_all(tmp_path):
    with start_live_server(tmp_path, ENV, workers=2) as server:
        first = wait_for(lambda: len(app_processes(server)) == 2 and app_processes(server))
        os.kill(first[0], signal.SIGKILL)
        now = wait_for(
            lambda: len(p := app_processes(server)) == 2 and first[0] not in p and p, timeout=30
        )
        assert first[1] in now
        connection = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=10)
        connection.request("GET", "/health")
        assert connection.getresponse().status == 200
        connection.close()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        for pid in now:
            assert not Path(f"/proc/{pid}").exists() or "Z" in status_of(pid)


def status_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "Z"


def test_a_process_dying_at_its_start_again_and_again_waits_longer_each_time():
    from helpdesk.server import Supervisor

    supervisor = Supervisor("127.0.0.1", 0, 1, access_log=False)
    supervisor.started[0] = 100.0
    delays = [supervisor.delay_before_restart(0, now=101.0) for _ in range(7)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert supervisor.delay_before_restart(0, now=200.0) == 0  # it had lived: restarted at once
