"""The supervisor behind `make run` (`python -m bot run`): starts the assistant's
processes, keeps them running, runs its periodic jobs, and stops them all on
Ctrl-C (SIGINT) or SIGTERM. Which processes and jobs there are, what each needs
and what starts after what is the one list in bot/servers/processes.py, from
which the systemd units of deploy/scale-out/ are made too.

When the trainer has a new model that passed its gates, the supervisor starts a
second Rasa server with it on the same port (SO_REUSEPORT; it takes connections
only once loaded: bot/rasa/server.py), then stops the old one, which
finishes the replies it has started: patients are answered throughout.

Each process starts once those it starts after are ready: the staff database's
migrations run once, here, before the staff processes start; the web server and
the scheduler wait for Rasa to load its model. Periodic jobs (retention) run once
everything is up, then again as often as the list says. A process that stops after
that is restarted on its own, after 1 s, 2 s, 4 s ... up to 30 s (back to 1 s
once it has run for a minute); the others keep running. Every child dies with the supervisor, even
after a `kill -9` (Linux PR_SET_PDEATHSIG), so nothing is left holding a port.

Files it and its children make are their user's only (umask 077), and files
under var/ and the other data places made before are fixed to 0600/0700 on
start (bot/servers/private_files.py).

Settings come from the environment (docs/settings.md):
  HAIP_HOST           interface both servers bind to (default 127.0.0.1)
  HAIP_RASA_PORT      Rasa server port (default 5005)
  HAIP_ACTIONS_PORT   action server port (default 5055)
  HAIP_TRACKER_DB     SQLite file for conversations (default var/tracker.db)
  HAIP_REMINDERS_DB   SQLite file for refill reminders (default var/reminders.db)
  HAIP_REMINDER_POLL_SECONDS  how often due reminders are checked (default 5)
  HAIP_WEB_PORT       port of the chat widget and demo clinic page (default 8000)
  HAIP_SOCKET_URL     where browsers reach Rasa's socket.io (default: the Rasa
                      server; behind HTTPS, the public https:// address)
  HAIP_CORS_ORIGINS   space-separated origins of the pages that embed the widget
                      (the widget's own server is always allowed)

Rasa's HTTP API is on (the web server and the scheduler use it) but needs a
token that is made anew at every start, never printed and never put on a
command line: only the three processes that use it get it, in their environment.
The action server answers only calls that carry a secret made the same way,
which only it and Rasa get (bot/servers/action_secret.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import paths, runtimes, sqlite_files
from bot.content.loader import Content
from bot.servers import action_secret, api_token, private_files, processes
from bot.servers.ready_pipe import VARIABLE as READY_FD
from bot.settings import Settings
from bot.trainings import TrainingStore

READY_TIMEOUT_S = 300  # first start; Rasa alone takes 20-40 s to load its model
FIRST_RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
STABLE_AFTER_S = 60.0  # a child that ran this long starts its back-off over
POLL_S = 0.25
STOP_GRACE_S = 15.0
# A ready child is asked every HEALTH_EVERY_S; one that has not answered for
# HUNG_AFTER_S (frozen, deadlocked, its event loop stuck) is killed and restarted.
HEALTH_EVERY_S = 10.0
HUNG_AFTER_S = 45.0

ACTIONS, RASA, WEB, SCHEDULER = (
    processes.ACTIONS,
    processes.RASA,
    processes.WEB,
    processes.SCHEDULER,
)
STAFF, REVIEW_LOG, TRAINER = processes.STAFF, processes.REVIEW_LOG, processes.TRAINER
MIGRATE, RETENTION = processes.MIGRATE, processes.RETENTION
# How often the supervisor looks for a newly trained model, and how long the new
# Rasa server may take to load it before the switch is given up.
TRAININGS_EVERY_S = 2.0
SWITCH_TIMEOUT_S = 300.0
# Only these call or serve Rasa's API; the action server never sees the token.
NEEDS_API_TOKEN = tuple(p.name for p in processes.ALL if processes.API_TOKEN in p.needs)
# Rasa sends the action server's secret (endpoints.yml); the action server checks it.
NEEDS_ACTIONS_SECRET = tuple(p.name for p in processes.ALL if processes.ACTIONS_SECRET in p.needs)


def child_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.rasa_environment()}


def commands(settings: Settings, model: Path) -> dict[str, list[str]]:
    """Each process's and job's command line: `python -m` and its module from the
    list, then what the settings decide. No secrets here: any local user can read
    a command line."""
    cors = [arg for origin in settings.cors_origins for arg in ("--cors", origin)]
    from_settings = {
        ACTIONS: ["--interface", settings.host, "--port", str(settings.actions_port)],
        RASA: [
            "--model",
            str(model),
            "--interface",
            settings.host,
            "--port",
            str(settings.rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            str(settings.endpoints_file),
            *cors,
        ],
    }
    return {
        p.name: [runtimes.python(p.runtime), "-m", *p.module, *from_settings.get(p.name, [])]
        for p in processes.ALL
    }


def ready_urls(settings: Settings) -> dict[str, str]:
    """What answers while a child works (the health check); the scheduler, the
    review log and the trainer are ready once they run. Rasa says itself when it
    is ready (READY_FD): two of them can share one port."""
    return {
        ACTIONS: f"{settings.actions_url}/health",
        RASA: f"{settings.rasa_url}/",
        WEB: f"{settings.web_url}/",
        STAFF: f"{settings.staff_url}/health/",
    }


def is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def taken_port(settings: Settings) -> str | None:
    """Why the assistant cannot start, if one of its ports is taken: said at
    once, not after the slow start."""
    for label, port, variable in (
        ("web chat", settings.web_port, "HAIP_WEB_PORT"),
        ("Rasa", settings.rasa_port, "HAIP_RASA_PORT"),
        ("action server", settings.actions_port, "HAIP_ACTIONS_PORT"),
        ("staff workspace", settings.staff_port, "HAIP_STAFF_PORT"),
    ):
        with socket.socket() as probe:
            # As the servers bind: a port left in TIME_WAIT by a stopped run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((settings.host, port))
            except OSError as exc:
                return (
                    f"the {label} port {port} is not free ({exc.strerror}). "
                    f"Set {variable} to a free port."
                )
    return None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


_PR_SET_PDEATHSIG = 1
# Loaded here, not in the forked child, where loading a library is not safe.
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with(supervisor_pid: int) -> Callable[[], None] | None:
    """For Popen's preexec_fn: the kernel kills the child when the supervisor
    dies, however it dies (kill -9 included), so no server outlives it. Strictly,
    when the thread that started it ends: start children from the main thread."""
    if _libc is None:
        return None

    def in_child() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != supervisor_pid:  # it died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child


@dataclass
class Child:
    """One supervised process and its restart state."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str | None
    notifies: bool = False  # says "ready" on a pipe (READY_FD) rather than by ready_url
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    ready: bool = False
    restart_at: float | None = None  # set while it waits out its back-off
    down_since: float | None = None  # first stop of an outage, for the recovery time
    next_delay_s: float = FIRST_RESTART_DELAY_S
    answered_at: float = 0.0  # last time its health check answered
    checked_at: float = 0.0
    ready_pipe: int | None = None

    def start(self) -> None:
        env, keep = self.env, ()
        if self.notifies:
            self._close_pipe()
            self.ready_pipe, write_end = os.pipe()
            os.set_blocking(self.ready_pipe, False)
            env, keep = {**self.env, READY_FD: str(write_end)}, (write_end,)
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=paths.ROOT,
                env=env,
                pass_fds=keep,
                # Its own process group: Ctrl-C reaches only the supervisor, which
                # stops the children itself, and a stop reaches a child's workers too.
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
            )
        finally:
            for fd in keep:
                os.close(fd)
        self.started_at = time.monotonic()
        self.ready = False
        self.restart_at = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def became_ready(self) -> bool:
        """True once, when a started child first answers."""
        if self.ready or not self.running:
            return False
        if self.notifies:
            self.ready = self._said_ready()
        else:
            self.ready = self.ready_url is None or is_up(self.ready_url)
        if self.ready:
            self.answered_at = self.checked_at = time.monotonic()
        return self.ready

    def _said_ready(self) -> bool:
        try:
            said = os.read(self.ready_pipe, 64)
        except BlockingIOError:
            return False
        self._close_pipe()
        return said.startswith(b"ready")

    def _close_pipe(self) -> None:
        if self.ready_pipe is not None:
            os.close(self.ready_pipe)
            self.ready_pipe = None

    def hung_for(self, now: float) -> float:
        """Seconds since a ready child last answered its health check (0 if it
        just did, or has nothing to ask); asks at most every HEALTH_EVERY_S."""
        if not self.ready or self.ready_url is None:
            return 0.0
        if now - self.checked_at >= HEALTH_EVERY_S:
            self.checked_at = now
            if is_up(self.ready_url):
                self.answered_at = now
        return now - self.answered_at

    def signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


