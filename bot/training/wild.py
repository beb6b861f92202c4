"""Score the wild set (eval/wild/questions.yml, written by eval/wild/PROTOCOL.md
from pages our content never drew on) on the whole reply a patient reads.

Each question goes through the trained model and our real action server, as
in a conversation of its own, and the reply is judged, never the intent alone:

- right: the reply gives the answer of a topic the question expects (all of
  the topic's answer sentences are in it), or the reply of an expected intent
  (medical-advice refusal, a person, ...); an urgent question also gets the
  urgent line first;
- safe not-sure: no answer, but the "not sure" reply offers an expected topic
  as a button;
- wrong: anything else. A wrong reply that gives some topic's answer is a
  *wrong answer*, the worst outcome: it is what the release gate counts.

False-premise questions count as corrected when the reply is right and says
what is true first (the topic's correction of that belief); a topic that
names no beliefs corrects none.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from bot import paths
from bot.content import answers
from bot.content.loader import Content
from bot.content.sentences import sentences
from bot.intents import URGENT
from bot.settings import Settings

RIGHT, NOT_SURE, WRONG = "right", "safe not-sure", "wrong"


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    expect: tuple[str, ...]
    false_premise: bool = False
    urgent: bool = False
    new_topic: bool = False


@dataclass
class Scored:
    question: Question
    outcome: str
    intent: str
    answered: list[str] = field(default_factory=list)  # topics whose answer was given
    offered: list[str] = field(default_factory=list)  # topic buttons of a not-sure reply
    corrected: bool = False

    @property
    def wrong_answer(self) -> bool:
        return self.outcome == WRONG and bool(self.answered)


def load(path: Path = paths.WILD_SET) -> list[Question]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(
            id=str(item["id"]),
            text=str(item["text"]),
            expect=tuple(item["expect"]),
            false_premise=bool(item.get("false_premise")),
            urgent=bool(item.get("urgent")),
            new_topic=bool(item.get("new_topic")),
        )
        for item in items
    ]


def _flat(text: str) -> str:
    return " ".join(text.split())


def topics_answered(content: Content, reply_text: str) -> list[str]:
    """Topics whose whole answer (every sentence, in any order), in English or in
    a translation patients are shown, is in the reply."""
    flat = _flat(reply_text)
    found = []
    for topic in content.topics.values():
        bodies = [answers.body(content, topic)]
        for language in topic.translations:
            if translation := answers.shown_translation(content, topic, language):
                pump_type = content.clinic.get("pump_type")
                bodies.append(content.render(translation.answer_for(pump_type) or "", language))
        for body in bodies:
            parts = sentences(body)
            if parts and all(part in flat for part in parts):
                found.append(topic.id)
                break
    return found


def buttons_offered(content: Content, replies: list[dict]) -> list[str]:
    """The topics offered as buttons, read with the payloads the assistant makes."""
    topic_of = {answers.topic_button(t)["payload"]: t.id for t in content.topics.values()}
    return [
        topic_of[button.get("payload")]
        for reply in replies
        for button in reply.get("buttons") or []
        if button.get("payload") in topic_of
    ]


def score(
    content: Content,
    question: Question,
    parse: dict,
    replies: list[dict],
    intent_names: Collection[str] | None = None,
) -> Scored:
    """How the reply does; `intent_names` tells intents from topics in `expect`
    (domain.yml's, unless given)."""
    intent_names = domain_intents() if intent_names is None else intent_names
    text = "\n".join(r.get("text") or "" for r in replies)
    intent = (parse.get("intent") or {}).get("name") or ""
    answered = topics_answered(content, text)
    urgent_first = (
        bool(replies)
        and intent == URGENT
        and (
            "911" in (replies[0].get("text") or "")
            or content.clinic["phone_24h"] in (replies[0].get("text") or "")
        )
    )
    expected_topics = [e for e in question.expect if e not in intent_names]
    expected_intents = [e for e in question.expect if e in intent_names]
    right = any(t in answered for t in expected_topics) or (
        intent in expected_intents and bool(text.strip())
    )
    if question.urgent:
        right = urgent_first and (right or not expected_topics)
    not_sure = [
        sentences(answers.message(content, "not_sure", language=language).text)[0]
        for language in ("en", "es")
    ]
    unsure = any(opening in text for opening in not_sure)
    offered = buttons_offered(content, replies) if not answered and unsure else []
    if right:
        outcome = RIGHT
    elif any(t in offered for t in expected_topics):
        outcome = NOT_SURE
    else:
        outcome = WRONG
    corrected = right and bool(question.false_premise) and _corrects(content, answered, replies)
    return Scored(question, outcome, intent, answered, offered, corrected)


def _corrects(content: Content, answered: list[str], replies: list[dict]) -> bool:
    """The answer opens with its topic's correction of a common belief."""
    for reply in replies:
        text = _flat(reply.get("text") or "")
        for topic_id in answered:
            for myth in content.topics[topic_id].myths:
                if text.startswith(_flat(content.render(myth.correction))):
                    return True
    return False


@cache
def domain_intents() -> frozenset[str]:
    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text(encoding="utf-8"))
    return frozenset(i if isinstance(i, str) else next(iter(i)) for i in domain["intents"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _converse(model: Path, questions: list[Question], action_url: str, secret: str):
    from bot.rasa import agent as rasa_agent
    from bot.servers import action_secret

    agent = rasa_agent.load(model, action_url, headers={action_secret.HEADER: secret})
    results = []
    for question in questions:
        sender = f"wild-{question.id}"
        # As the chat widget opens a conversation: the welcome, then the question.
        await agent.handle_text("/greet", sender_id=sender)
        parse = await agent.parse_message(question.text)
        replies = await agent.handle_text(question.text, sender_id=sender)
        results.append((parse, replies or []))
    return results


def run(model: Path, content: Content, questions: list[Question]) -> list[Scored]:
    """Every question through the model and a real action server on 127.0.0.1,
    started as the supervisor starts it (its own reminder store)."""
    from bot.servers import action_secret, supervisor

    secret = action_secret.new()
    with tempfile.TemporaryDirectory(prefix="haip-wild-") as scratch:
        settings = Settings.from_env(
            {
                "HAIP_HOST": "127.0.0.1",
                "HAIP_ACTIONS_PORT": str(_free_port()),
                "HAIP_REMINDERS_DB": str(Path(scratch) / "reminders.db"),
                "HAIP_TRACKER_DB": str(Path(scratch) / "tracker.db"),
            }
        )
        server = subprocess.Popen(
            supervisor.commands(settings, model)[supervisor.ACTIONS],
            cwd=paths.ROOT,
            env={**supervisor.child_env(settings), action_secret.VARIABLE: secret},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            health = supervisor.ready_urls(settings)[supervisor.ACTIONS]
            deadline = time.monotonic() + 120
            while not supervisor.is_up(health):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the action server did not start for the wild set")
                time.sleep(0.2)
            conversations = asyncio.run(
                _converse(model, questions, f"{settings.actions_url}/webhook", secret)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return [
        score(content, q, parse, replies)
        for q, (parse, replies) in zip(questions, conversations, strict=True)
    ]


def report(scored: list[Scored]) -> dict:
    total = len(scored)
    outcomes = Counter(s.outcome for s in scored)
    premises = [s for s in scored if s.question.false_premise]
    existing = [s for s in scored if not s.question.new_topic]
    return {
        "questions": total,
        "right": outcomes[RIGHT] / total,
        "safe_not_sure": outcomes[NOT_SURE] / total,
        "wrong": outcomes[WRONG] / total,
        "wrong_answers": [
            {"id": s.question.id, "expected": list(s.question.expect), "answered": s.answered}
            for s in scored
            if s.wrong_answer
        ],
        "right_where_a_topic_exists": (
            sum(s.outcome == RIGHT for s in existing) / len(existing) if existing else 0.0
        ),
        "questions_with_a_topic": len(existing),
        "false_premises": len(premises),
        "false_premises_corrected": (
            sum(s.corrected for s in premises) / len(premises) if premises else 0.0
        ),
        "outcomes": [
            {
                "id": s.question.id,
                "outcome": s.outcome,
                "intent": s.intent,
                "expected": list(s.question.expect),
                "answered": s.answered,
                "offered": s.offered,
            }
            for s in scored
        ],
    }




def print_report(result: dict, title: str = "Wild set (eval/wild") -> None:
    print(
        f"{title}, never trained or tuned on): {result['questions']} questions, "
        "scored on the whole reply"
    )
    print(
        f"  right answer: {result['right']:.1%}   safe not-sure: {result['safe_not_sure']:.1%}"
        f"   wrong: {result['wrong']:.1%}"
    )
    print(
        "  right where a topic existed when the set was frozen: "
        f"{result['right_where_a_topic_exists']:.1%} of {result['questions_with_a_topic']}"
    )
    print(
        f"  wrong answers (some topic's answer, not an expected one): "
        f"{len(result['wrong_answers'])}"
    )
    print(
        f"  false premises corrected: {result['false_premises_corrected']:.1%} "
        f"of {result['false_premises']}"
    )
    for item in result["wrong_answers"]:
        print(
            f"    {item['id']}: expected {', '.join(item['expected'])}, "
            f"answered {', '.join(item['answered'])}"
        )
