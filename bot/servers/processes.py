"""The assistant's processes and jobs: the one list of them. The supervisor (`make
run`, bot/servers/supervisor.py) starts and repeats what it says, `python -m bot
serve UNIT` runs one of them on its own, and the systemd units of
deploy/scale-out/systemd/ are made from it (`python -m bot.servers.systemd_units`;
a test keeps the committed files equal). Data only: what each one is, not how it
is run.

Each entry: its name (as the supervisor's log says it), its unit name (`bot serve
UNIT`, haip-UNIT.service), the module and arguments after `python -m`, what it is
for, its kind (a server runs until stopped; a job runs to its end, once before the
processes that start after it, or periodically), what it needs, and what it
starts after.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import runtimes

# Kinds.
SERVER = "runs until stopped"
ONCE = "runs to its end, before the processes that start after it"
PERIODIC = "runs to its end, again every every_s seconds"

# Needs. The two secrets go only to the processes that use them (supervisor,
# bot/servers/one_process.py); PostgreSQL and Redis only when scaled out.
API_TOKEN = "Rasa's API token"
ACTIONS_SECRET = "the action server's secret"
POSTGRESQL = "PostgreSQL (scaled out)"
REDIS = "Redis (scaled out)"

DAY_S = 24 * 3600


@dataclass(frozen=True)
class Process:
    name: str
    unit: str
    module: tuple[str, ...]
    what: str
    kind: str = SERVER
    every_s: int | None = None
    needs: frozenset[str] = frozenset()
    # Started once these are ready (a job: has ended well).
    after: tuple[str, ...] = ()
    # Several of it at once, each on its own port (haip-rasa@PORT.service).
    several: bool = False
    # The Python it runs on (bot/runtimes.py): only the Rasa server is on Rasa's.
    runtime: str = runtimes.CORE


ACTIONS, RASA, WEB, SCHEDULER = "action server", "rasa server", "web server", "reminder scheduler"
STAFF, REVIEW_LOG, TRAINER = "staff workspace", "review log", "trainer"
MIGRATE, RETENTION = "staff migrations", "retention job"

ALL = (
    Process(
        MIGRATE,
        "migrate",
        ("staff", "migrate"),
        "creates or updates the staff database",
        kind=ONCE,
    ),
    Process(
        ACTIONS,
        "actions",
        ("bot.servers.action_server",),
        "answers FAQ topics from content/, only for callers with its secret",
        needs=frozenset({ACTIONS_SECRET}),
    ),
    Process(
        RASA,
        "rasa",
        ("bot.rasa.server",),
        "Rasa with its HTTP API",
        needs=frozenset({API_TOKEN, ACTIONS_SECRET, POSTGRESQL, REDIS}),
        several=True,
        runtime=runtimes.RASA,
    ),
    Process(
        STAFF,
        "staff",
        ("staff", "serve"),
        "the nurses' and editors' web app",
        needs=frozenset({POSTGRESQL}),
        after=(MIGRATE,),
    ),
    Process(
        REVIEW_LOG,
        "review-log",
        ("staff", "follow"),
        "copies Rasa's events to the workspace",
        needs=frozenset({POSTGRESQL}),
        after=(MIGRATE,),
    ),
    Process(TRAINER, "trainer", ("bot", "trainer"), "trains when an editor asks for it"),
    Process(
        WEB,
        "web",
        ("bot", "web"),
        "the chat widget's files and history",
        needs=frozenset({API_TOKEN}),
        after=(RASA,),
    ),
    Process(
        SCHEDULER,
        "scheduler",
        ("bot", "scheduler"),
        "delivers refill reminders",
        needs=frozenset({API_TOKEN, POSTGRESQL}),
        after=(RASA,),
    ),
    Process(
        RETENTION,
        "retention",
        ("staff", "retention"),
        "deletes conversations older than the clinic's retention setting",
        kind=PERIODIC,
        every_s=DAY_S,
        needs=frozenset({POSTGRESQL}),
        after=(MIGRATE,),
    ),
)

BY_NAME = {process.name: process for process in ALL}
BY_UNIT = {process.unit: process for process in ALL}
SERVERS = tuple(process for process in ALL if process.kind == SERVER)
