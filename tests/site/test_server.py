"""`helpdesk serve --workers N`: the real command on a free port, watched from outside: it
answers, several processes share the work, one that dies is replaced, SIGTERM ends it all.

Which process holds a connection is read from Linux's /proc (the server's children and their
sockets), nothing of the server's own insides."""

import http.client
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import start_live_server

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc de Linux")

# Several processes, no demo: the demo's mail catcher has a single port.
ENV = {"HELPDESK_DEMO": "0", "HELPDESK_MAIL_SENDER": "worker"}


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def open_connections(port: int) -> set[str]:
    """Inodes of the established TCP connections whose local port is `port` (server side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def get(port: int, path: str = "/health") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def holders_of_new_connections(server, count: int = 24) -> dict[int, int]:
    """Opens `count` new connections at once, a request on each, and says which of the
    server's processes holds how many of them."""
    port = port_of(server)
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(count)]
    try:
        for client in clients:
            client.request("GET", "/health")
            response = client.getresponse()
            response.read()
            assert response.status == 200
        opened = open_connections(port)
        held = {}
        for pid in children(server.process.pid):
            if n := len(socket_inodes(pid) & opened):
                held[pid] = n
        return held
    finally:
        for client in clients:
            client.close()


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError("délai dépassé")


def test_two_workers_answer_pages_under_concurrent_load_and_both_take_connections(tmp_path):
    with start_live_server(tmp_path, ENV, workers=2) as server:
        port = port_of(server)
        paths = ["/aide", "/aide/contact", "/health", "/api/v1/academies"] * 40
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda path: get(port, path), paths))
        assert statuses == [200] * len(paths)
        # The kernel places each new connection: two processes hold some of 24 new ones
        # (a worker still starting may miss one round).
        held = wait_for(lambda: len(h := holders_of_new_connections(server)) == 2 and h)
        assert sum(held.values()) == 24


def test_a_worker_that_dies_is_replaced_and_sigterm_stops_everything(tmp_path):
    with start_live_server(tmp_path, ENV, workers=2) as server:
        first = wait_for(lambda: len(c := children(server.process.pid)) == 2 and c)
        os.kill(first[0], signal.SIGKILL)
        now = wait_for(
            lambda: len(c := children(server.process.pid)) == 2 and first[0] not in c and c
        )
        assert first[1] in now
        assert wait_for(lambda: get(port_of(server)) == 200)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=40) == 0
        for pid in now:
            assert not Path(f"/proc/{pid}").exists()
