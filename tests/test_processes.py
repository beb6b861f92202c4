"""The one list of processes and jobs (bot/servers/processes.py): the supervisor
builds its children and periodic jobs from it, and the systemd units of
deploy/scale-out/systemd/ are made from it, so production runs what `make run`
runs. Fast: nothing is started."""

from pathlib import Path

import pytest

from bot.servers import one_process, processes, supervisor, systemd_units
from bot.settings import Settings
from harness.scale_out import UNITS, unit, unit_command

MODEL = Path("unused")


def test_the_committed_units_are_the_ones_the_list_makes():
    made = systemd_units.units()
    committed = {path.name: path.read_text() for path in UNITS.glob("haip-*")}
    fix = "run `python -m bot.servers.systemd_units` and commit deploy/scale-out/systemd/"
    assert sorted(committed) == sorted(made), fix
    for name, text in made.items():
        assert committed[name] == text, f"{name} differs from the list: {fix}"


def test_every_unit_runs_what_the_supervisor_runs(monkeypatch):
    monkeypatch.setenv("HAIP_RASA_API_TOKEN", "a" * 64)
    monkeypatch.setenv("HAIP_ACTIONS_SECRET", "b" * 64)
    settings = Settings.from_env({})
    watched = supervisor.Supervisor(settings, MODEL)
    for process in processes.ALL:
        name = systemd_units.file_name(process)
        command = unit_command(name, "5006")
        assert command[1:5] == ["-m", "bot", "serve", process.unit], name
        # With no model built: the model the Rasa unit loads is the live one
        # (one_process.current_model), a choice of the unit's, not of the list.
        served, _ = one_process.command_and_env(process.unit, settings)
        assert served == watched.commands[process.name], name
    assert set(watched.children) == {p.name for p in processes.SERVERS}


def test_every_periodic_job_has_a_timer_and_a_oneshot_service():
    periodic = [p for p in processes.ALL if p.kind == processes.PERIODIC]
    assert processes.RETENTION in {p.name for p in periodic}
    for process in periodic:
        service = systemd_units.file_name(process)
        assert unit(service)["Type"] == ["oneshot"]
        timer = (UNITS / systemd_units.file_name(process, "timer")).read_text()
        assert f"OnCalendar={systemd_units.CALENDAR[process.every_s]}\n" in timer
        assert "Persistent=true\n" in timer and f"Unit={service}\n" in timer


def test_the_staff_units_require_the_migrations_once():
    for name in ("haip-staff.service", "haip-review-log.service", "haip-retention.service"):
        text = (UNITS / name).read_text()
        assert "Requires=haip-migrate.service\n" in text, name
        assert "haip-migrate.service" in text.split("After=", 1)[1].split("\n", 1)[0], name
    assert unit("haip-migrate.service")["Type"] == ["oneshot"]
    assert unit("haip-migrate.service")["RemainAfterExit"] == ["yes"]


def test_each_process_starts_after_ones_listed_before_it_that_end_or_answer():
    """What the supervisor's first start waits for exists, comes first, and is
    not a periodic job (which would never be waited for)."""
    seen: set[str] = set()
    for process in processes.ALL:
        for name in process.after:
            assert name in seen, (process.name, name)
            assert processes.BY_NAME[name].kind != processes.PERIODIC, (process.name, name)
        seen.add(process.name)
    assert len(seen) == len(processes.ALL) == len({p.unit for p in processes.ALL})


def test_a_period_systemd_has_no_calendar_for_is_refused():
    odd = processes.Process("odd job", "odd", ("bot", "odd"), "x", processes.PERIODIC, 5 * 3600)
    with pytest.raises(ValueError, match="no systemd calendar"):
        systemd_units.timer(odd)
