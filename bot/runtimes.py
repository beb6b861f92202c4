"""Which Python runs what. Two runtimes (docs/decisions/014-runtimes.md): the
core's, a supported Python that runs every process but the Rasa server, and the
Rasa server's (with its training and the release gates' model loads), the one
Python Rasa 3.6 supports. `.python-version` names both; `make` builds each
environment from its lock (requirements/).

A process finds each runtime's interpreter here: the settings HAIP_CORE_PYTHON
and HAIP_RASA_PYTHON (by default the runtime environments `make install` makes
in the project folder; the tests point them at their own)."""

from __future__ import annotations

import importlib.util
import os

from bot import settings

CORE, RASA = "core", "rasa"
VARIABLES = {CORE: "HAIP_CORE_PYTHON", RASA: "HAIP_RASA_PYTHON"}


class NoRuntime(RuntimeError):
    pass


def version(runtime: str) -> str:
    """The Python version a runtime is built on ("3.12"), as .python-version names them:
    the core's first, Rasa's second."""
    versions = (settings.ROOT / ".python-version").read_text().split()
    return versions[(CORE, RASA).index(runtime)]


def python(runtime: str) -> str:
    """The interpreter of a runtime, as its setting names it. Not resolved: a
    virtual environment's python is a link to the interpreter it was made from."""
    variable = VARIABLES[runtime]
    given = settings.get(variable)
    interpreter = given if os.path.isabs(given) else os.path.join(settings.ROOT, given)
    if not os.access(interpreter, os.X_OK):
        raise NoRuntime(
            f"No Python for the {runtime} runtime: {interpreter} is missing ({variable}). "
            "Run `make install`, or set it to the runtime's interpreter."
        )
    return interpreter


def on_rasa() -> bool:
    """Whether this interpreter has Rasa (the Rasa runtime, or its test environment)."""
    return importlib.util.find_spec("rasa") is not None
