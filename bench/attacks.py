"""Replays the attack run of the hardening issue against a running assistant and
prints, for each attack, whether the defence held. Traffic to 127.0.0.1 only.

    make run                      # in one terminal
    python bench/attacks.py       # in another (or --rasa URL --web URL)

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
from urllib.parse import urlsplit

import requests

ATTACKS: list[tuple[str, str, Callable]] = []


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
def typed_command(rasa: str, web: str) -> bool:
    sender = _sender()
    reply = _post(rasa, {"sender": sender, "message": '/faq{"topic": "refills"} I have chest pain'})
    return reply.ok and "911" in (reply.json()[0].get("text") or "")


@attack(
    "a typed /EXTERNAL_ intent",
    "test_integration.py::test_a_typed_command_is_text_read_for_red_flags",
)
def typed_external(rasa: str, web: str) -> bool:
    reply = _post(rasa, {"sender": _sender(), "message": "/EXTERNAL_refill_due"})
    return reply.ok and not any("Reminder:" in (r.get("text") or "") for r in reply.json())


@attack("malformed REST bodies", "test_bad_input.py")
def malformed(rasa: str, web: str) -> bool:
    bodies = [b"[1,2]", b'{"message": 12345}', b'{"message": {}}', b"", b"{not json"]
    return all(_post(rasa, None, raw=b).status_code == 400 for b in bodies)


@attack("a 2 MB message", "test_integration.py::test_a_request_bigger_than_any_message_is_refused")
def huge(rasa: str, web: str) -> bool:
    try:
        status = _post(rasa, {"sender": _sender(), "message": "a" * 2_000_000}).status_code
    except requests.ConnectionError:
        return True  # refused before the upload ended
    return status == 413


@attack(
    "a flood from one client", "test_integration.py::test_a_flood_from_one_client_is_asked_to_wait"
)
def flood(rasa: str, web: str) -> bool:
    sender = _sender()
    statuses = [
        _post(rasa, {"sender": sender, "message": f"what is the pump {n}"}).status_code
        for n in range(30)
    ]
    return statuses.count(429) >= 15


@attack(
    "a bad Content-Length on the web server",
    "test_web.py::test_a_bad_content_length_is_a_400_at_once",
)
def bad_length(rasa: str, web: str) -> bool:
    url = urlsplit(web)
    with socket.create_connection((url.hostname, url.port), timeout=15) as conn:
        conn.sendall(
            b"POST /unsubscribe?t=x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"
            b"Connection: close\r\n\r\n"
        )
        return conn.recv(64).startswith(b"HTTP/1.0 400")


@attack(
    "half-sent requests hold the web server", "test_web.py::test_half_sent_requests_are_cut_off"
)
def slow_clients(rasa: str, web: str) -> bool:
    url = urlsplit(web)
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
def odd_history(rasa: str, web: str) -> bool:
    return requests.get(f"{web}/api/history/..%2F..%2Fetc", timeout=15).status_code in (400, 404)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa", default="http://127.0.0.1:5005", help="Rasa's REST address")
    parser.add_argument("--web", default="http://127.0.0.1:8000", help="the web chat's server")
    args = parser.parse_args()
    failed = 0
    for name, test, check in ATTACKS:
        try:
            held = check(args.rasa.rstrip("/"), args.web.rstrip("/"))
        except Exception as exc:  # an attack that breaks the script is a finding too
            held = False
            name = f"{name} ({type(exc).__name__})"
        failed += not held
        print(f"{'held  ' if held else 'FAILED'}  {name}   [tests/{test}]")
    print(f"{len(ATTACKS) - failed} of {len(ATTACKS)} held")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
