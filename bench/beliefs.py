"""How often a false belief is corrected, at each belief threshold: a measurement
on our own tuning set (tests/tuning/false_premises.yml), never the wild set
(`make bench-beliefs`).

Parses every tuning question with the current model, the belief threshold of
config.yml set to 0 so that each question's closest belief of the chosen topic
is seen with its similarity, then prints, for each threshold: the false premises
corrected (the expected topic answered, opened by the expected belief's
correction), those opened by another belief's correction, and the neutral
questions that would get a correction. The figures go to
bench/results/beliefs.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import yaml

from bot import intents, paths
from bot.content import loader
from bot.training import evaluate, train

ROOT = Path(__file__).resolve().parent.parent

TUNING_SET = ROOT / "tests" / "tuning" / "false_premises.yml"
RESULTS = ROOT / "bench" / "results" / "beliefs.json"
THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)


def _classifier(agent):
    """The IntentAndTopicClassifier inside the loaded model's graph."""
    from bot.rasa.components import IntentAndTopicClassifier

    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, IntentAndTopicClassifier):
            return node._component
    raise RuntimeError("the model has no IntentAndTopicClassifier")


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from bot.rasa import agent as rasa_agent

    agent = rasa_agent.load(model)
    _classifier(agent).config["belief_min_similarity"] = 0.0
    return [await agent.parse_message(text) for text in texts]


def main() -> int:
    rows = yaml.safe_load(TUNING_SET.read_text(encoding="utf-8"))
    content = loader.load_valid(paths.CONTENT_DIR)
    number = {
        (topic.id, myth.belief): index
        for topic in content.topics.values()
        for index, myth in enumerate(topic.myths)
    }
    parses = asyncio.run(_parse_all(train.model_path(), [r["text"] for r in rows]))
    seen = []
    for row, parse in zip(rows, parses, strict=True):
        label, _ = evaluate.label_of(parse)
        belief = parse.get(intents.FALSE_BELIEF) or {}
        seen.append(
            {
                "premise": row["belief"] is not None,
                "topic_right": label == intents.response_key(row["topic"]),
                "answered": bool(intents.topic_from_response_key(label or "")),
                "belief_right": row["belief"] is not None
                and belief.get("topic") == row["topic"]
                and belief.get("belief") == number.get((row["topic"], row["belief"])),
                "similarity": float(belief.get("similarity") or 0.0),
            }
        )
    premises = [s for s in seen if s["premise"]]
    neutral = [s for s in seen if not s["premise"]]
    table = []
    print(
        f"Tuning set: {len(premises)} false premises, {len(neutral)} neutral questions; "
        f"expected topic answered for {sum(s['topic_right'] for s in premises)} premises"
    )
    print("threshold  corrected  another belief's correction  neutral given a correction")
    for threshold in THRESHOLDS:
        fired = [s for s in premises if s["answered"] and s["similarity"] >= threshold]
        right = sum(s["topic_right"] and s["belief_right"] for s in fired)
        other = len(fired) - right
        neutral_fired = sum(s["answered"] and s["similarity"] >= threshold for s in neutral)
        table.append(
            {
                "threshold": threshold,
                "corrected": right / len(premises),
                "another_correction": other / len(premises),
                "neutral_corrected": neutral_fired / len(neutral),
            }
        )
        print(
            f"  {threshold:.2f}     {right / len(premises):6.1%}     {other / len(premises):6.1%}"
            f"                      {neutral_fired / len(neutral):6.1%}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(table, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
