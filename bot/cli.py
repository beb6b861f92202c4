"""Command line: python -m bot <command>. `python -m bot <command> --help` explains each."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bot import paths, runtimes
from bot.content import loader, sign_off_items
from bot.settings import Settings
from bot.training import build


def _print_problems(loaded: loader.Content) -> None:
    for problem in loaded.problems:
        print(problem, file=sys.stderr)


def check_content() -> loader.Content | None:
    """Validate content/; print every problem; None if there are errors."""
    loaded = loader.load(paths.CONTENT_DIR)
    _print_problems(loaded)
    if loaded.errors:
        print(
            f"Content is invalid: {len(loaded.errors)} error(s), "
            f"{len(loaded.warnings)} warning(s).",
            file=sys.stderr,
        )
        return None
    print(f"Content OK: {len(loaded.topics)} topics, {len(loaded.warnings)} warning(s).")
    print(sign_off_summary(loaded))
    return loaded


def sign_off_summary(loaded: loader.Content) -> str:
    """How much a clinician has signed, by kind, and which clinic setting applies."""
    serves = (
        "patients get only signed answers"
        if loaded.clinic["serve_only_signed"]
        else "patients get every answer (clinic.yml: serve_only_signed)"
    )
    return (
        f"Signed by a clinician: {sign_off_items.summary(loaded)}; {serves}; red flags and "
        "messages are given signed or not."
    )


def build_data(loaded: loader.Content) -> None:
    from bot.nlu import spacy_pipeline

    for name, write, out in (
        ("FAQ", build.write_training_data, paths.FAQ_DATA),
        ("Red-flag", build.write_red_flag_data, paths.RED_FLAG_DATA),
    ):
        state = "written" if write(loaded, out) else "unchanged"
        print(f"{name} training data {state}: {out.relative_to(paths.ROOT)}")
    if spacy_pipeline.build():
        print(f"spaCy lemma pipeline written: {spacy_pipeline.PIPELINE_DIR}")


def print_reading_grades(loaded: loader.Content) -> None:
    from bot.content import readability

    grades = loaded.reading_grades()
    print(
        f"Reading grade (Flesch-Kincaid) of each answer, for a "
        f"{loaded.clinic.get('pump_type', '?')} pump:"
    )
    for topic_id, grade in grades.items():
        flag = "  <- above grade 8" if grade > readability.MAX_GRADE else ""
        print(f"  {grade:4.1f}  {topic_id}{flag}")
    print(
        f"  median {readability.median(list(grades.values())):g} "
        f"(aim: {readability.MAX_MEDIAN_GRADE:g} or below), highest {max(grades.values()):g} "
        f"(aim: {readability.MAX_GRADE:g} or below)"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.training import train

    loaded = check_content()
    if loaded is None:
        return 1
    print_reading_grades(loaded)
    if args.strict and loaded.warnings:
        print("Failing on content warnings (--strict).", file=sys.stderr)
        return 1
    if args.content_only:
        return 0
    build_data(loaded)
    return train.rasa("data", "validate", "--fail-on-warnings", *train.RASA_PROJECT_ARGS)


def cmd_build(args: argparse.Namespace) -> int:
    loaded = check_content()
    if loaded is None:
        return 1
    build_data(loaded)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.training import train

    if cmd_build(args):
        return 1
    train.ensure_model()
    return 0


def cmd_test_stories(args: argparse.Namespace) -> int:
    from bot.training import train

    if cmd_build(args):
        return 1
    return train.test_stories(train.ensure_model())


def cmd_run(args: argparse.Namespace) -> int:
    from bot.servers import supervisor
    from bot.training import train

    settings = Settings.from_env()
    # Checks the content, builds the training data and trains if it changed.
    trained = subprocess.run([runtimes.python(runtimes.RASA), "-m", "bot", "train"])
    if trained.returncode:
        print("Not starting: fix the problems above first.", file=sys.stderr)
        return 1
    return supervisor.serve(settings, train.model_path())


def cmd_web(args: argparse.Namespace) -> int:
    from bot.servers import services

    return services.run_web_server()


def cmd_scheduler(args: argparse.Namespace) -> int:
    from bot.servers import services

    return services.run_reminder_scheduler()


def cmd_trainer(args: argparse.Namespace) -> int:
    from bot.training import trainer

    return trainer.main()


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.servers import one_process
    from bot.training import train

    # The model this content trains to, if no newer one has gone live.
    built = train.model_path() if args.process == "rasa" else None
    return one_process.main(args.process, args.port, built)


def cmd_reminders(args: argparse.Namespace) -> int:
    import json

    from bot.reminders import dates
    from bot.reminders.store import FAILED, ReminderStore

    store = ReminderStore(args.db or paths.reminders_db())
    rows = store.all() if args.all else store.upcoming()
    timezone = loader.load(paths.CONTENT_DIR).clinic.get("timezone", "UTC")
    for reminder in rows:
        record = {
            "sender_id": reminder.sender_id,
            "refill_date": reminder.refill_date.isoformat(),
            "remind_at": dates.describe_time(reminder.remind_at, timezone),
            "status": reminder.status,
            "attempts": reminder.attempts,
        }
        if args.json:
            print(json.dumps(record))
        else:
            # Failed ones shout: the patient was not reminded and someone should call.
            status = reminder.status.upper() if reminder.status == FAILED else reminder.status
            tries = f" ({reminder.attempts} attempts)" if reminder.attempts else ""
            print(
                f"{record['refill_date']}  {status:<10}  reminder {record['remind_at']}{tries}"
                f"  conversation {record['sender_id']}"
            )
    if not rows and not args.json:
        print("No refill reminders." if args.all else "No upcoming refill reminders.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate",
        help="check content/ and the Rasa training data",
        description="Check every file in content/ (schema, duplicates, sources, review "
        "dates, placeholders, reading level), build the FAQ training data, then run "
        "`rasa data validate --fail-on-warnings`. Exit code 0 means it passed.",
    )
    validate.add_argument(
        "--content-only", action="store_true", help="check content/ only; skip Rasa's own checks"
    )
    validate.add_argument(
        "--strict",
        action="store_true",
        help="also fail on content warnings (old reviews, reading level)",
    )
    validate.set_defaults(func=cmd_validate)

    commands.add_parser(
        "build",
        help="generate data/nlu/faq.yml from content/topics",
        description="Write the FAQ training data from content/topics (only if it changed).",
    ).set_defaults(func=cmd_build)
    commands.add_parser(
        "train",
        help="train a model if training data, domain or config changed",
        description="Build the FAQ data, then train unless a model for exactly these "
        "inputs already exists in models/.",
    ).set_defaults(func=cmd_train)
    commands.add_parser(
        "test-stories",
        help="run Rasa's test stories (eval/stories) against the current model",
        description="Train if needed, then `rasa test core` on eval/stories, failing "
        "on any wrong prediction; results in results/stories.",
    ).set_defaults(func=cmd_test_stories)
    commands.add_parser(
        "run",
        help="validate, train if needed, start the assistant in the foreground",
        description="Refuse to start on invalid content; otherwise build, train if "
        "needed, and run the action server, Rasa, the web server and the reminder "
        "scheduler, restarting any that stops, until Ctrl-C or SIGTERM.",
    ).set_defaults(func=cmd_run)
    # Started by `run`, each as a process of its own; they read the settings and
    # the Rasa API token (HAIP_RASA_API_TOKEN) from the environment.
    commands.add_parser(
        "web",
        help="(started by `run`) serve the chat widget, demo page and chat history",
        description="The web chat server on HAIP_WEB_PORT, until SIGTERM. Needs "
        "HAIP_RASA_API_TOKEN in the environment; `run` starts it.",
    ).set_defaults(func=cmd_web)
    commands.add_parser(
        "scheduler",
        help="(started by `run`) deliver refill reminders when they are due",
        description="Check the reminder store every HAIP_REMINDER_POLL_SECONDS and "
        "deliver due reminders through Rasa's API, until SIGTERM. Needs "
        "HAIP_RASA_API_TOKEN in the environment; `run` starts it.",
    ).set_defaults(func=cmd_scheduler)
    commands.add_parser(
        "trainer",
        help="(started by `run`) train when an editor asks for it in the staff workspace",
        description="Take trainings asked for in the staff workspace, one at a time: build "
        "the data from content/, train at low priority, run the release gates (as `make "
        "test`), and only then put the model in models/ for `run` to switch to, until SIGTERM.",
    ).set_defaults(func=cmd_trainer)
    serve = commands.add_parser(
        "serve",
        help="run one of `run`'s processes on its own (the systemd units of deploy/scale-out/)",
        description="Start one process with the command and environment `run` gives it, in "
        "the foreground, with no restarts (systemd restarts it). Processes that call "
        "Rasa's API need HAIP_RASA_API_TOKEN in the environment.",
    )
    from bot.servers.one_process import NAMES

    serve.add_argument("process", choices=sorted(NAMES))
    serve.add_argument(
        "--port", type=int, help="rasa: this server's own port (HAIP_RASA_PORT is the proxy's)"
    )
    serve.set_defaults(func=cmd_serve)

    reminders = commands.add_parser(
        "reminders",
        help="list refill reminders by refill date (staff view)",
        description="List refill reminders still to go out, and FAILED ones (not "
        "delivered after every retry) whose visit is still ahead, soonest refill first: "
        "the conversation's sender id, the refill date and when the reminder goes out "
        "(clinic time). Patients are known here only by their conversation id.",
    )
    reminders.add_argument(
        "--all",
        action="store_true",
        help="also sent, missed and cancelled reminders, and past ones",
    )
    reminders.add_argument("--json", action="store_true", help="print JSON lines")
    reminders.add_argument("--db", help="reminders database (default var/reminders.db)")
    reminders.set_defaults(func=cmd_reminders)

    from bot.training import evaluate

    evaluate.add_parser(commands)

    return parser


# What runs on the Rasa server's runtime (bot/runtimes.py): building the
# training data (spaCy), and Rasa's training, tests and model loads.
ON_RASA = frozenset({"validate", "build", "train", "test-stories", "eval"})


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.command in ON_RASA and not runtimes.on_rasa():
        python = runtimes.python(runtimes.RASA)
        sys.stdout.flush()
        os.execv(python, [python, "-m", "bot", *argv])
    sys.exit(args.func(args))
