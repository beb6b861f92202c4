"""`python -m bot serve NAME`: one of the supervisor's processes or jobs on its
own (NAME: a unit name in bot/servers/processes.py), with the command line and
environment the supervisor would give it. This is what the systemd units of
deploy/scale-out/ start, so a clinic that runs several Rasa servers runs exactly
the processes and jobs `make run` runs, and the scale-out test runs those units'
ExecStart lines.

Unlike `make run`, nothing restarts a process here (systemd does), and Rasa's
API token and the action server's secret come from the unit's environment file,
the same for every process that uses them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot import paths
from bot.servers import action_secret, api_token, processes, supervisor
from bot.settings import Settings
from bot.trainings import TrainingStore

# Unit name (`bot serve UNIT`) to the supervisor's name, for each process and job.
NAMES = {p.unit: p.name for p in processes.ALL}


def current_model(built: Path, models_dir: Path = paths.MODELS_DIR) -> Path:
    """A model the trainer has made and checked goes live at the next start of a
    Rasa server (restart them one at a time: docs/scaling-out.md); else the live
    one, else `built`, the one `python -m bot train` makes for the current content."""
    trainings = TrainingStore()
    waiting = trainings.waiting_to_load()
    if waiting is not None and waiting.model and (models_dir / waiting.model).exists():
        trainings.went_live(waiting.id, waiting.model)
    live = trainings.live_model()
    if live and (models_dir / live).exists():
        return models_dir / live
    if not built.exists():
        raise SystemExit(f"No trained model in {models_dir}: run `python -m bot train` first.")
    if live != built.name:
        trainings.set_live_model(built.name)
    return built


def command_and_env(
    name: str, settings: Settings, built: Path | None = None
) -> tuple[list[str], dict[str, str]]:
    process = NAMES[name]
    model = current_model(built) if process == supervisor.RASA and built else Path("unused")
    # Read before child_env, which gives every process the placeholder.
    secret = os.environ.get(action_secret.VARIABLE, "")
    env = supervisor.child_env(settings)
    if process in supervisor.NEEDS_ACTIONS_SECRET:
        if not secret:
            raise SystemExit(f"{action_secret.VARIABLE} must be set (the units' secrets file).")
        env[action_secret.VARIABLE] = secret
    if process in supervisor.NEEDS_API_TOKEN:
        if not env.get(api_token.VARIABLE):
            raise SystemExit(f"{api_token.VARIABLE} must be set (the units' secrets file).")
    else:
        env.pop(api_token.VARIABLE, None)
    return supervisor.commands(settings, model)[process], env


def main(name: str, port: int | None, built: Path | None) -> int:
    if port is not None:  # a Rasa server of several: its own port, not the proxy's
        os.environ["HAIP_RASA_PORT"] = str(port)
    settings = Settings.from_env()
    command, env = command_and_env(name, settings, built)
    sys.stdout.flush()
    os.chdir(paths.ROOT)
    os.execvpe(command[0], command, env)
    return 1  # not reached
