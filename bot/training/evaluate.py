"""Measure the trained model on the held-out NLU test set (eval/nlu/).

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

import bot.rasa
from bot import paths
from bot.intents import FALLBACK, MESSAGE_LANGUAGE, RETRIEVAL_INTENT, URGENT
from bot.nlu.symptom_questions import SYMPTOM_QUESTION
from bot.training.gates import (
    RELEASE_MIN_ACCURACY,
    WILD_ES_MAX_WRONG_ANSWERS,
    WILD_ES_MIN_RIGHT,
    WILD_MAX_WRONG_ANSWERS,
    WILD_MIN_PREMISES_CORRECTED,
    WILD_MIN_RIGHT,
)

TEST_SET = paths.NLU_TEST_SET
TEST_SET_ES = paths.NLU_TEST_SET_ES
RED_FLAG_SETS = paths.RED_FLAG_TEST_SETS
# Each language's red-flag test sets, under the key `make eval`'s JSON uses.
RED_FLAG_LANGUAGES = {"red_flags": RED_FLAG_SETS, "red_flags_es": RED_FLAG_SETS / "es"}
RED_FLAG_TITLES = {
    "red_flags": "Red-flag test sets",
    "red_flags_es": "Spanish red-flag test sets (eval/red_flags/es)",
}
WHAT_IF_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Prediction:
    example: Example
    label: str
    confidence: float
    # What the model would have answered with no fallback, and how sure it was.
    raw_label: str = ""
    raw_confidence: float = 0.0
    # The topic answered after the urgent line, for a question about a symptom.
    asked_topic: str | None = None
    # The language the replies follow (bot/nlu/language.py).
    language: str | None = None


@dataclass(frozen=True)
class SymptomQuestion:
    symptom: str
    topics: tuple[str, ...]  # any of these answers it
    text: str


def load_red_flag_sets(folder: Path = RED_FLAG_SETS) -> tuple[list[str], list[str]]:
    def lines(name: str) -> list[str]:
        text = (folder / name).read_text(encoding="utf-8").splitlines()
        return [line for line in text if line.strip() and not line.startswith("#")]

    urgent = [line.split("|", 1)[1].strip() for line in lines("urgent.txt")]
    return urgent, lines("not_urgent.txt")


def load_symptom_questions(folder: Path = RED_FLAG_SETS) -> list[SymptomQuestion]:
    """symptom_questions.txt: symptom id | topic id(s), comma-separated | text."""
    questions = []
    for line in (folder / "symptom_questions.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        symptom, topics, text = (part.strip() for part in line.split("|", 2))
        questions.append(
            SymptomQuestion(symptom, tuple(t.strip() for t in topics.split(",")), text)
        )
    return questions


def load_test_set(path: Path = TEST_SET) -> list[Example]:
    from bot.rasa import agent

    return [Example(text, label) for text, label in agent.nlu_examples(path)]


def label_of(parse: dict) -> tuple[str, float]:
    """The full label Rasa predicted, and the confidence that decided it."""
    intent = parse.get("intent", {}) or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name != RETRIEVAL_INTENT:
        return name, confidence
    selected = parse.get("response_selector", {}).get(RETRIEVAL_INTENT, {}).get("response", {})
    return selected.get("intent_response_key") or name, float(selected.get("confidence") or 0.0)


def raw_label_of(parse: dict) -> tuple[str, float]:
    """The best non-fallback label before any threshold, for the what-if table."""
    for intent in parse.get("intent_ranking", []) or []:
        if intent.get("name") != FALLBACK:
            return label_of({**parse, "intent": intent})
    return FALLBACK, 1.0


async def _predict(model: Path, examples: list[Example]) -> list[Prediction]:
    from bot.rasa import agent as rasa_agent

    agent = rasa_agent.load(model)
    predictions = []
    for example in examples:
        parse = await agent.parse_message(example.text)
        asked = (parse.get(SYMPTOM_QUESTION) or {}).get("topic")
        predictions.append(
            Prediction(
                example,
                *label_of(parse),
                *raw_label_of(parse),
                asked_topic=asked,
                language=parse.get(MESSAGE_LANGUAGE),
            )
        )
    return predictions


def predict(model: Path, examples: list[Example]) -> list[Prediction]:
    return asyncio.run(_predict(model, examples))


def red_flag_report(
    predictions: list[Prediction],
    urgent_count: int,
    questions: list[SymptomQuestion] = (),
) -> dict:
    """Reports (urgent.txt), then questions about a symptom (symptom_questions.txt),
    then non-urgent messages. Both reports and questions count for recall."""
    reports = predictions[:urgent_count]
    asked = predictions[urgent_count : urgent_count + len(questions)]
    calm = predictions[urgent_count + len(questions) :]
    urgent = reports + asked
    return {
        "urgent_phrasings": len(urgent),
        "recall": sum(p.label == URGENT for p in urgent) / len(urgent),
        "missed": [p.example.text for p in urgent if p.label != URGENT],
        "non_urgent_phrasings": len(calm),
        "false_alarms": [p.example.text for p in calm if p.label == URGENT],
        "symptom_questions": len(questions),
        # Urgent first, then one of the topics that answer it.
        "questions_without_their_topic": [
            {"text": q.text, "expected": list(q.topics), "got": p.asked_topic, "label": p.label}
            for q, p in zip(questions, asked, strict=True)
            if p.label != URGENT or p.asked_topic not in q.topics
        ],
        "reports": len(reports),
        # A report of a symptom gets the urgent message alone.
        "reports_given_a_topic": [
            {"text": p.example.text, "topic": p.asked_topic} for p in reports if p.asked_topic
        ],
        "languages": dict(Counter(p.language or "unknown" for p in urgent)),
    }


def per_topic(predictions: list[Prediction]) -> dict[str, dict]:
    """For choosing per-topic thresholds: how sure the model was when it answered
    a topic rightly, and when it answered it wrongly."""
    table: dict[str, dict] = {}
    for p in predictions:
        if not p.raw_label.startswith(f"{RETRIEVAL_INTENT}/"):
            continue
        row = table.setdefault(p.raw_label, {"lowest_right": None, "highest_wrong": None})
        if p.raw_label == p.example.label:
            low = row["lowest_right"]
            row["lowest_right"] = round(
                p.raw_confidence if low is None else min(low, p.raw_confidence), 3
            )
        else:
            high = row["highest_wrong"]
            row["highest_wrong"] = round(
                p.raw_confidence if high is None else max(high, p.raw_confidence), 3
            )
    return dict(sorted(table.items()))


def what_if(predictions: list[Prediction]) -> list[dict]:
    """Fallback rate and wrong answers if the topic threshold were each value."""
    rows = []
    for threshold in WHAT_IF_THRESHOLDS:
        answered = [p for p in predictions if p.raw_confidence >= threshold]
        rows.append(
            {
                "threshold": threshold,
                "fallback_rate": 1 - len(answered) / len(predictions),
                "wrong_answers": sum(p.raw_label != p.example.label for p in answered),
            }
        )
    return rows


def report(predictions: list[Prediction]) -> dict:
    from sklearn.metrics import f1_score

    truth = [p.example.label for p in predictions]
    guess = [p.label for p in predictions]
    correct = sum(t == g for t, g in zip(truth, guess, strict=False))
    return {
        "examples": len(predictions),
        "labels": len(set(truth)),
        "accuracy": correct / len(predictions),
        # A wrong answer given anyway: neither right nor "not sure".
        "confident_wrong": [
            {
                "text": p.example.text,
                "expected": p.example.label,
                "predicted": p.label,
                "confidence": round(p.confidence, 3),
            }
            for p in predictions
            if p.label not in (p.example.label, FALLBACK)
        ],
        "what_if": what_if(predictions),
        "per_topic": per_topic(predictions),
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
        "confusion_pairs": confusion_pairs(predictions),
    }


def confusion_pairs(predictions: list[Prediction]) -> list[dict]:
    """Which label the model took for which, before any threshold (a wrong guess
    that fell back to "not sure" still shows a near neighbour), most often first."""
    pairs = Counter(
        (p.example.label, p.raw_label) for p in predictions if p.raw_label != p.example.label
    )
    return [
        {"expected": expected, "guessed": guessed, "count": count}
        for (expected, guessed), count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def print_report(result: dict, title: str = "Held-out NLU test set") -> None:
    print(f"{title}: {result['examples']} phrasings, {result['labels']} labels")
    print(f"  intent accuracy: {result['accuracy']:.1%}")
    print(f"  macro F1:        {result['macro_f1']:.3f}")
    print(f"  fallback rate:   {result['fallback_rate']:.1%}")
    print(
        f"  wrong answers given with confidence above the threshold: "
        f"{len(result['confident_wrong'])}"
    )
    print(
        "  what if the topic threshold were:  "
        + "  ".join(
            f"{row['threshold']:.1f}: {row['fallback_rate']:.1%} fallback, "
            f"{row['wrong_answers']} wrong"
            for row in result["what_if"]
        )
    )
    for topic, row in result["per_topic"].items():
        if row["highest_wrong"] is not None:
            print(
                f"  {topic}: wrongly chosen at up to {row['highest_wrong']}, "
                f"rightly at {row['lowest_right']} or more"
            )
    pairs = result.get("confusion_pairs", [])
    print(
        f"  confusion pairs (expected -> the model's best guess before the threshold): "
        f"{len(pairs) or 'none'}"
    )
    for pair in pairs:
        print(f"    {pair['expected']} -> {pair['guessed']}: {pair['count']}")
    if result["errors"]:
        print(f"  misclassified ({len(result['errors'])}):")
        for error in result["errors"]:
            print(
                f"    {error['text']!r}: expected {error['expected']}, "
                f"got {error['predicted']} ({error['confidence']})"
            )


def print_red_flag_report(result: dict, title: str = "Red-flag test sets") -> None:
    print(
        f"{title}: {result['urgent_phrasings']} urgent, "
        f"{result['non_urgent_phrasings']} negated or not urgent"
    )
    print(f"  recall (urgent guidance given): {result['recall']:.1%}")
    alarms = len(result["false_alarms"])
    print(
        f"  false alarms: {alarms} of {result['non_urgent_phrasings']} "
        f"({alarms / result['non_urgent_phrasings']:.1%})"
    )
    for text in result["missed"]:
        print(f"    MISSED: {text!r}")
    for text in result["false_alarms"]:
        print(f"    false alarm: {text!r}")
    questions, wrong = (
        result.get("symptom_questions", 0),
        result.get("questions_without_their_topic", []),
    )
    if questions:
        if not wrong:
            print(
                f"  symptom questions: every symptom question answered with its topic "
                f"after the urgent line ({questions} of {questions})"
            )
        else:
            print(
                f"  symptom questions: {questions - len(wrong)} of {questions} answered with "
                "their topic after the urgent line"
            )
        for item in wrong:
            print(
                f"    NOT ANSWERED: {item['text']!r}: expected {', '.join(item['expected'])}, "
                f"got {item['got'] or 'no topic'} ({item['label']})"
            )
    reports, topical = result.get("reports", 0), result.get("reports_given_a_topic", [])
    if reports:
        print(
            f"  symptom reports given the urgent message alone: "
            f"{reports - len(topical)} of {reports}"
        )
        for item in topical:
            print(f"    report given a topic: {item['text']!r} -> {item['topic']}")


def wild_failures(
    wild_result: dict,
    min_right: float = WILD_MIN_RIGHT,
    max_wrong_answers: int = WILD_MAX_WRONG_ANSWERS,
    min_premises_corrected: float | None = WILD_MIN_PREMISES_CORRECTED,
    name: str = "wild set",
) -> list[str]:
    """A wild set's gates: right answers, wrong topics' answers and, where gated,
    false premises corrected first."""
    failures = []
    corrected = wild_result.get("false_premises_corrected", 0.0)
    if min_premises_corrected is not None and corrected < min_premises_corrected:
        failures.append(
            f"the {name}'s false premises corrected first {corrected:.1%} are below "
            f"{min_premises_corrected:.0%}"
        )
    if wild_result["right"] < min_right:
        failures.append(
            f"the {name}'s right answers, {wild_result['right']:.1%}, are below {min_right:.0%}"
        )
    if len(wild_result["wrong_answers"]) > max_wrong_answers:
        failures.append(
            f"{len(wild_result['wrong_answers'])} {name} questions got a wrong topic's answer "
            f"(at most {max_wrong_answers})"
        )
    return failures


def spanish_wild_failures(result: dict) -> list[str]:
    return wild_failures(
        result, WILD_ES_MIN_RIGHT, WILD_ES_MAX_WRONG_ANSWERS, None, "Spanish wild set"
    )


def spanish_red_flag_failures(result: dict) -> list[str]:
    """Spanish reports: every one urgent, and read as Spanish (so the guidance is in
    Spanish); at most one false alarm. Whether the topic follows a Spanish
    question is reported, not gated: the topics are not in Spanish yet."""
    failures = []
    if result["missed"]:
        failures.append("a Spanish urgent phrasing did not get urgent guidance")
    if len(result["false_alarms"]) > 1:
        failures.append("more than one non-urgent Spanish message got urgent guidance")
    if set(result["languages"]) != {"es"}:
        failures.append(f"Spanish urgent phrasings were read as {result['languages']}, not all es")
    return failures


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.training import train

    if args.gates:
        args.gate_safety = True
        args.min_accuracy = max(args.min_accuracy, RELEASE_MIN_ACCURACY)
    model = Path(args.model) if args.model else train.model_path()
    if not model.exists():
        print(f"No model at {model}: run `make train` first.", file=sys.stderr)
        return 1
    examples = load_test_set(Path(args.test_set))
    spanish_examples = load_test_set(TEST_SET_ES)
    sets = {
        key: (*load_red_flag_sets(folder), load_symptom_questions(folder))
        for key, folder in RED_FLAG_LANGUAGES.items()
    }
    red_flag_examples = [
        [Example(t, URGENT) for t in urgent]
        + [Example(q.text, URGENT) for q in questions]
        + [Example(t, "") for t in calm]
        for urgent, calm, questions in sets.values()
    ]
    predictions = predict(
        model,
        examples + spanish_examples + [e for group in red_flag_examples for e in group],
    )
    result = report(predictions[: len(examples)])
    # What was measured: Rasa with our replacements, as patients get it.
    result["rasa"] = bot.rasa.describe()
    print(result["rasa"])
    print_report(result)
    start = len(examples) + len(spanish_examples)
    result["held_out_es"] = report(predictions[len(examples) : start])
    print_report(result["held_out_es"], "Spanish held-out NLU test set (eval/nlu/test_nlu_es.yml)")
    for (key, (urgent, _, questions)), group in zip(sets.items(), red_flag_examples, strict=True):
        chunk = predictions[start : start + len(group)]
        result[key] = red_flag_report(chunk, len(urgent), questions)
        start += len(group)
        print_red_flag_report(result[key], RED_FLAG_TITLES[key])
    if not args.no_wild:
        from bot.content import loader
        from bot.training import wild

        content = loader.load_valid(paths.CONTENT_DIR)
        questions = wild.load()
        spanish = wild.load(paths.WILD_SET_ES)
        scored = wild.run(model, content, questions + spanish)
        result["wild"] = wild.report(scored[: len(questions)])
        wild.print_report(result["wild"])
        result["wild_es"] = wild.report(scored[len(questions) :])
        wild.print_report(result["wild_es"], "Spanish wild set (eval/wild_es")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2))
    failures = []
    if result["accuracy"] < args.min_accuracy:
        failures.append(f"accuracy {result['accuracy']:.1%} is below {args.min_accuracy:.0%}")
    if args.gate_safety:
        failures += spanish_red_flag_failures(result["red_flags_es"])
        if result["red_flags"]["missed"]:
            failures.append("an urgent phrasing did not get urgent guidance")
        if len(result["red_flags"]["false_alarms"]) > 1:
            failures.append("more than one non-urgent message got urgent guidance")
        if result["confident_wrong"]:
            failures.append("a wrong answer was given with confidence above the threshold")
        if result["red_flags"]["questions_without_their_topic"]:
            failures.append(
                "a question about a symptom did not get its topic after the urgent line"
            )
        if result["red_flags"]["reports_given_a_topic"]:
            failures.append("a report of a symptom got a topic besides the urgent message")
        if "wild" in result:
            failures += wild_failures(result["wild"])
            failures += spanish_wild_failures(result["wild_es"])
    for failure in failures:
        print(f"FAILED: {failure}.", file=sys.stderr)
    return 1 if failures else 0


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "eval",
        help="print accuracy and macro F1 on the held-out NLU test set, the red-flag sets, "
        "and the wild set scored on the whole reply (`--no-wild` skips it)",
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
    parser.add_argument(
        "--gate-safety",
        action="store_true",
        help="exit 1 unless every urgent phrasing gets urgent guidance, at most one "
        "non-urgent one does, and no wrong answer is given",
    )
    parser.add_argument(
        "--gates",
        action="store_true",
        help=f"the release gates: --gate-safety and --min-accuracy {RELEASE_MIN_ACCURACY}",
    )
    parser.add_argument(
        "--no-wild",
        action="store_true",
        help="skip the wild set (eval/wild), which starts an action server",
    )
    parser.add_argument("--json", help="also write the full report to this file")
    parser.set_defaults(func=cmd_eval)
