"""Two runtimes (bot/runtimes.py, docs/decisions/014-runtimes.md): the core's
supported Python for every process but the Rasa server, Rasa's for it. Checked on
the real environments `make test` builds, and on the locks `make install` reads."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import paths, pins, runtimes
from bot.servers import processes, supervisor
from bot.settings import Settings

VERSIONS = paths.ROOT.joinpath(".python-version").read_text().split()
LOCKS = paths.ROOT / "requirements"


def run(python, code):
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, timeout=120, cwd=paths.ROOT
    )


def test_python_version_names_the_core_s_then_rasa_s():
    core, rasa = VERSIONS
    assert tuple(map(int, core.split("."))) >= (3, 12)
    # Security-supported (to October 2027), the newest Rasa 3.6 passes every test on.
    assert tuple(map(int, rasa.split("."))) == (3, 11)
    assert (runtimes.version(runtimes.CORE), runtimes.version(runtimes.RASA)) == (core, rasa)


def test_the_core_runs_on_its_python_without_rasa():
    found = run(runtimes.python(runtimes.CORE), "import sys, importlib.util as u; "
                "print('%d.%d' % sys.version_info[:2], u.find_spec('rasa') is None)")
    assert found.stdout.split() == [VERSIONS[0], "True"]
    assert sys.version.startswith(VERSIONS[0] + ".")  # this test run is the core's


def test_rasa_runs_on_its_python_with_the_pinned_version():
    found = run(runtimes.python(runtimes.RASA), "import sys, importlib.metadata as m; "
                "print('%d.%d' % sys.version_info[:2], m.version('rasa'))")
    assert found.stdout.split() == [VERSIONS[1], pins.pinned("rasa")], found.stderr


def test_a_runtime_s_python_comes_from_its_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("HAIP_RASA_PYTHON", sys.executable)
    assert runtimes.python(runtimes.RASA) == sys.executable
    monkeypatch.setenv("HAIP_RASA_PYTHON", str(tmp_path / "no-python"))
    with pytest.raises(runtimes.NoRuntime, match="HAIP_RASA_PYTHON.*make install"):
        runtimes.python(runtimes.RASA)
    # Relative to the project, not resolved: a venv's python is a link.
    monkeypatch.delenv("HAIP_CORE_PYTHON")
    default = paths.ROOT / ".venv" / "bin" / "python"
    if default.exists():
        assert runtimes.python(runtimes.CORE) == str(default)
    else:
        with pytest.raises(runtimes.NoRuntime, match=re.escape(str(default))):
            runtimes.python(runtimes.CORE)


def test_only_the_rasa_server_is_started_on_rasa_s_python(monkeypatch):
    monkeypatch.setenv("HAIP_CORE_PYTHON", "/usr/bin/true")
    monkeypatch.setenv("HAIP_RASA_PYTHON", "/bin/true")
    commands = supervisor.commands(Settings.from_env({}), Path("model.tar.gz"))
    on_rasa = {name for name, command in commands.items() if command[0] == "/bin/true"}
    assert on_rasa == {processes.RASA}
    assert all(c[0] in ("/usr/bin/true", "/bin/true") for c in commands.values())


def test_rasa_s_commands_run_on_rasa_s_python_from_the_core(tmp_path, monkeypatch):
    """`python -m bot validate` typed with the core's Python goes on with Rasa's:
    spaCy builds the training data, and Rasa checks it."""
    seen = tmp_path / "seen"
    wrapper = tmp_path / "rasa-python"
    rasa = runtimes.python(runtimes.RASA)
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {seen}\nexec {rasa} "$@"\n')
    wrapper.chmod(0o700)
    monkeypatch.setenv("HAIP_RASA_PYTHON", str(wrapper))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "validate", "--content-only"],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Content OK" in done.stdout
    assert seen.read_text().split() == ["-m", "bot", "validate", "--content-only"]


def locked(name):
    return pins.names(LOCKS / name)


def direct(name):
    """The packages an .in file asks for by name."""
    lines = (LOCKS / name).read_text().splitlines()
    asked = [re.split(r"[=<>\[ ]", line)[0] for line in lines if re.match(r"[A-Za-z]", line)]
    return {pins.normalised(name) for name in asked}


def test_no_test_tool_is_in_a_runtime_lock():
    tools = direct("test.in") | direct("rasa-test.in")
    # Clients the tests talk to servers with, which Rasa itself depends on.
    tools -= {"python-socketio", "redis", "twilio"}
    assert {"pytest", "ruff", "playwright"} <= tools
    assert tools & locked("core.lock") == set()
    assert tools & locked("rasa.lock") == set()
    assert "rasa" not in locked("core.lock") and "spacy" not in locked("core.lock")
