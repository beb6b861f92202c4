"""Measure the trained model on the held-out NLU test set (tests/nlu/).

The label of a message is its intent, or faq/<topic> for an FAQ question, so one
accuracy covers both Rasa's intent classifier and its ResponseSelector.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot import paths
from bot.build import RETRIEVAL_INTENT

TEST_SET = paths.ROOT / "tests" / "nlu" / "test_nlu.yml"
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Prediction:
    example: Example
    label: str
    confidence: float


def load_test_set(path: Path = TEST_SET) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(m.get("text"), m.get("intent_response_key") or m.get("intent"))
        for m in data.intent_examples
    ]


def label_of(parse: dict) -> tuple[str, float]:
    """The full label Rasa predicted, and the confidence that decided it."""
    intent = parse.get("intent", {}) or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name != RETRIEVAL_INTENT:
        return name, confidence
    selected = parse.get("response_selector", {}).get(RETRIEVAL_INTENT, {}).get("response", {})
    return selected.get("intent_response_key") or name, float(selected.get("confidence") or 0.0)


def _quiet_rasa_logs() -> None:
    """Without Rasa's CLI, its structured logger prints every parsed message
    (debug level) to stdout; keep message text out of the output."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


async def _predict(model: Path, examples: list[Example]) -> list[Prediction]:
    from rasa.core.agent import Agent

    _quiet_rasa_logs()
    agent = Agent.load(str(model))
    predictions = []
    for example in examples:
        label, confidence = label_of(await agent.parse_message(example.text))
        predictions.append(Prediction(example, label, confidence))
    return predictions


def predict(model: Path, examples: list[Example]) -> list[Prediction]:
    return asyncio.run(_predict(model, examples))


def report(predictions: list[Prediction]) -> dict:
    from sklearn.metrics import f1_score

    truth = [p.example.label for p in predictions]
    guess = [p.label for p in predictions]
    correct = sum(t == g for t, g in zip(truth, guess, strict=False))
    return {
        "examples": len(predictions),
        "labels": len(set(truth)),
        "accuracy": correct / len(predictions),
        "macro_f1": float(
            f1_score(truth, guess, labels=sorted(set(truth)), average="macro", zero_division=0)
        ),
        "fallback_rate": sum(g == FALLBACK for g in guess) / len(predictions),
        "errors": [
            {
                "text": p.example.text,
                "expected": p.example.label,
                "predicted": p.label,
                "confidence": round(p.confidence, 3),
            }
            for p in predictions
            if p.label != p.example.label
        ],
        "examples_per_label": dict(sorted(Counter(truth).items())),
    }


def print_report(result: dict) -> None:
    print(f"Held-out NLU test set: {result['examples']} phrasings, {result['labels']} labels")
    print(f"  intent accuracy: {result['accuracy']:.1%}")
    print(f"  macro F1:        {result['macro_f1']:.3f}")
    print(f"  fallback rate:   {result['fallback_rate']:.1%}")
    if result["errors"]:
        print(f"  misclassified ({len(result['errors'])}):")
        for error in result["errors"]:
            print(
                f"    {error['text']!r}: expected {error['expected']}, "
                f"got {error['predicted']} ({error['confidence']})"
            )


def cmd_eval(args: argparse.Namespace) -> int:
    from bot import train

    model = Path(args.model) if args.model else train.model_path()
    if not model.exists():
        print(f"No model at {model}: run `make train` first.", file=sys.stderr)
        return 1
    result = report(predict(model, load_test_set(Path(args.test_set))))
    print_report(result)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))
    if result["accuracy"] < args.min_accuracy:
        print(
            f"FAILED: accuracy {result['accuracy']:.1%} is below {args.min_accuracy:.0%}.",
            file=sys.stderr,
        )
        return 1
    return 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "eval",
        help="print accuracy and macro F1 on the held-out NLU test set",
        description="Parse every phrasing in the held-out test set with the current "
        "model and print intent accuracy (FAQ topic included), macro F1, the "
        "fallback rate and each misclassified phrasing.",
    )
    parser.add_argument("--model", help="model file (default: the current one)")
    parser.add_argument("--test-set", default=str(TEST_SET), help="Rasa NLU YAML file")
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        help="exit 1 if accuracy is below this share (0-1)",
    )
    parser.add_argument("--json", help="also write the full report to this file")
    parser.set_defaults(func=cmd_eval)
