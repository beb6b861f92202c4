"""bot/rasa/: the one way into Rasa. Every path that runs Rasa (the server,
Rasa's own commands for training and the test stories, `bot eval` and the wild
set) checks the Rasa version and installs our replacements first; any other
Rasa version is refused with a message naming both."""

import ast
import subprocess
import sys
import textwrap

import pytest

import bot.rasa
from bot import paths
from bot.training import train, trainer

# In a fresh process: which replacements are in place before and after loading
# a model (argv[1]) the way the gates do.
LOAD_AS_THE_GATES_DO = """
import sys
from pathlib import Path

from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain

from sanic.server.websockets.frame import WebsocketFrameAssembler

from bot.rasa import action_payload, action_results, agent, nlu_thread, prior_states


def in_place():
    found = {
        "action_results": RemoteAction._validate_action_result
        is action_results.validate_action_result,
        "action_payload": RemoteAction._action_call_format is action_payload.action_call_format,
        "prior_states": Domain.states_for_tracker_history
        is prior_states.states_for_tracker_history,
        "nlu_thread": MessageProcessor.parse_message is nlu_thread.parse_message,
        "websocket_recv": getattr(WebsocketFrameAssembler.get, "returns_a_task", False),
    }
    print(sorted(name for name, yes in found.items() if yes))


in_place()
try:
    agent.load(Path(sys.argv[1]))
except Exception:
    pass
in_place()
"""


def test_loading_a_model_for_the_gates_installs_every_replacement_first(tmp_path):
    """bot/rasa/agent.py, which `bot eval`, the wild set and bench/ load models
    with: nothing is in place before it and all is after, even when the model
    then fails to load."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AS_THE_GATES_DO, str(tmp_path / "no-such-model.tar.gz")],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    before, after = done.stdout.splitlines()[-2:]
    assert before == "[]"
    assert after == str(sorted(bot.rasa.REPLACEMENTS))
    assert "with our replacements installed: " + ", ".join(bot.rasa.REPLACEMENTS) in done.stderr


def test_rasas_own_commands_run_through_the_package_with_the_replacements():
    done = subprocess.run(
        train.rasa_command("--version"), cwd=paths.ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Rasa Version      :         {bot.rasa.pinned_version()}" in done.stdout
    assert (
        f"Rasa {bot.rasa.pinned_version()} with our replacements installed: "
        + ", ".join(bot.rasa.REPLACEMENTS)
    ) in done.stderr


def test_every_gate_and_training_command_goes_through_the_package(tmp_path):
    through_package = [sys.executable, "-m", "bot.rasa"]
    assert train.rasa_command("test", "core")[:3] == through_package
    assert trainer.rasa_train_command(tmp_path, "m")[:3] == through_package
    # No other way of starting Rasa's own command line in the product: a string
    # "rasa" right after "-m" (bench/starter.py measures an untouched starter
    # bot of `rasa init`, on purpose).
    offending = []
    for folder in ("bot", "actions", "staff", "bench"):
        for file in (paths.ROOT / folder).glob("**/*.py"):
            if file == paths.ROOT / "bench" / "starter.py":
                continue
            for node in ast.walk(ast.parse(file.read_text())):
                if isinstance(node, ast.List | ast.Tuple):
                    values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
                    if any(
                        a == "-m" and b == "rasa" for a, b in zip(values, values[1:], strict=False)
                    ):
                        offending.append(f"{file.relative_to(paths.ROOT)}:{node.lineno}")
    assert offending == []


def test_another_rasa_version_is_refused_with_both_versions_named():
    code = textwrap.dedent(
        """
        import sys
        import rasa.version
        rasa.version.__version__ = "3.6.20"
        sys.argv = ["python -m bot.rasa", "--version"]
        from bot.rasa.__main__ import main
        main()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    assert "This is Rasa 3.6.20" in done.stderr
    assert f"tested against Rasa {bot.rasa.pinned_version()}" in done.stderr
    assert "Rasa Version" not in done.stdout


def test_the_pinned_version_is_the_lock_files(tmp_path):
    assert bot.rasa.pinned_version() == bot.rasa.running_version()
    lock = tmp_path / "rasa.lock"
    lock.write_text("rasa-sdk==3.6.2\n")
    with pytest.raises(bot.rasa.WrongRasaVersion, match="pins no version of rasa"):
        bot.rasa.pinned_version(lock)
