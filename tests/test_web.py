"""The widget's web server on a real port (Rasa is not running here: history
must fail politely)."""

import pytest
import requests

from bot.content import widget
from bot.content.problems import ContentError
from bot.servers.supervisor import serve
from bot.servers.web import WebServer, widget_config
from bot.settings import Settings
from harness.servers import free_port

EMBEDDING_SITE = "https://www.example-clinic.org"


@pytest.fixture(scope="module")
def web():
    port = free_port()
    settings = Settings.from_env(
        {
            "HAIP_WEB_PORT": str(port),
            "HAIP_RASA_PORT": str(free_port()),  # nothing listens there
            "HAIP_SOCKET_URL": "http://127.0.0.1:5005",
            "HAIP_CORS_ORIGINS": EMBEDDING_SITE,
        }
    )
    server = WebServer(settings, "secret-token", lambda: {"clinic_name": "X"})
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_the_demo_page_loads_the_widget_with_one_tag(web):
    page = requests.get(f"{web}/", timeout=5)
    assert page.status_code == 200
    assert page.text.count("<script") == 1 and "/widget/haip-chat.js" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "ws://127.0.0.1:5005" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/widget/haip-chat.js", "text/javascript"),
        ("/widget/haip-chat.css", "text/css"),
        ("/widget/socket.io.min.js", "text/javascript"),
    ],
)
def test_widget_files_are_served_from_here(web, path, kind):
    response = requests.get(web + path, timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(kind)
    assert len(response.content) > 1000


def test_the_socket_io_client_matches_rasas_server():
    # python-socketio 5.9 speaks Engine.IO 4, which socket.io-client 3 and 4 speak.
    import json

    from bot import paths

    lock = json.loads((paths.ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/socket.io-client"]["version"]
    assert version.split(".")[0] in {"3", "4"}


@pytest.mark.parametrize(
    "path",
    [
        "/widget/../bot/servers/supervisor.py",
        "/../../etc/passwd",
        "/widget/",
        "/web/demo/index.html",
    ],
)
def test_nothing_else_is_served(web, path):
    assert requests.get(web + path, timeout=5).status_code == 404


def test_config_and_history_allow_only_listed_sites(web):
    allowed = requests.get(f"{web}/widget/config.json", headers={"Origin": EMBEDDING_SITE})
    assert allowed.headers["Access-Control-Allow-Origin"] == EMBEDDING_SITE
    assert allowed.json()["clinic_name"] == "X"
    other = requests.get(f"{web}/widget/config.json", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_config_gives_the_widget_its_words_in_each_language(web):
    config = requests.get(f"{web}/widget/config.json", timeout=5).json()
    assert config["languages"] == [
        {"code": "en", "name": "English"},
        {"code": "es", "name": "Español"},
    ]
    assert set(config["labels"]) == {"en", "es"}
    assert all(set(texts) == set(widget.LABELS) for texts in config["labels"].values())
    assert config["labels"]["en"]["send"] == "Send" and config["labels"]["es"]["send"] == "Enviar"
    assert config["language_payloads"] == {
        "en": '/greet{"language": "en"}',
        "es": '/greet{"language": "es"}',
    }


def test_without_valid_content_the_config_offers_no_language():
    def broken():
        raise ContentError([])

    settings = Settings.from_env({"HAIP_SOCKET_URL": "http://127.0.0.1:5005"})
    config = widget_config(settings, lambda: {"clinic_name": "X"}, broken)
    assert config["languages"] == [] and config["labels"] == {}
    assert config["start_payload"] == "/greet"


@pytest.mark.parametrize("sender", ["patient-a", "..%2F..%2Fetc", "x" * 5000, "%3Cscript%3E"])
def test_history_refuses_ids_the_chat_never_makes(web, sender):
    response = requests.get(f"{web}/api/history/{sender}", timeout=5)
    assert response.status_code == 400 and response.json() == {"error": "not a chat id"}


def test_history_says_so_when_rasa_is_down(web):
    response = requests.get(f"{web}/api/history/{'a' * 32}", timeout=20)
    assert response.status_code == 502
    assert response.headers["Cache-Control"] == "no-store"
    assert "secret-token" not in response.text


def test_a_taken_port_is_reported_not_crashed(web, capsys):
    from pathlib import Path

    port = int(web.rsplit(":", 1)[1])
    settings = Settings.from_env({"HAIP_WEB_PORT": str(port)})
    with pytest.raises(OSError):
        WebServer(settings, "token", dict)
    # `make run` says so and stops before starting Rasa (the model is never read).
    assert serve(settings, Path("no-model.tar.gz")) == 1
    assert f"the web chat port {port} is not free" in capsys.readouterr().err


def _raw(web: str, data: bytes, timeout: float = 5) -> bytes:
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(web)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize("length", ["-1", "abc", "1e9", ""])
def test_a_bad_content_length_is_a_400_at_once(web, length):
    request = (
        f"POST /unsubscribe?t=x HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    if length == "":
        request = request.replace(b"Content-Length: \r\n", b"Content-Length: 12 x\r\n")
    assert _raw(web, request).startswith(b"HTTP/1.0 400")


def test_a_huge_unsubscribe_body_is_refused_unread(web):
    request = (
        b"POST /unsubscribe?t=x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert _raw(web, request).startswith(b"HTTP/1.0 413")


def test_half_sent_requests_are_cut_off_and_never_block_the_server(web):
    import socket
    import time
    from urllib.parse import urlsplit

    from bot.servers import web as web_module

    url = urlsplit(web)
    started = time.monotonic()
    # More slow clients than the server has threads, each sending half a request.
    slow = []
    for _ in range(web_module.MAX_THREADS + 20):
        conn = socket.create_connection((url.hostname, url.port), timeout=30)
        conn.sendall(b"GET /widget/config.json HTTP/1.1\r\nHost: x\r\n")
        slow.append(conn)
    try:
        # Each is closed by the server (at once past the thread cap, else once a
        # header line takes longer than the timeout), none answered.
        for conn in slow:
            assert conn.recv(4096) == b""
        assert time.monotonic() - started < 3 * web_module.REQUEST_TIMEOUT_S
        # And then a patient's page loads as before.
        assert requests.get(f"{web}/widget/config.json", timeout=5).status_code == 200
    finally:
        for conn in slow:
            conn.close()
