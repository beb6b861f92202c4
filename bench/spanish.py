"""How the Spanish rescue by letters would do at each setting: a measurement on our
own Spanish tuning set (tests/tuning/spanish_questions.yml) and the Spanish held-out
set (eval/nlu/test_nlu_es.yml), never the Spanish wild set.

Parses every question once with the current model, the rescue turned off; then,
for each setting of `language_rescue_min_confidence` and
`language_rescue_min_similarity`, counts what the assistant would do: the right
answer, some other topic's answer (a wrong answer), another wrong intent, "not
sure" with an expected topic among the first three offered, or "not sure" without.
The figures go to bench/results/spanish.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

import yaml

from bot import intents
from bot.training import evaluate, train

ROOT = Path(__file__).resolve().parent.parent

TUNING_SET = ROOT / "tests" / "tuning" / "spanish_questions.yml"
RESULTS = ROOT / "bench" / "results" / "spanish.json"
CONFIDENCES = (0.0, 0.2, 0.25, 0.3, 0.35)
SIMILARITIES = (0.25, 0.3, 0.35, 0.4, 0.45)
OFF = "off"


def _classifier(agent):
    from bot.rasa.components import IntentAndTopicClassifier

    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, IntentAndTopicClassifier):
            return node._component
    raise RuntimeError("the model has no IntentAndTopicClassifier")


async def _parse_all(model: Path, texts: list[str]):
    """Each parse with the rescue off, and the closest Spanish passage by letters."""
    from bot.rasa import agent as rasa_agent

    agent = rasa_agent.load(model)
    classifier = _classifier(agent)
    classifier.config["language_rescue_min_confidence"] = 2.0
    letters = classifier.letters["es"]
    rows = []
    for text in texts:
        parse = await agent.parse_message(text)
        best = letters.best(parse.get("text") or text)
        rows.append((parse, best))
    return rows


def _ranking(parse: dict) -> list[tuple[str, float]]:
    """Every label the classifier ranked (topics as faq/<topic>), surest first."""
    labels = {
        i["name"]: i["confidence"]
        for i in parse.get("intent_ranking") or []
        if i["name"] not in (intents.RETRIEVAL_INTENT, intents.FALLBACK)
    }
    selector = (parse.get("response_selector") or {}).get(intents.RETRIEVAL_INTENT) or {}
    for topic in selector.get("ranking") or []:
        labels[topic["intent_response_key"]] = topic["confidence"]
    return sorted(labels.items(), key=lambda item: -item[1])


def _outcome(answer: str | None, expect: list[str], ranking) -> str:
    if answer is None:
        offered = [label.split("/", 1)[1] for label, _ in ranking if label.startswith("faq/")]
        return "not sure, offered" if set(offered[:3]) & set(expect) else "not sure"
    if answer.split("/", 1)[-1] in expect:
        return "right"
    return "wrong answer" if answer.startswith("faq/") else "wrong intent"


def outcomes(rows, questions, setting) -> Counter:
    counts = Counter()
    for (parse, best), (_, expect) in zip(rows, questions, strict=True):
        label, _ = evaluate.label_of(parse)
        ranking = _ranking(parse)
        answer = None if label == intents.FALLBACK else label
        spanish = parse.get(intents.MESSAGE_LANGUAGE) == "es"
        if answer is None and setting != OFF and spanish and ranking and best is not None:
            confidence, similarity = setting
            top, sure = ranking[0]
            if top.startswith("faq/") and sure >= confidence:
                if best.label == top and best.score >= similarity:
                    answer = top
        counts[_outcome(answer, expect, ranking)] += 1
    return counts


def main() -> int:
    tuning = yaml.safe_load(TUNING_SET.read_text(encoding="utf-8"))
    held_out = evaluate.load_test_set(evaluate.TEST_SET_ES)
    sets = {
        "tuning": [(q["text"], list(q["expect"])) for q in tuning],
        "held_out_es": [(e.text, [e.label.split("/", 1)[-1]]) for e in held_out],
    }
    texts = [text for questions in sets.values() for text, _ in questions]
    rows = asyncio.run(_parse_all(train.model_path(), texts))
    settings = [OFF] + [(c, s) for c in CONFIDENCES for s in SIMILARITIES]
    results, start = {}, 0
    for name, questions in sets.items():
        chunk = rows[start : start + len(questions)]
        start += len(questions)
        results[name] = {str(s): dict(outcomes(chunk, questions, s)) for s in settings}
    print("setting (min confidence, min similarity): right / wrong answers / wrong intent /")
    print("not sure with an expected topic offered / not sure, for each set")
    for setting in settings:
        cells = []
        for name, questions in sets.items():
            c = results[name][str(setting)]
            cells.append(
                f"{name} {c.get('right', 0)}/{len(questions)} W{c.get('wrong answer', 0)} "
                f"w{c.get('wrong intent', 0)} N+{c.get('not sure, offered', 0)} "
                f"N{c.get('not sure', 0)}"
            )
        print(f"{setting!s:12}  " + "   ".join(cells))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