def log(message: str) -> None:
    """Supervisor events: process names, exit codes and delays only, never a
    patient's words or a secret."""
    print(message, file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, settings: Settings, model: Path):
        self.settings = settings
        self.model = model
        self.api_token = api_token.new()
        self.actions_secret = action_secret.new()
        self.stopping = False
        self.commands = commands(settings, model)
        self.children = {
            p.name: self._child(p.name, self.commands[p.name]) for p in processes.SERVERS
        }
        self.trainings: TrainingStore | None = None
        self.trainings_at = 0.0
        # A Rasa server with a new model, until it takes over; then the old one,
        # until it has finished its replies.
        self.incoming: tuple[Child, int] | None = None
        self.outgoing: list[tuple[Child, float]] = []  # with when to kill it

    def _child(self, name: str, command: list[str]) -> Child:
        url = ready_urls(self.settings).get(name)
        return Child(name, command, self._env_for(name), url, notifies=name == RASA)

    def _env_for(self, name: str) -> dict[str, str]:
        env = child_env(self.settings)
        env.pop(api_token.VARIABLE, None)  # never one from the caller's shell
        if name in NEEDS_API_TOKEN:
            env[api_token.VARIABLE] = self.api_token
        if name in NEEDS_ACTIONS_SECRET:
            env[action_secret.VARIABLE] = self.actions_secret
        return env

    def request_stop(self, signum=None, frame=None) -> None:
        """Signal handler: the loops below finish their step and return."""
        self.stopping = True

    def start_all(self) -> None:
        """First start, as the list says: each server once those it starts after
        are ready, each job that runs once (the staff database's migrations) to
        its end before them. A child that stops before it is ready, or such a job
        that fails, means something to fix (a broken model, a port taken
        meanwhile, a failed migration), not something a restart mends:
        RuntimeError."""
        first = [p for p in processes.ALL if p.kind != processes.PERIODIC]
        started: dict[str, float] = {}
        jobs: dict[str, subprocess.Popen] = {}
        ready: set[str] = set()
        while len(ready) < len(first) and not self.stopping:
            now = time.monotonic()
            for p in first:
                if p.name in started or not all(name in ready for name in p.after):
                    continue
                if p.kind == processes.ONCE:
                    if (job := self._run_job(p.name)) is None:
                        raise RuntimeError(f"Could not run the {p.name}.")
                    jobs[p.name] = job
                else:
                    self.children[p.name].start()
                started[p.name] = now
            for name in sorted(set(started) - ready):
                if self._started_well(name, jobs.get(name)):
                    ready.add(name)
                elif now - started[name] > READY_TIMEOUT_S:
                    raise RuntimeError(f"Not ready after {READY_TIMEOUT_S:.0f} s: {name}")
            if len(ready) < len(first):
                time.sleep(POLL_S)
        if not self.stopping:
            self.trainings = TrainingStore()
            self.trainings.set_live_model(self.model.name)

    def _started_well(self, name: str, job: subprocess.Popen | None) -> bool:
        """A job: has ended well; a server: is ready. RuntimeError if it stopped."""
        if job is not None:
            if (code := job.poll()) is not None and code != 0:
                raise RuntimeError(f"The {name} failed ({describe_exit(code)}).")
            return code == 0
        child = self.children[name]
        if not child.running:
            raise RuntimeError(f"The {name} stopped while starting "
                               f"({describe_exit(child.process.returncode)}).")  # fmt: skip
        return child.became_ready()

    def watch(self) -> None:
        """Until a stop signal: restart each child that stops, on its own, and
        run each periodic job as often as the list says (the first time at once;
        never twice at the same time)."""
        periodic = [p for p in processes.ALL if p.kind == processes.PERIODIC]
        running: dict[str, subprocess.Popen | None] = {}
        due = {p.name: time.monotonic() for p in periodic}
        while not self.stopping:
            now = time.monotonic()
            for p in periodic:
                job = running.get(p.name)
                if now >= due[p.name] and (job is None or job.poll() is not None):
                    running[p.name] = self._run_job(p.name)
                    due[p.name] = now + p.every_s
            for child in self.children.values():
                if child.running:
                    if child.became_ready():
                        self._back(child)
                    elif self._may_hang(child) and (silent := child.hung_for(now)) >= HUNG_AFTER_S:
                        log(f"The {child.name} has not answered for {silent:.0f} s; restarting it.")
                        child.signal_group(signal.SIGKILL)  # seen as stopped next round
                        child.answered_at = now  # said once, not again until it is reaped
                elif child.restart_at is None:
                    self._stopped(child, now)
                elif now >= child.restart_at:
                    self._restart(child, now)
            if self.trainings is not None:
                self._follow_trainings(now)
            time.sleep(POLL_S)

    def _follow_trainings(self, now: float) -> None:
        """Moves patients to a newly trained model once it passed its gates, with
        no moment in which nobody answers: the new server loads beside the old."""
        self._retire(now)
        if self.incoming is not None:
            self._switch_step(now)
        elif now >= self.trainings_at:
            self.trainings_at = now + TRAININGS_EVERY_S
            if (training := self.trainings.waiting_to_load()) is not None:
                self._start_switch(training.id, training.model)

    def _start_switch(self, training_id: int, name: str) -> None:
        models_dir = paths.MODELS_DIR.resolve()
        model = (models_dir / name).resolve()
        if model.parent != models_dir or not model.name.endswith(".tar.gz") or not model.is_file():
            # Only a model file in models/ is ever loaded.
            self.trainings.failed(training_id, "The new model file is missing from models/.")
            return
        if model == self.model.resolve():
            self.trainings.went_live(training_id, model.name)
            return
        command = commands(self.settings, model)[RASA]
        child = self._child(RASA, command)
        child.start()
        self.incoming = (child, training_id)
        log(f"Loading the new model {model.name} beside the current one.")

    def _switch_step(self, now: float) -> None:
        child, training_id = self.incoming
        model = Path(child.command[child.command.index("--model") + 1])
        if child.became_ready():
            old = self.children[RASA]
            self.children[RASA], self.model, self.incoming = child, model, None
            if old.running:
                old.signal_group(signal.SIGTERM)  # Sanic finishes what it has started
                self.outgoing.append((old, time.monotonic() + 2 * STOP_GRACE_S))
            self.trainings.went_live(training_id, model.name)
            log(f"The new model {model.name} is answering (pid {child.process.pid}).")
            return
        stopped = not child.running
        if stopped or now - child.started_at > SWITCH_TIMEOUT_S:
            why = describe_exit(child.process.returncode) if stopped else "too slow to load"
            child.signal_group(signal.SIGKILL)
            child.process.wait()
            self.incoming = None
            self.children[RASA].answered_at = time.monotonic()  # its health checks resume
            self.trainings.failed(
                training_id,
                f"The new model could not be started ({why}). The current model keeps answering.",
            )
            log(f"The new model did not start ({why}); the current one keeps answering.")

    def _retire(self, now: float) -> None:
        for old, kill_at in list(self.outgoing):
            if not old.running or now >= kill_at:
                old.signal_group(signal.SIGKILL)  # too slow, or a worker it left
                old.process.wait()
                self.outgoing.remove((old, kill_at))

    def _may_hang(self, child: Child) -> bool:
        """While a new model loads beside it, Rasa answers slowly (they share the
        CPUs) and health checks queue behind patients' questions: not a hang. The
        switch has its own time limit (SWITCH_TIMEOUT_S)."""
        return not (child.name == RASA and self.incoming is not None)

    def _run_job(self, name: str) -> subprocess.Popen | None:
        """A job from the list, in its own process, so a slow one (retention's
        deletes) never holds up the watch loop."""
        try:
            return subprocess.Popen(
                self.commands[name],
                cwd=paths.ROOT,
                env=self._env_for(name),
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with(os.getpid()),
            )
        except OSError as exc:
            log(f"Could not run the {name} ({exc.strerror}).")
            return None

    def _stopped(self, child: Child, now: float) -> None:
        # Anything it left in its group (a worker) would hold its port.
        child.signal_group(signal.SIGKILL)
        if now - child.started_at >= STABLE_AFTER_S:
            child.next_delay_s = FIRST_RESTART_DELAY_S
        child.down_since = child.down_since or now
        delay = self._schedule_restart(child, now)
        log(
            f"The {child.name} stopped ({describe_exit(child.process.returncode)}); "
            f"restarting it in {delay:.0f} s."
        )

    def _restart(self, child: Child, now: float) -> None:
        try:
            child.start()
        except OSError as exc:  # no memory or processes left for now: not a reason to quit
            delay = self._schedule_restart(child, now)
            log(f"Could not restart the {child.name} ({exc.strerror}); trying in {delay:.0f} s.")

    @staticmethod
    def _schedule_restart(child: Child, now: float) -> float:
        delay = child.next_delay_s
        child.next_delay_s = min(2 * delay, MAX_RESTART_DELAY_S)
        child.restart_at = now + delay
        return delay

    def _back(self, child: Child) -> None:
        if child.down_since is not None:
            log(
                f"The {child.name} is back (pid {child.process.pid}), "
                f"{time.monotonic() - child.down_since:.1f} s after it stopped."
            )
            child.down_since = None

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        incoming = [self.incoming[0]] if self.incoming else []
        started = [
            child
            for child in [*self.children.values(), *incoming, *(old for old, _ in self.outgoing)]
            if child.process
        ]
        for child in started:
            if child.running:
                child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in started:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            child.signal_group(signal.SIGKILL)  # too slow, or left a worker behind
            child.process.wait()


