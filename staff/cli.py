"""`python -m staff`: the workspace's manage.py, for `make run` and the clinic's IT.
The workspace's own commands are in its apps' management/commands/; `migrate`
and the rest are Django's. The database is migrated once at deploy (`python -m
staff migrate`, before the workspace and the review log start), never by the
other commands."""

from __future__ import annotations

import os
import sys

from django.core.management import BaseCommand, ManagementUtility, get_commands, load_command_class

PROG = "python -m staff"
# Django's own command a deploy runs: listed with the workspace's.
DJANGO_COMMANDS = ("migrate",)


def commands() -> dict[str, BaseCommand]:
    """The workspace's commands and the Django ones a deploy needs, by name."""
    found = {
        name: app
        for name, app in get_commands().items()
        if app.startswith("staff.") or name in DJANGO_COMMANDS
    }
    return {name: load_command_class(found[name], name) for name in sorted(found)}


class Utility(ManagementUtility):
    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only:
            return super().main_help_text(commands_only)
        ours = [f"    {name:<10} {command.help}" for name, command in commands().items()]
        return "\n".join(
            [f"Usage: {PROG} COMMAND [options]", "", "The workspace's commands:", *ours,
             super().main_help_text()]
        )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")
    Utility([PROG, *(sys.argv[1:] if argv is None else argv)]).execute()
