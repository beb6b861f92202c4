"""Everything of ours that imports Rasa, and the one way in.

Rasa Open Source 3.6.21 is the last open-source Rasa; the modules here replace
or extend some of its internals (docs/decisions/ says why each exists). They are
written and tested against that one version, so `install()` first checks the
Rasa underneath and refuses any other, then puts every replacement in place.
Every path that runs Rasa calls it: the Rasa server (server.py), Rasa's own
commands (`python -m bot.rasa train|test|data ...`, which the trainer, `make
test` and the staff's "Retrain now" use), and `bot eval` and the wild set
(agent.py). So the release gates test the code patients get.

The rest of the project (bot/ outside this package, actions/, staff/) imports
no Rasa: tests/test_layout.py keeps it so.
"""

from __future__ import annotations

from pathlib import Path

from bot import pins

# The replacements, in the order install() puts them in place.
REPLACEMENTS = ("action_results", "action_payload", "prior_states", "nlu_thread", "websocket_recv")

_installed: tuple[str, ...] = ()


class WrongRasaVersion(RuntimeError):
    pass


def pinned_version(lock_file: Path = pins.LOCK_FILE) -> str:
    """The Rasa version requirements/rasa.lock pins."""
    try:
        return pins.pinned("rasa", lock_file)
    except pins.NotPinned as unpinned:
        raise WrongRasaVersion(str(unpinned)) from None


def running_version() -> str:
    from rasa.version import __version__

    return __version__


def check_version() -> str:
    pinned, running = pinned_version(), running_version()
    if running != pinned:
        raise WrongRasaVersion(
            f"This is Rasa {running}, but our replacements of Rasa's internals (bot/rasa/) "
            f"were written and tested against Rasa {pinned}, which requirements/rasa.lock pins. "
            f"Install Rasa {pinned} (make install), or test the replacements against "
            f"Rasa {running} first."
        )
    return running


def install() -> tuple[str, ...]:
    """Checks the Rasa version, then puts every replacement in place (once per
    process; again is harmless). Returns the replacements' names."""
    global _installed
    check_version()
    from bot.rasa import action_payload, action_results, nlu_thread, prior_states, websocket_recv

    modules = {
        "action_results": action_results,
        "action_payload": action_payload,
        "prior_states": prior_states,
        "nlu_thread": nlu_thread,
        "websocket_recv": websocket_recv,
    }
    for name in REPLACEMENTS:
        modules[name].install()
    _installed = REPLACEMENTS
    return _installed


def installed() -> tuple[str, ...]:
    return _installed


def describe() -> str:
    """The line each gate prints, so its log shows what it ran."""
    if not _installed:
        return f"Rasa {running_version()} WITHOUT our replacements"
    return f"Rasa {running_version()} with our replacements installed: {', '.join(_installed)}"
