"""`python -m bot --help` and the table of commands in docs/install.md say the same."""

import argparse

from bot import cli, paths


def test_the_install_page_lists_every_command_with_its_help():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    page = (paths.ROOT / "docs" / "install.md").read_text()
    for choice in sub._choices_actions:
        assert f"| `python -m bot {choice.dest}` | {choice.help} |" in page
    listed = [line for line in page.splitlines() if line.startswith("| `python -m bot ")]
    assert len(listed) == len(sub._choices_actions)
