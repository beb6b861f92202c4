"""`python -m staff`: the workspace's commands, for `make run` and the clinic's IT.
A thin layer over the modules that do the work; run `python -m staff --help`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import signal
import sys
import threading

HELP = {
    "serve": "run the workspace under gunicorn (make run starts it)",
    "follow": "copy new patient messages from Rasa's events into the review log",
    "users": "add an account, change its role, or unlock it after failed logins",
    "export": "write the masked review log as CSV to standard output (audited)",
    "retention": "delete conversations older than the clinic's retention setting",
    "migrate": "create or update the workspace's database",
}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    """The workspace and the log follower start together, and both migrate: a
    lock beside the database lets one do it while the other waits."""
    import fcntl

    from django.conf import settings
    from django.core.management import call_command

    lock_path = settings.DATABASE_FILE.with_name(settings.DATABASE_FILE.name + ".migrate-lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        call_command("migrate", interactive=False, verbosity=verbosity)


def serve(_: argparse.Namespace) -> int:
    _django()
    _migrate()
    from staff import server

    return server.run()


def follow(_: argparse.Namespace) -> int:
    _django()
    _migrate()
    from bot import settings
    from staff.review.follower import follow

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    follow(settings.path("HAIP_TRACKER_DB"), every_s=0.5, stop=stop.is_set)
    return 0


def _password(name: str) -> str:
    """From a prompt, or from standard input for scripts: never an argument."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if first != getpass.getpass("Again: "):
            raise SystemExit("The two passwords differ; nothing changed.")
        return first
    return sys.stdin.readline().rstrip("\n")


def users(args: argparse.Namespace) -> int:
    _django()
    _migrate()
    from staff.accounts import accounts

    try:
        if args.action == "add":
            accounts.add(args.name, args.role, _password(args.name))
            print(f"Added {args.name} ({args.role}).")
        elif args.action == "role":
            accounts.change_role(args.name, args.role)
            print(f"{args.name} is now {args.role}.")
        elif args.action == "unlock":
            accounts.unlock(args.name)
            print(f"Unlocked {args.name}.")
        elif args.action == "reset-mfa":
            from django.contrib.auth.models import User

            from staff.accounts import mfa

            user = User.objects.filter(username=args.name).first()
            if user is None:
                raise accounts.AccountError(f"There is no account {args.name!r}.")
            mfa.reset(user)  # audited, by "command line"
            print(f"{args.name} sets up a second sign-in step again at the next sign-in.")
        elif args.action == "superuser":
            accounts.superuser(args.name, on=not args.remove)
            print(f"{args.name} {'is no longer' if args.remove else 'is now'} a superuser.")
        else:
            for name, role, locked in accounts.listing():
                print(f"{name}\t{role}{chr(9) + 'locked' if locked else ''}")
    except accounts.AccountError as exc:
        raise SystemExit(str(exc)) from None
    return 0


def export(args: argparse.Namespace) -> int:
    _django()
    _migrate()
    from staff.review import export as exporting

    exporting.write_csv(sys.stdout, since=args.since, by="command line")
    return 0


def retention(_: argparse.Namespace) -> int:
    _django()
    _migrate()
    from bot import settings
    from staff.review import retention as retaining

    report = retaining.run(settings.path("HAIP_TRACKER_DB"))
    print(report.summary())
    return 0


def migrate(_: argparse.Namespace) -> int:
    _django()
    _migrate(verbosity=1)
    return 0


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {raw!r}") from None


def parser() -> argparse.ArgumentParser:
    from staff.accounts.roles import ROLES

    top = argparse.ArgumentParser(prog="python -m staff", description=__doc__.split("\n")[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, run in (
        ("serve", serve),
        ("follow", follow),
        ("retention", retention),
        ("migrate", migrate),
    ):
        commands.add_parser(name, help=HELP[name]).set_defaults(run=run)
    people = commands.add_parser("users", help=HELP["users"])
    people.set_defaults(run=users)
    actions = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add an account (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("--role", choices=ROLES, required=True)
    actions.add_parser("unlock", help="unlock an account after failed logins").add_argument("name")
    actions.add_parser("list", help="list accounts, their roles, and which are locked")
    actions.add_parser(
        "reset-mfa", help="remove an account's second sign-in step (it sets one up again)"
    ).add_argument("name")
    sup = actions.add_parser("superuser", help="let an account into Django's admin pages, or not")
    sup.add_argument("name")
    sup.add_argument("--remove", action="store_true", help="take the superuser's rights away")
    out = commands.add_parser("export", help=HELP["export"])
    out.add_argument("--csv", action="store_true", required=True, help="as CSV (the only form)")
    out.add_argument("--since", type=_date, help="only messages from this day on (YYYY-MM-DD)")
    out.set_defaults(run=export)
    return top


def main(argv: list[str] | None = None) -> int:
    _django()  # every command uses the workspace's settings and models
    args = parser().parse_args(argv)
    return args.run(args)
