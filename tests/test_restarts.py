"""The supervisor's restart rules with small real processes instead of the
servers (fast; the real servers are in test_supervisor.py)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import paths
from bot.servers import supervisor
from harness.servers import live_pids, wait_until


def supervisor_of(name: str, code: str) -> supervisor.Supervisor:
    """A supervisor whose only child runs `python -c code`."""
    watched = supervisor.Supervisor(supervisor.Settings.from_env({}), Path("unused.tar.gz"))
    child = supervisor.Child(name, [sys.executable, "-c", code], dict(os.environ), ready_url=None)
    watched.children = {name: child}
    child.start()
    return watched


def watch_for(watched: supervisor.Supervisor, seconds: float) -> None:
    # In this thread, as in `make run`: a child dies with the thread that started it.
    threading.Timer(seconds, watched.request_stop).start()
    try:
        watched.watch()
    finally:
        watched.stop()


def delays(output: str) -> list[int]:
    return [int(d) for d in re.findall(r"restarting it in (\d+) s", output)]


def test_a_child_that_keeps_failing_waits_longer_each_time(capsys):
    watch_for(supervisor_of("web server", "raise SystemExit(3)"), 3.8)
    output = capsys.readouterr().err
    assert "The web server stopped (exit code 3); restarting it in 1 s." in output
    assert delays(output)[:2] == [1, 2] and set(delays(output)) <= {1, 2, 4}


def test_a_child_that_ran_fine_for_a_while_starts_its_back_off_over(capsys, monkeypatch):
    monkeypatch.setattr(supervisor, "STABLE_AFTER_S", 0.5)
    watch_for(supervisor_of("web server", "import time; time.sleep(0.8); raise SystemExit(3)"), 4.5)
    output = capsys.readouterr().err
    assert len(delays(output)) >= 2 and set(delays(output)) == {1}
    assert "The web server is back (pid " in output


def test_a_killed_child_is_reported_by_its_signal(capsys):
    watched = supervisor_of("reminder scheduler", "import time; time.sleep(60)")
    os.kill(watched.children["reminder scheduler"].process.pid, signal.SIGKILL)
    watch_for(watched, 0.5)
    assert "The reminder scheduler stopped (killed by SIGKILL); restarting it in 1 s." in (
        capsys.readouterr().err
    )


def test_children_die_with_a_killed_supervisor():
    # A stand-in supervisor process that starts one child the way supervisor.py does.
    starter = (
        "import os, sys, time; from bot.servers import supervisor; "
        "c = supervisor.Child('x', [sys.executable, '-c', 'import time; time.sleep(60)'], "
        "dict(os.environ), None); c.start(); print(c.process.pid, flush=True); time.sleep(60)"
    )
    watched = subprocess.Popen(
        [sys.executable, "-c", starter], cwd=paths.ROOT, stdout=subprocess.PIPE, text=True
    )
    child = int(watched.stdout.readline())
    assert child in live_pids()
    watched.kill()
    watched.wait(timeout=10)
    assert wait_until(lambda: child not in live_pids(), 5)


def test_stop_ends_a_child_that_ignores_sigterm_in_time(tmp_path):
    deaf = tmp_path / "deaf"
    watched = supervisor_of(
        "web server",
        "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(deaf)!r}).touch(); time.sleep(60)",
    )
    assert wait_until(deaf.exists, 30)
    started = time.monotonic()
    watched.stop(grace_s=1)
    assert time.monotonic() - started < 5
    assert watched.children["web server"].process.returncode == -signal.SIGKILL


def test_a_child_that_stops_answering_is_restarted(capsys, monkeypatch):
    from harness.servers import free_port

    monkeypatch.setattr(supervisor, "HEALTH_EVERY_S", 0.3)
    monkeypatch.setattr(supervisor, "HUNG_AFTER_S", 1.5)
    port = free_port()
    serve = (
        f"import http.server; http.server.HTTPServer(('127.0.0.1', {port}), "
        "http.server.SimpleHTTPRequestHandler).serve_forever()"
    )
    watched = supervisor.Supervisor(supervisor.Settings.from_env({}), Path("unused.tar.gz"))
    child = supervisor.Child(
        "web server", [sys.executable, "-c", serve], dict(os.environ), f"http://127.0.0.1:{port}/"
    )
    watched.children = {"web server": child}
    child.start()
    assert wait_until(child.became_ready, 10)
    frozen = child.process.pid
    os.kill(frozen, signal.SIGSTOP)  # alive, but answers nothing
    try:
        watch_for(watched, 10)
    finally:
        if frozen in live_pids():
            os.kill(frozen, signal.SIGKILL)
    output = capsys.readouterr().err
    assert "The web server has not answered for " in output
    assert "The web server stopped (killed by SIGKILL); restarting it in 1 s." in output
    assert "The web server is back (pid " in output
    assert frozen not in live_pids()


def stand_ins(tmp_path: Path, migrate: str) -> supervisor.Supervisor:
    """A supervisor whose children each note whether the migration had run when
    they started, and whose migration runs `python -c migrate`."""
    watched = supervisor.Supervisor(supervisor.Settings.from_env({}), Path("unused.tar.gz"))
    for name, child in watched.children.items():
        note = tmp_path / f"{name}.started"
        code = (
            "import pathlib, time; "
            f"pathlib.Path({str(note)!r}).write_text("
            f"str(pathlib.Path({str(tmp_path / 'migrated')!r}).exists())); time.sleep(60)"
        )
        child.command, child.ready_url, child.notifies = [sys.executable, "-c", code], None, False
    watched.commands[supervisor.MIGRATE] = [sys.executable, "-c", migrate]
    return watched


def test_the_staff_processes_start_once_the_migration_has_run(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIP_TRAINING_DIR", str(tmp_path / "training"))
    migrate = (
        f"import pathlib, time; time.sleep(1); pathlib.Path({str(tmp_path / 'migrated')!r}).touch()"
    )
    watched = stand_ins(tmp_path, migrate)
    notes = [tmp_path / f"{name}.started" for name in watched.children]
    try:
        watched.start_all()
        # Ready once running: each writes its note a moment later.
        assert wait_until(lambda: all(note.exists() and note.read_text() for note in notes), 30)
    finally:
        watched.stop()
    noted = {name: (tmp_path / f"{name}.started").read_text() for name in watched.children}
    assert noted[supervisor.STAFF] == noted[supervisor.REVIEW_LOG] == "True"
    # The others did not wait for it.
    assert noted[supervisor.RASA] == noted[supervisor.ACTIONS] == "False"


def test_a_failed_migration_stops_the_start_before_any_staff_process(tmp_path):
    watched = stand_ins(tmp_path, "raise SystemExit(2)")
    try:
        with pytest.raises(RuntimeError, match=r"The staff migrations failed \(exit code 2\)"):
            watched.start_all()
    finally:
        watched.stop()
    assert watched.children[supervisor.STAFF].process is None
    assert watched.children[supervisor.REVIEW_LOG].process is None


def test_each_periodic_job_runs_at_once_and_never_twice_at_the_same_time(tmp_path, monkeypatch):
    import dataclasses

    from bot.servers import processes

    monkeypatch.setattr(supervisor, "POLL_S", 0.05)
    # Due every 0.2 s, each run takes 3 s: one run in the 1.5 s watched.
    often = [
        dataclasses.replace(p, every_s=0.2) if p.kind == processes.PERIODIC else p
        for p in processes.ALL
    ]
    monkeypatch.setattr(processes, "ALL", tuple(often))
    periodic = [p.name for p in often if p.kind == processes.PERIODIC]
    runs = tmp_path / "runs"
    watched = supervisor.Supervisor(supervisor.Settings.from_env({}), Path("unused.tar.gz"))
    watched.children = {}
    for name in periodic:
        watched.commands[name] = [
            sys.executable,
            "-c",
            f"import time; open({str(runs)!r}, 'a').write({name!r} + '\\n'); time.sleep(3)",
        ]
    watch_for(watched, 1.5)
    time.sleep(1)  # the last one started has written its line
    assert sorted(runs.read_text().splitlines()) == sorted(periodic)
