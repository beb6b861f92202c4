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


def parsers() -> dict[str, argparse.ArgumentParser]:
    """Each command `python -m staff --help` lists, with its own parser."""
    return {
        name: command.create_parser(cli.PROG, name) for name, command in cli.commands().items()
    }


def command_lines() -> dict[str, str]:
    """Each command line (a command, or each of its subcommands) and its help."""
    found = {}
    for name, parser in parsers().items():
        found.update(subcommands(parser, name + " ") or {name: cli.commands()[name].help})
    return found


def test_the_help_lists_the_workspace_commands_first_in_a_stable_order():
    shown = subprocess.run(
        [sys.executable, "-m", "staff", "--help"],
        text=True, capture_output=True, cwd=paths.ROOT, check=True,
    ).stdout  # fmt: skip
    listed = shown.split("The workspace's commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.split()[0] for line in listed]
    assert names == sorted(cli.commands()) and {"serve", "users", "migrate"} <= set(names)
    for line in listed:
        assert line.split(None, 1)[1] == cli.commands()[line.split()[0]].help


def test_the_install_page_lists_every_command_with_its_help():
    page = (paths.ROOT / "docs" / "install.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `python -m staff ")]
    commands = command_lines()
    assert len(rows) == len(commands)
    for name, help_text in commands.items():
        assert any(
            row.startswith(f"| `python -m staff {name}") and row.endswith(f"| {help_text} |")
            for row in rows
        ), name


def test_no_command_takes_a_password_argument():
    text = ""
    for parser in parsers().values():
        text += parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                text += "".join(p.format_help() for p in action.choices.values())
    assert "password" not in text.replace("password from a prompt or stdin", "")


def test_users_add_reads_the_password_from_stdin_and_refuses_weak_ones(tmp_path):
    env = {"HAIP_STAFF_DB": str(tmp_path / "staff.db"), "PATH": "/usr/bin:/bin"}
    # Once, as a deploy does: the other commands do not migrate.
    subprocess.run([sys.executable, "-m", "staff", "migrate"], env=env, cwd=paths.ROOT,
                   check=True, capture_output=True)  # fmt: skip

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
