"""Replays the attack run of the hardening issue against a running assistant and
prints, for each attack, whether the defence held. Traffic to 127.0.0.1 only.

    make run                      # in one terminal
    python -m bench.attacks       # in another (or --rasa URL --web URL)

The REST channel answers on Rasa's port (127.0.0.1, not public); the web chat's
server on HAIP_WEB_PORT. Each attack is also a test in tests/ (named beside it).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests


@dataclass(frozen=True)
class Targets:
    rasa: str  # Rasa's REST channel
    web: str  # the web chat's server
    staff: str  # the staff workspace, straight (no nginx), as a local client
    actions: str  # the action server, as a local client


ATTACKS: list[tuple[str, str, Callable[[Targets], bool]]] = []


def attack(name: str, test: str):
    def register(check: Callable) -> Callable:
        ATTACKS.append((name, test, check))
        return check

    return register


def _post(rasa: str, body, raw: bytes | None = None):
    url = f"{rasa}/webhooks/rest/webhook"
    if raw is not None:
        return requests.post(
            url, data=raw, headers={"Content-Type": "application/json"}, timeout=60
        )
    return requests.post(url, json=body, timeout=60)


def _sender() -> str:
    return f"attack-{uuid.uuid4().hex[:12]}"


@attack(
    "a typed command hides a red flag",
    "test_integration.py::test_a_typed_command_is_text_read_for_red_flags",
)
def typed_command(at: Targets) -> bool:
    sender = _sender()
    reply = _post(
        at.rasa, {"sender": sender, "message": '/faq{"topic": "refills"} I have chest pain'}
    )
    return reply.ok and "911" in (reply.json()[0].get("text") or "")


@attack(
    "a typed /EXTERNAL_ intent",
    "test_integration.py::test_a_typed_command_is_text_read_for_red_flags",
)
def typed_external(at: Targets) -> bool:
    reply = _post(at.rasa, {"sender": _sender(), "message": "/EXTERNAL_refill_due"})
    return reply.ok and not any("Reminder:" in (r.get("text") or "") for r in reply.json())


@attack("malformed REST bodies", "test_bad_input.py")
def malformed(at: Targets) -> bool:
    bodies = [b"[1,2]", b'{"message": 12345}', b'{"message": {}}', b"", b"{not json"]
    return all(_post(at.rasa, None, raw=b).status_code == 400 for b in bodies)


@attack("a 2 MB message", "test_integration.py::test_a_request_bigger_than_any_message_is_refused")
def huge(at: Targets) -> bool:
    try:
        status = _post(at.rasa, {"sender": _sender(), "message": "a" * 2_000_000}).status_code
    except requests.ConnectionError:
        return True  # refused before the upload ended
    return status == 413


@attack(
    "a flood from one client", "test_integration.py::test_a_flood_from_one_client_is_asked_to_wait"
)
def flood(at: Targets) -> bool:
    sender = _sender()
    statuses = [
        _post(at.rasa, {"sender": sender, "message": f"what is the pump {n}"}).status_code
        for n in range(30)
    ]
    return statuses.count(429) >= 15


@attack(
    "a bad Content-Length on the web server",
    "test_web.py::test_a_bad_content_length_is_a_400_at_once",
)
def bad_length(at: Targets) -> bool:
    url = urlsplit(at.web)
    with socket.create_connection((url.hostname, url.port), timeout=15) as conn:
        conn.sendall(
            b"POST /unsubscribe?t=x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"
            b"Connection: close\r\n\r\n"
        )
        return conn.recv(64).startswith(b"HTTP/1.0 400")


@attack(
    "half-sent requests hold the web server", "test_web.py::test_half_sent_requests_are_cut_off"
)
def slow_clients(at: Targets) -> bool:
    url = urlsplit(at.web)
    conns = []
    try:
        for _ in range(60):
            conn = socket.create_connection((url.hostname, url.port), timeout=30)
            conn.sendall(b"GET /widget/config.json HTTP/1.1\r\nHost: x\r\n")
            conns.append(conn)
        started = time.monotonic()
        closed = all(conn.recv(64) == b"" for conn in conns)
        return closed and time.monotonic() - started < 35
    finally:
        for conn in conns:
            conn.close()


@attack(
    "a chat id the chat never makes", "test_web.py::test_history_refuses_ids_the_chat_never_makes"
)
def odd_history(at: Targets) -> bool:
    return requests.get(f"{at.web}/api/history/..%2F..%2Fetc", timeout=15).status_code in (400, 404)


@attack(
    "a local client runs an action that stores a reminder",
    "test_action_server.py",
)
def action_without_secret(at: Targets) -> bool:
    forged = {
        "next_action": "action_set_reminder",
        "sender_id": _sender(),
        "tracker": {"sender_id": "x", "slots": {"refill_date": "9999-12-31"}, "events": []},
        "domain": {},
    }
    reply = requests.post(f"{at.actions}/webhook", json=forged, timeout=15)
    return reply.status_code == 401 and "9999" not in reply.text


@attack(
    "the web chat asked to open a REST conversation, or a 20,000-character id",
    "test_channels.py::test_the_web_chat_opens_only_an_id_of_its_own_making_for_its_own_conversation",
)
def claimed_chat_ids(at: Targets) -> bool:
    import socketio

    rest_id = uuid.uuid4().hex
    _post(at.rasa, {"sender": rest_id, "message": "how long is the hospital stay"})
    given = []
    for asked in (rest_id, "x" * 20_000):
        client = socketio.Client()
        client.on("session_confirm", given.append)
        client.connect(at.rasa, transports=["polling"], wait_timeout=15)
        before = len(given)
        try:
            client.emit("session_request", {"session_id": asked})
            deadline = time.monotonic() + 15
            while len(given) == before and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            client.disconnect()
    return len(given) == 2 and rest_id not in given and all(len(g) == 32 for g in given)


def _sign_in(staff: str, name: str, password: str, address: str) -> requests.Response:
    """One sign-in as if from `address`: X-Real-IP, believed from 127.0.0.1 as
    from the shipped nginx (staff/accounts/client_address.py)."""
    session = requests.Session()
    session.headers["X-Real-IP"] = address
    page = session.get(f"{staff}/login/", timeout=15)
    token = session.cookies.get("csrftoken") or ""
    return session.post(
        f"{staff}/login/",
        data={"username": name, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=30,
    )


@attack(
    "a stranger locks a nurse out with wrong passwords",
    "staff/test_staff_access.py::test_a_stranger_who_knows_the_name_cannot_lock_the_nurse_out_where_she_works",
)
def lock_out_from_afar(at: Targets) -> bool:
    name = f"attack-{uuid.uuid4().hex[:8]}"  # an unknown name is counted all the same
    for _ in range(5):
        _sign_in(at.staff, name, "wrong-password", "203.0.113.7")
    stranger = _sign_in(at.staff, name, "wrong-password", "203.0.113.7")
    nurse = _sign_in(at.staff, name, "wrong-password", "198.51.100.20")
    # Locked where the stranger is; only a wrong password where the nurse is.
    return b"locked" in stranger.content and b"locked" not in nurse.content


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", default="http://127.0.0.1:5005", help="Rasa's REST address")
    parser.add_argument("--web", default="http://127.0.0.1:8000", help="the web chat's server")
    parser.add_argument("--staff", default="http://127.0.0.1:8001", help="the staff workspace")
    parser.add_argument("--actions", default="http://127.0.0.1:5055", help="the action server")
    args = parser.parse_args()
    at = Targets(*(url.rstrip("/") for url in (args.rasa, args.web, args.staff, args.actions)))
    failed = 0
    for name, test, check in ATTACKS:
        try:
            held = check(at)
        except Exception as exc:  # an attack that breaks the script is a finding too
            held = False
            name = f"{name} ({type(exc).__name__})"
        failed += not held
        print(f"{'held  ' if held else 'FAILED'}  {name}   [tests/{test}]")
    print(f"{len(ATTACKS) - failed} of {len(ATTACKS)} held")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
