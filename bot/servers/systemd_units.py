"""The systemd units of deploy/scale-out/systemd/, made from the one list of
processes and jobs (bot/servers/processes.py), so production runs what `make run`
runs: a service for each server, a oneshot service for each job, and a timer for
each periodic one. Every unit starts `python -m bot serve UNIT`, which gives its
process the command line and environment the supervisor gives it.

    python -m bot.servers.systemd_units [FOLDER]

writes them (default: deploy/scale-out/systemd/); a test keeps the committed files
equal to what this makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot import paths
from bot.servers import processes
from bot.servers.processes import Process

FOLDER = paths.ROOT / "deploy" / "scale-out" / "systemd"
PYTHON = "/opt/haip/.venv/bin/python"
MADE_BY = (
    "# Made from bot/servers/processes.py by `python -m bot.servers.systemd_units`:\n"
    "# change the list there and run it again, not this file.\n"
)
# A timer's OnCalendar= for each period the list may use.
CALENDAR = {3600: "hourly", processes.DAY_S: "daily", 7 * processes.DAY_S: "weekly"}
SYSTEM_UNITS = {processes.POSTGRESQL: "postgresql.service", processes.REDIS: "redis-server.service"}
SECRETS = {processes.API_TOKEN, processes.ACTIONS_SECRET}

ONCE_WHY = """\
# A oneshot unit the units after it require, rather than ExecStartPre= in each:
# several units need it, it runs once when they start together rather than at
# every Restart=always of one of them, and a failure shows as this one failed unit
# while nothing runs on a half-done step. After a deploy, `systemctl restart
# {file}` runs it again and restarts the units that require it.
"""


def file_name(process: Process, suffix: str = "service") -> str:
    return f"haip-{process.unit}{'@' if process.several else ''}.{suffix}"


def _after(process: Process) -> tuple[list[str], list[str]]:
    """(After=, Requires=) units: the stores it needs when scaled out, the action
    server if it calls it (so at a stop it ends first, finishing its replies
    while the action server still answers), and what the list starts it after.
    A Rasa server is not named: its instances' ports are the clinic's; what
    calls Rasa retries until nginx has one."""
    after = [SYSTEM_UNITS[need] for need in sorted(process.needs) if need in SYSTEM_UNITS]
    if processes.ACTIONS_SECRET in process.needs and process.name != processes.ACTIONS:
        after.append(file_name(processes.BY_NAME[processes.ACTIONS]))
    requires = []
    for name in process.after:
        before = processes.BY_NAME[name]
        if before.several:
            continue
        after.append(file_name(before))
        if before.kind == processes.ONCE:
            requires.append(file_name(before))
    return after, requires


def service(process: Process) -> str:
    after, requires = _after(process)
    port = " on port %i" if process.several else ""
    lines = [
        MADE_BY.rstrip("\n"),
        "[Unit]",
        f"Description=HAI pump assistant: {process.name}{port} ({process.what})",
    ]
    if process.kind == processes.ONCE:
        lines.append(ONCE_WHY.format(file=file_name(process)).rstrip("\n"))
    lines.append(" ".join(["After=network-online.target", *after]))
    if requires:
        lines.append("Requires=" + " ".join(requires))
    lines += ["Wants=network-online.target", "", "[Service]"]
    if process.kind != processes.SERVER:
        lines.append("Type=oneshot")
    if process.kind == processes.ONCE:
        lines.append("RemainAfterExit=yes")
    lines += [
        "# Databases, keys and logs it writes are for the haip user only.",
        "UMask=0077",
        "User=haip",
        "Group=haip",
        "WorkingDirectory=/opt/haip",
        "EnvironmentFile=/etc/haip/haip.env",
    ]
    if process.needs & SECRETS:
        lines.append(f"# Secrets it uses: {', '.join(sorted(process.needs & SECRETS))}.")
        lines.append("EnvironmentFile=/etc/haip/secrets.env")
    instance = " --port %i" if process.several else ""
    lines.append(f"ExecStart={PYTHON} -m bot serve {process.unit}{instance}")
    if process.kind == processes.SERVER:
        lines += [
            "Restart=always",
            "RestartSec=1",
            "# Time to finish what it has started (Rasa: the replies under way).",
            "TimeoutStopSec=20",
        ]
    lines += ["NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=full"]
    if process.kind != processes.PERIODIC:  # a periodic job is started by its timer
        lines += ["", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def timer(process: Process) -> str:
    if process.every_s not in CALENDAR:
        raise ValueError(
            f"{process.name}: every {process.every_s} s has no systemd calendar here; "
            f"use one of {sorted(CALENDAR)}"
        )
    return (
        "\n".join(
            [
                MADE_BY.rstrip("\n"),
                "[Unit]",
                f"Description=HAI pump assistant: {process.name}, "
                f"{CALENDAR[process.every_s]} ({process.what})",
                "",
                "[Timer]",
                f"OnCalendar={CALENDAR[process.every_s]}",
                "# Run at boot if the machine was off when it was due, as `make run` runs",
                "# it at every start.",
                "Persistent=true",
                f"Unit={file_name(process)}",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]
        )
        + "\n"
    )


def units() -> dict[str, str]:
    """File name to text, for every process and job in the list."""
    made = {}
    for process in processes.ALL:
        made[file_name(process)] = service(process)
        if process.kind == processes.PERIODIC:
            made[file_name(process, "timer")] = timer(process)
    return made


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    made = units()
    for name, text in made.items():
        (folder / name).write_text(text)
    stale = sorted(
        path.name for path in folder.glob("haip-*") if path.name not in made and path.is_file()
    )
    for name in stale:
        print(f"{folder / name} is in no list: delete it if the process is gone.")
    print(f"Wrote {len(made)} units to {folder}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