def reminder_scheduler(settings: Settings, api_token: str, content: Callable[[], Content]):
    from bot.outreach import senders
    from bot.rasa_api import RasaAPI
    from bot.reminders.scheduler import RasaConversations, ReminderScheduler
    from bot.reminders.store import ReminderStore

    store = ReminderStore(settings.reminders_db)
    return ReminderScheduler(
        store,
        lambda: content().clinic,
        RasaConversations(RasaAPI(settings.rasa_url, api_token)),
        senders=senders.configured(content, store),
    )


def use_wal(db: Path) -> None:
    """Rasa's tracker file in write-ahead mode (it stays so): the review log reads
    it while Rasa writes, and neither waits for the other."""
    sqlite_files.connect_shared(db).close()


def serve(settings: Settings, model: Path) -> int:
    if problem := taken_port(settings):
        print(f"Could not start: {problem}", file=sys.stderr)
        return 1
    # Before anything is made or started: every file from here on is private.
    private_files.private_from_now()
    settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
    private_files.make_private(private_files.places())
    use_wal(settings.tracker_db)
    supervisor = Supervisor(settings, model)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    try:
        supervisor.start_all()
        if not supervisor.stopping:
            print(
                f"\nThe HAI pump assistant is ready.\n"
                f"  web chat:  {settings.web_url}/  (demo clinic page with the chat widget)\n"
                f"  REST:      POST {settings.rasa_url}/webhooks/rest/webhook\n"
                f"  socket.io: {settings.rasa_url}/socket.io\n"
                f"  actions:   {settings.actions_url}\n"
                f"  staff:     {settings.staff_url}/  (nurses and editors; add accounts with"
                f" python -m staff users add)\n"
                f"Press Ctrl-C to stop.",
                flush=True,
            )
            supervisor.watch()
        print("\nStopping the HAI pump assistant ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()
