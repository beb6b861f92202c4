"""Closed-loop load over Rasa's REST channel: each client holds one conversation
and sends its next message as soon as the reply arrives, so the server, not the
client, sets the pace (with N clients, mean latency = N / throughput). Also the
latency of one long conversation, message by message."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

REPLY_TIMEOUT_S = 120

# What a reply must contain, by the kind of turn (bench/questions.py SCRIPT).
# A reply without it is counted as "unexpected", not as an error: the server
# answered, but a bench that measured the wrong answers would mislead.
EXPECTED = {
    "faq": ("Source",),  # every answer ends with its sources
    "urgent": ("911", "24-hour line"),
    "reminder": ("When is your next pump refill",),
    "reminder_date": ("Done.",),
    "not_understood": ("not sure I understood", "can't help with that"),
    "starter": (),  # any reply
}


@dataclass
class Turn:
    kind: str
    sent_s: float  # since the phase started
    latency_s: float
    error: str = ""
    unexpected: bool = False
    trouble: bool = False  # the channel's 'trouble' message: no answer in time


@dataclass
class Phase:
    clients: int
    duration_s: float
    turns: list[Turn] = field(default_factory=list)
    elapsed_s: float = 0.0

    def summary(self) -> dict:
        ok = [t.latency_s for t in self.turns if not t.error]
        return {
            "clients": self.clients,
            "duration_s": self.duration_s,
            "elapsed_s": round(self.elapsed_s, 2),
            "messages": len(self.turns),
            "replies": len(ok),
            "throughput_per_s": round(len(ok) / self.elapsed_s, 2) if self.elapsed_s else 0,
            "errors": sum(1 for t in self.turns if t.error),
            "unexpected": sum(1 for t in self.turns if t.unexpected),
            "trouble": sum(1 for t in self.turns if t.trouble),
            "median_s": percentile(ok, 50),
            "p95_s": percentile(ok, 95),
            "p99_s": percentile(ok, 99),
            "max_s": max(ok) if ok else None,
            "error_examples": sorted({t.error for t in self.turns if t.error})[:5],
        }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p% of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return round(ordered[int(rank) - 1], 4)


def ask(session: requests.Session, webhook: str, sender: str, text: str) -> list[dict]:
    response = session.post(
        webhook, json={"sender": sender, "message": text}, timeout=REPLY_TIMEOUT_S
    )
    response.raise_for_status()
    return response.json()


def judged(kind: str, replies: list[dict], trouble_text: str) -> Turn:
    text = "\n".join(r.get("text") or "" for r in replies)
    turn = Turn(kind, 0.0, 0.0)
    if not replies:
        turn.error = "empty reply"
    elif trouble_text and trouble_text in text:
        turn.trouble = True
    elif EXPECTED[kind] and not any(part in text for part in EXPECTED[kind]):
        turn.unexpected = True
    return turn


def closed_loop(
    webhook: str,
    script: list[tuple[str, str]],
    clients: int,
    duration_s: float,
    prefix: str,
    trouble_text: str = "",
) -> Phase:
    """`clients` threads, each going through `script` in a conversation of its
    own (a new sender id each time round), until duration_s is up; a message
    sent before then is waited for and counted."""
    phase = Phase(clients, duration_s)
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + duration_s

    def client(number: int) -> None:
        session = requests.Session()  # keep-alive, as a browser would
        # Staggered: the clients do not all begin with the same question.
        position = number * len(script) // clients
        round_ = 0
        while time.monotonic() < deadline:
            if position == len(script):
                position, round_ = 0, round_ + 1
            kind, text = script[position]
            sender = f"{prefix}-{number}-{round_}"
            sent = time.monotonic()
            try:
                turn = judged(kind, ask(session, webhook, sender, text), trouble_text)
            except (requests.RequestException, ValueError) as exc:
                turn = Turn(kind, 0.0, 0.0, error=f"{type(exc).__name__}: {exc}"[:200])
                session = requests.Session()
            turn.sent_s = sent - start
            turn.latency_s = time.monotonic() - sent
            with lock:
                phase.turns.append(turn)
            position += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.elapsed_s = time.monotonic() - start
    return phase


def warm_up(webhook: str, script: list[tuple[str, str]]) -> None:
    """The script once, in one conversation: first-use costs out of the figures."""
    session = requests.Session()
    for _, text in script:
        ask(session, webhook, "warm-up", text)


def conversation_growth(
    webhook: str,
    questions: list[str],
    sender: str,
    messages: int = 200,
    points: tuple[int, ...] = (1, 50, 100, 200),
    window: int = 5,
) -> dict:
    """One client, one conversation of `messages` FAQ questions; the median
    latency over `window` messages around each point (1: messages 1-5, 200:
    196-200), so one slow reply does not make the figure."""
    session = requests.Session()
    latencies: list[float] = []
    errors = 0
    for n in range(messages):
        started = time.monotonic()
        try:
            ask(session, webhook, sender, questions[n % len(questions)])
        except (requests.RequestException, ValueError):
            errors += 1
        latencies.append(time.monotonic() - started)
    at = {}
    for point in points:
        low = min(max(point - 1 - window // 2, 0), messages - window)
        at[str(point)] = round(statistics.median(latencies[low : low + window]), 4)
    return {
        "messages": messages,
        "window": window,
        "errors": errors,
        "median_s_at": at,
        "latencies_s": [round(x, 4) for x in latencies],
    }
