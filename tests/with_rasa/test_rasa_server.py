"""How two Rasa servers share one port during a model switch
(bot/rasa/server.py), with real sockets: a server still loading takes no
connection, the newest listening one takes every new connection, and when it
goes the other takes them again. The whole switch, with real servers, is in
tests/staff/test_staff_training_browser.py."""

import socket

import pytest

from bot.rasa.server import send_new_connections_here, shared_socket


@pytest.fixture
def port_of_two():
    old = shared_socket("127.0.0.1", 0)
    old.listen(100)
    assert send_new_connections_here(old)  # as every server does once it listens
    new = shared_socket("127.0.0.1", old.getsockname()[1])
    yield old, new
    old.close()
    new.close()


def accepted(port: int, listening: dict[str, socket.socket], n: int = 20) -> dict[str, int]:
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]
    counts = {}
    for name, server in listening.items():
        server.setblocking(False)
        counts[name] = 0
        while True:
            try:
                connection, _ = server.accept()
            except BlockingIOError:
                break
            connection.close()
            counts[name] += 1
    for client in clients:
        client.close()
    return counts


def test_new_connections_go_to_the_newest_server_once_it_listens(port_of_two):
    old, new = port_of_two
    port = old.getsockname()[1]
    assert accepted(port, {"old": old}) == {"old": 20}  # the new one loads: bound only
    new.listen(100)
    assert send_new_connections_here(new)
    assert accepted(port, {"old": old, "new": new}) == {"old": 0, "new": 20}
    new.close()  # a failed start, or the next switch's old server stopping
    assert accepted(port, {"old": old}) == {"old": 20}


def test_another_program_cannot_take_the_port_without_sharing_it_on_purpose(port_of_two):
    old, _ = port_of_two
    with socket.socket() as intruder, pytest.raises(OSError):
        intruder.bind(("127.0.0.1", old.getsockname()[1]))
