import getpass
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staff.accounts import accounts, roles


def _password(name: str) -> str:
    """From a prompt, or from standard input for scripts: never an argument."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if first != getpass.getpass("Again: "):
            raise CommandError("The two passwords differ; nothing changed.")
        return first
    return sys.stdin.readline().rstrip("\n")


class Command(BaseCommand):
    help = "add an account, change its role, or unlock it after failed logins"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="add an account (password from a prompt or stdin)")
        add.add_argument("name")
        add.add_argument("--role", choices=roles.ROLES, required=True)
        role = actions.add_parser("role", help="change an account's role")
        role.add_argument("name")
        role.add_argument("--role", choices=roles.ROLES, required=True)
        unlock = actions.add_parser("unlock", help="unlock an account after failed logins")
        unlock.add_argument("name")
        actions.add_parser("list", help="list accounts, their roles, and which are locked")
        actions.add_parser(
            "reset-mfa", help="remove an account's second sign-in step (it sets one up again)"
        ).add_argument("name")
        sup = actions.add_parser(
            "superuser", help="let an account into Django's admin pages, or not"
        )
        sup.add_argument("name")
        sup.add_argument("--remove", action="store_true", help="take the superuser's rights away")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except accounts.AccountError as exc:
            raise CommandError(str(exc)) from None

    def add(self, name: str, role: str, **_):
        accounts.add(name, role, _password(name))
        self.stdout.write(f"Added {name} ({role}).")

    def role(self, name: str, role: str, **_):
        accounts.change_role(name, role)
        self.stdout.write(f"{name} is now {role}.")

    def unlock(self, name: str, **_):
        accounts.unlock(name)
        self.stdout.write(f"Unlocked {name}.")

    def reset_mfa(self, name: str, **_):
        from django.contrib.auth.models import User

        from staff.accounts import mfa

        user = User.objects.filter(username=name).first()
        if user is None:
            raise accounts.AccountError(f"There is no account {name!r}.")
        mfa.reset(user)  # audited, by "command line"
        self.stdout.write(f"{name} sets up a second sign-in step again at the next sign-in.")

    def superuser(self, name: str, remove: bool, **_):
        accounts.superuser(name, on=not remove)
        self.stdout.write(f"{name} {'is no longer' if remove else 'is now'} a superuser.")

    def list(self, **_):
        for name, role, locked in accounts.listing():
            self.stdout.write(f"{name}\t{role}{chr(9) + 'locked' if locked else ''}")
