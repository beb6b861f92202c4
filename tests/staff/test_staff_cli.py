"""`python -m staff --help` and the table of its commands in docs/install.md say the same;
passwords never come from the command line."""

import argparse
import subprocess
import sys

from bot import paths
from staff import cli


def subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, str]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                name = f"{prefix}{choice.dest}"
                sub = action.choices[choice.dest]
                nested = subcommands(sub, name + " ")
                found.update(nested or {name: choice.help})
    return found


def test_the_install_page_lists_every_command_with_its_help():
    page = (paths.ROOT / "docs" / "install.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `python -m staff ")]
    commands = subcommands(cli.parser())
    assert len(rows) == len(commands)
    for name, help_text in commands.items():
        assert any(
            row.startswith(f"| `python -m staff {name}") and row.endswith(f"| {help_text} |")
            for row in rows
        ), name


def test_no_command_takes_a_password_argument():
    text = cli.parser().format_help() + "".join(
        p.format_help() for p in cli.parser()._subparsers._group_actions[0].choices.values()
    )
    assert "password" not in text.replace("password from a prompt or stdin", "")


def test_users_add_reads_the_password_from_stdin_and_refuses_weak_ones(tmp_path):
    env = {"HAIP_STAFF_DB": str(tmp_path / "staff.db"), "PATH": "/usr/bin:/bin"}

    def add(name: str, password: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "staff", "users", "add", name, "--role", "nurse"],
            input=password + "\n", text=True, capture_output=True, env=env, cwd=paths.ROOT,
        )  # fmt: skip

    weak = add("nina", "short")
    assert weak.returncode != 0 and "Password not accepted" in weak.stderr
    good = add("nina", "a-long-passphrase-9")
    assert good.returncode == 0, good.stderr
    assert "a-long-passphrase-9" not in good.stdout + good.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "staff", "users", "list"],
        text=True, capture_output=True, env=env, cwd=paths.ROOT, check=True,
    )  # fmt: skip
    assert listed.stdout.strip() == "nina\tnurse"
