"""How long do patients wait while the assistant moves to a new model? Measures
both ways in one run and prints them side by side:

- `PUT /model`, Rasa's own way: it loads the new model inside the server's event
  loop, so every conversation may stall until it is done. This starts one Rasa
  server (and the action server) as `make run` does, on ports 5405 and 5455 with
  throw-away databases and a fresh API token, and calls `PUT /model`
  (RasaAPI.load_model) after the baseline.
- The switch, the assistant's way (bot/servers/supervisor.py): this starts the
  whole assistant as the tests do (`python -m bot run` on free ports, with a copy
  of content/, throw-away databases, and models and training folders of its
  own; the models folder holds the current model and a copy of it named
  haip-0000000000000000.tar.gz, a model's name being only a label). It claims a
  training itself, before the trainer can (bot/trainings.py), and after the
  baseline marks it "passed" with the copy, as the trainer does once a model
  passed its gates: the supervisor starts a second Rasa server with it on the
  same port, stops the old one once the new one answers, and marks the training
  "live". The script checks that another Rasa process, with the copy, answers
  after it, and records what the supervisor logged and which Rasa servers ran
  meanwhile (the timeline).

Each way gets the same client: a question every 400 ms over the REST channel, a
5 s baseline, the load or the switch, and 10 s more once the PUT returned or the
training is live. Prints, for each way, the reply times before, during and
after; how long the load (the PUT until its HTTP 204) or the switch ("passed"
until "live", including the up to 2 s until the supervisor looks) took; and the
longest time in which no patient got an answer. Writes it all, every reply
included, to bench/results/model_load_wait.json.

    .venv/bin/python bench/model_load_wait.py [--every-ms 400] [--baseline-s 5]
        [--after-s 10] [--load models/x.tar.gz] [--rasa-port 5405]
        [--actions-port 5455] [--only put|switch] [--json FILE]

A message goes to a patient who is not waiting for a reply (a new conversation
if all are waiting), as patients do not ask again before they are answered. The
reply deadline is the shipped one (HAIP_REPLY_LIMIT_SECONDS, 5 s unless set).
"During" counts every reply asked before the PUT returned (the training was
live) and answered after it began (the training passed); "errors" are messages
that got no HTTP reply at all (a connection refused or reset: nothing listened,
or with more than Sanic's 100 waiting connections the kernel drops new ones).
One question every 100 ms is more than one Rasa server answers on a busy 2-core
machine even before any load: the replies queue, and the figures measure that
queue as much as the load. At 400 ms it keeps up here (most of the time: other
work on the machine can still push it over). If the server did not keep up
before the load or switch, the script says so. By default `PUT /model` loads
the newest other model in models/ that this code can still load (the current
one if there is none). Takes 7-10 minutes on a busy 2-core machine, most of it
starting Rasa twice and the switch. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.progress import say  # noqa: E402
from bench.questions import QUESTIONS  # noqa: E402
from bot import paths, trainings  # noqa: E402
from bot.content import answers  # noqa: E402
from bot.content.store import ContentStore  # noqa: E402
from bot.rasa_api import RasaAPI, RasaAPIError  # noqa: E402
from bot.servers import api_token, supervisor  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.training import train  # noqa: E402
from tests.servers import (  # noqa: E402
    CHILD_MARKERS,
    command_line,
    environment,
    free_port,
    live_pids,
    models_copy,
    parent_pid,
    port_open,
)

RESULTS = Path(__file__).resolve().parent / "results" / "model_load_wait.json"
READY_TIMEOUT_S = supervisor.READY_TIMEOUT_S
ASSISTANT_READY_TIMEOUT_S = 600  # seven processes, two of them Rasa's, on a busy machine
REPLY_TIMEOUT_S = 120
PUT_TIMEOUT_S = 600
# The supervisor gives the new server SWITCH_TIMEOUT_S to load, after up to one
# look at the trainings (TRAININGS_EVERY_S).
LIVE_TIMEOUT_S = supervisor.SWITCH_TIMEOUT_S + 2 * supervisor.TRAININGS_EVERY_S + 30
# The supervisor stops its children within STOP_GRACE_S; then it has this long.
ASSISTANT_STOP_GRACE_S = 2 * supervisor.STOP_GRACE_S + 10
SLOW_S = 1.0
COPY_NAME = "haip-0000000000000000.tar.gz"
PUT, SWITCH = "put_model", "switch"
WAYS = {PUT: "PUT /model", SWITCH: "switch"}


@dataclass
class Reply:
    sent_s: float  # since the client started
    latency_s: float  # until the reply, or the error
    sender: str
    trouble: bool = False  # the channel's `trouble` message instead of an answer
    error: str = ""

    @property
    def received_s(self) -> float:
        return self.sent_s + self.latency_s


class Patients:
    """Conversation ids: one that has its reply is asked again; a new one when
    every patient is still waiting."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._idle: list[str] = []
        self.started = 0
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.started += 1
            return f"{self.prefix}-{self.started}"

    def done(self, sender: str) -> None:
        with self._lock:
            self._idle.append(sender)


class Client:
    """Asks a question every `every_s`, each on its own thread, so a stalled
    server does not slow the asking."""

    def __init__(self, webhook: str, every_s: float, trouble_text: str, prefix: str):
        self.webhook = webhook
        self.every_s = every_s
        self.trouble_text = trouble_text
        self.patients = Patients(prefix)
        self.replies: list[Reply] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        # A thread for every message that can be waiting at once: a full pool
        # would hold messages back, and they would be sent late.
        self._pool = ThreadPoolExecutor(
            max_workers=int(2 * REPLY_TIMEOUT_S / every_s) + 64, thread_name_prefix="patient"
        )
        self._futures = []
        self._thread = threading.Thread(target=self._run, name="client", daemon=True)
        self.t0 = 0.0

    def ask(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            self.webhook,
            json={"sender": sender, "message": text},
            timeout=(REPLY_TIMEOUT_S, REPLY_TIMEOUT_S),  # to connect, then to answer
        )
        response.raise_for_status()
        return response.json()

    def warm_up(self) -> None:
        """The first answers are slow: not part of the baseline."""
        for n in range(10):
            self.ask(f"{self.patients.prefix}-warm-up-{n % 2}", QUESTIONS[n % len(QUESTIONS)])

    def now(self) -> float:
        return time.monotonic() - self.t0

    def start(self) -> None:
        self.t0 = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        for n in itertools.count():
            self._futures.append(self._pool.submit(self._one, QUESTIONS[n % len(QUESTIONS)]))
            if self._stop.wait(max(0.0, (n + 1) * self.every_s - self.now())):
                return

    def _one(self, text: str) -> None:
        sender = self.patients.take()
        sent_s = self.now()
        started = time.perf_counter()
        reply = Reply(sent_s, 0.0, sender)
        try:
            messages = self.ask(sender, text)
            reply.trouble = any(m.get("text") == self.trouble_text for m in messages)
            if not messages:
                reply.error = "empty reply"
        except requests.RequestException as exc:
            reply.error = type(exc).__name__
        reply.latency_s = time.perf_counter() - started
        self.patients.done(sender)
        with self._lock:
            self.replies.append(reply)

    def stop(self, drain_s: float) -> int:
        """Stops asking and waits up to drain_s for the replies still due; how
        many did not come."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        _, pending = wait(self._futures, timeout=drain_s)
        return len(pending)

    def results(self) -> list[Reply]:
        with self._lock:
            return sorted(self.replies, key=lambda r: r.sent_s)

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path
    ready_url: str | None
    grace_s: float = supervisor.STOP_GRACE_S
    # An environment variable and value that all its processes carry, its
    # children's children included (the assistant: its web port).
    mark: tuple[str, str] | None = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"  {self.name}| {line}" for line in text[-lines:])

    def marked(self) -> list[int]:
        if self.mark is None:
            return []
        variable, value = self.mark
        return [pid for pid in live_pids() if environment(pid).get(variable) == value]


def start_server(name: str, command: list[str], env: dict, log: Path, ready_url: str | None):
    """In its own process group (Ctrl-C reaches only this script, which stops it),
    killed by the kernel if this script dies, as the supervisor's children are."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=paths.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=supervisor._die_with(os.getpid()),
        )
    return Server(name, process, log, ready_url)


def answers_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(servers: list[Server], timeout_s: float) -> None:
    """Until each answers its ready_url; one without says "assistant is ready"
    in its output, as `python -m bot run` does."""
    pending = list(servers)
    deadline = time.monotonic() + timeout_s
    while pending:
        for server in list(pending):
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"The {server.name} stopped while starting "
                    f"({supervisor.describe_exit(server.process.returncode)}):\n"
                    + server.log_tail()
                )
            if server.ready_url is None:
                ready = "assistant is ready" in server.log.read_text(errors="replace")
            else:
                ready = answers_ok(server.ready_url)
            if ready:
                pending.remove(server)
        if pending and time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise RuntimeError(
                f"Not ready after {timeout_s:.0f} s: {names}\n"
                + "\n".join(s.log_tail() for s in pending)
            )
        time.sleep(0.25)


def stop_servers(servers: list[Server]) -> list[str]:
    """SIGTERM to each process group, SIGKILL to what is left after its grace
    (and to every process left with its mark); the names of those that still had
    a process after that. Empties the list."""
    for server in servers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
    started = time.monotonic()
    left = []
    for server in servers:
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=max(0.1, started + server.grace_s - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)  # too slow, or a worker left behind
        server.process.wait()
        for _ in range(50):
            stray = server.marked()
            for pid in stray:  # started for it, outside its process group
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            try:
                os.killpg(server.process.pid, 0)
            except ProcessLookupError:
                if not stray:
                    break
            time.sleep(0.1)
        else:
            left.append(server.name)
    servers.clear()
    return left


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: a port left in TIME_WAIT by a stopped run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def missing_modules(model: Path) -> list[str]:
    """The project's modules that the model's components come from and that no
    longer exist (a model trained before a rename cannot be loaded)."""
    with tarfile.open(model, "r:gz") as archive:
        for member in archive:
            if member.name.lstrip("/") == "metadata.json":
                metadata = json.load(archive.extractfile(member))
                break
        else:
            return ["metadata.json"]
    nodes = {**metadata["train_schema"]["nodes"], **metadata["predict_schema"]["nodes"]}
    modules = {node["uses"].rpartition(".")[0] for node in nodes.values()}
    missing = []
    for module in sorted(m for m in modules if m.split(".")[0] in ("bot", "actions")):
        try:
            if find_spec(module) is None:
                missing.append(module)
        except ModuleNotFoundError:
            missing.append(module)
    return missing


def model_to_load(current: Path) -> tuple[Path, list[str]]:
    """The newest other model this code can load, else the current one; and the
    models passed over, with why."""
    skipped = []
    candidates = sorted(paths.MODELS_DIR.glob("*.tar.gz"), key=lambda p: -p.stat().st_mtime)
    for candidate in candidates:
        if candidate.resolve() == current.resolve():
            continue
        if missing := missing_modules(candidate):
            skipped.append(f"{candidate.name} (its components need {', '.join(missing)})")
            continue
        return candidate, skipped
    return current, skipped


def loaded_model(api: RasaAPI) -> str:
    try:
        return Path(api.status().get("model_file") or "?").name
    except (RasaAPIError, ValueError):
        return "?"


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def phase_figures(replies: list[Reply]) -> dict:
    times = [r.latency_s for r in replies if not r.error]
    return {
        "replies": len(replies),
        "median_s": statistics.median(times) if times else None,
        "p95_s": p95(times) if times else None,
        "max_s": max(times) if times else None,
        "over_1s": sum(t > SLOW_S for t in times),
        "trouble": sum(r.trouble for r in replies),
        "errors": sum(bool(r.error) for r in replies),
    }


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=paths.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def trouble_text() -> str:
    return answers.message(ContentStore(paths.CONTENT_DIR).get(), "trouble").text


def current_model() -> Path:
    current = train.model_path()
    if not current.exists():
        raise RuntimeError(f"No current model ({current.name}): train it first (make train).")
    return current


def around(client: Client, args: argparse.Namespace, change: Callable[[], dict]) -> dict:
    """The client's questions: the baseline, then `change` (the PUT, or the
    switch: it returns once the new model answers), then after_s more. The
    replies in their phases, and what `change` returned."""
    load_before = os.getloadavg()[0]
    try:
        client.start()
        time.sleep(args.baseline_s)
        start = client.now()
        outcome = change()
        end = client.now()
        time.sleep(max(0.0, args.after_s - (client.now() - end)))
        unanswered = client.stop(drain_s=2 * REPLY_TIMEOUT_S + 5)
    finally:
        client.close()
    replies = client.results()
    phases = {
        "before": [r for r in replies if r.received_s <= start],
        "during": [r for r in replies if r.received_s > start and r.sent_s < end],
        "after": [r for r in replies if r.sent_s >= end],
        "during_and_after": [r for r in replies if r.received_s > start],
    }
    answered = sorted(r.received_s for r in replies if not r.error)
    last = max((r.received_s for r in replies), default=0.0)  # an answer or an error
    return {
        **outcome,
        # The longest time in which no patient got an answer (from the client's start).
        "longest_silence_s": max(b - a for a, b in itertools.pairwise([0.0, *answered, last])),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "start_s": start,
        "took_s": end - start,
        # Whether the server kept up before the change: if not, replies queue and
        # every figure after includes that queue, not only the change.
        "asked_before": sum(r.sent_s < start for r in replies),
        "conversations": client.patients.started,
        "unanswered_at_end": unanswered,
        "phases": {name: phase_figures(group) for name, group in phases.items()},
        "replies": [
            {**asdict(r), "sent_s": round(r.sent_s, 3), "latency_s": round(r.latency_s, 3)}
            for r in replies
        ],
    }


def measure_put(args: argparse.Namespace, root: Path, servers: list[Server]) -> dict:
    """Rasa's `PUT /model`, on a Rasa server of its own."""
    current = current_model()
    if args.load:
        load, skipped = Path(args.load).resolve(), []
        if not load.is_file():
            raise RuntimeError(f"No model file {load}.")
        if load.parent != paths.MODELS_DIR.resolve():
            raise RuntimeError(f"PUT /model loads only model files in {paths.MODELS_DIR}.")
    else:
        load, skipped = model_to_load(current)
    for note in skipped:
        say(f"Passed over {note}.")
    for port in (args.rasa_port, args.actions_port):
        if not port_free(port):
            raise RuntimeError(f"Port {port} is not free.")

    env = {
        **os.environ,
        "HAIP_HOST": "127.0.0.1",
        "HAIP_RASA_PORT": str(args.rasa_port),
        "HAIP_ACTIONS_PORT": str(args.actions_port),
        "HAIP_TRACKER_DB": str(root / "tracker.db"),
        "HAIP_REMINDERS_DB": str(root / "reminders.db"),
    }
    settings = Settings.from_env(env)
    env.update(settings.rasa_environment())
    env.pop(api_token.VARIABLE, None)  # only Rasa gets one: ours
    token = api_token.new()
    supervisor.use_wal(settings.tracker_db)

    say(f"PUT /model: starting the action server and Rasa with {current.name} ...")
    started = time.monotonic()
    python = [sys.executable, "-m"]
    servers.append(
        start_server(
            "action server",
            python
            + ["rasa", "run", "actions", "--actions", "actions"]
            + ["--port", str(settings.actions_port)],
            env,
            root / "actions.log",
            f"{settings.actions_url}/health",
        )
    )
    servers.append(
        start_server(
            "rasa server",
            python
            + ["bot.servers.rasa_server", "--model", str(current)]
            + ["--port", str(settings.rasa_port), "--interface", settings.host]
            + ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
            {**env, api_token.VARIABLE: token},
            root / "rasa.log",
            f"{settings.rasa_url}/",
        )
    )
    wait_until_ready(servers, READY_TIMEOUT_S)
    ready_s = time.monotonic() - started
    api = RasaAPI(settings.rasa_url, token)
    api.parse("hello", timeout_s=120)  # as the supervisor warms Rasa up after a start
    client = Client(
        f"{settings.rasa_url}/webhooks/rest/webhook",
        args.every_ms / 1000,
        trouble_text(),
        "bench-put",
    )
    client.warm_up()
    before = loaded_model(api)
    say(f"Ready after {ready_s:.1f} s. Asking every {args.every_ms} ms; loading {load.name} ...")

    def put() -> dict:
        try:
            api.load_model(load, timeout_s=PUT_TIMEOUT_S)
            status = "204"
        except RasaAPIError as exc:
            status = str(exc)
        say(f"PUT /model returned ({status}); asking on ...")
        return {"put_status": status}

    figures = around(client, args, put)
    if figures["put_status"] != "204":
        say(servers[-1].log_tail())
    return {
        "ready_s": ready_s,
        "model_at_start": before,
        "model_loaded": load.name,
        "model_at_end": loaded_model(api),
        **figures,
    }


def rasa_servers(supervisor_pid: int) -> dict[int, str]:
    """The supervisor's running Rasa servers: pid and model file name."""
    found = {}
    for pid in live_pids():
        line = command_line(pid)
        if parent_pid(pid) == supervisor_pid and CHILD_MARKERS["rasa server"] in line:
            words = line.split()
            found[pid] = Path(words[words.index("--model") + 1]).name if "--model" in words else "?"
    return found


class Timeline:
    """What happens in the assistant during the switch: the supervisor's lines
    about its children (never a patient's words) and which Rasa servers run,
    looked at every `every_s`, with when (time.monotonic())."""

    SUPERVISOR_LINE = re.compile(r"^(The |Loading the new model|Could not)")

    def __init__(self, server: Server, every_s: float = 0.25):
        self.server = server
        self.every_s = every_s
        self.events: list[tuple[float, str]] = []
        self.servers: list[tuple[float, dict[int, str]]] = []  # at each change
        self._offset = server.log.stat().st_size
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="timeline", daemon=True)

    def __enter__(self) -> Timeline:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()
        self._look()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._look()

    def _look(self) -> None:
        now = time.monotonic()
        with open(self.server.log, "rb") as log:
            log.seek(self._offset)
            text = log.read()
        text = text[: text.rfind(b"\n") + 1]  # whole lines only
        self._offset += len(text)
        for line in text.decode(errors="replace").splitlines():
            if self.SUPERVISOR_LINE.match(line):
                self.events.append((now, line.strip()))
        running = rasa_servers(self.server.process.pid)
        if not self.servers or running != self.servers[-1][1]:
            self.servers.append((now, running))
            names = ", ".join(f"{pid} ({model})" for pid, model in running.items())
            self.events.append((now, f"Rasa servers running: {names or 'none'}"))

    def only(self, model: str, since: float) -> float | None:
        """When, from `since` on, the Rasa servers first all ran `model`."""
        for n, (when, running) in enumerate(self.servers):
            later = self.servers[n + 1][0] if n + 1 < len(self.servers) else float("inf")
            if later > since and set(running.values()) == {model}:
                return max(when, since)
        return None

    def since(self, t0: float) -> list[list]:
        return [[round(when - t0, 2), what] for when, what in self.events]


def claim(store: trainings.TrainingStore) -> trainings.Training:
    """A training that the bench holds, in the state "training": asked for and
    claimed at once, before the trainer (which looks every 2 s) takes it. If the
    trainer was first, once its training has ended (it passes the current model
    again), another try."""
    for _ in range(3):
        training = store.request("bench")
        claimed = store.claim_next()
        if claimed is not None and claimed.id == training.id:
            if store.get(training.id).state == trainings.TRAINING:
                return training
        say(f"The trainer took training {training.id} first; waiting until it ends ...")
        deadline = time.monotonic() + 1200
        while store.get(training.id).under_way:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Training {training.id} still under way after 20 minutes.")
            time.sleep(1)
    raise RuntimeError("The trainer took the bench's training three times.")


def measure_switch(args: argparse.Namespace, root: Path, servers: list[Server]) -> dict:
    """The supervisor's switch, in the whole assistant."""
    current = current_model()
    shutil.copytree(paths.CONTENT_DIR, root / "content")
    models = models_copy(root)  # the current model
    shutil.copy2(current, models / COPY_NAME)
    training_dir = root / "training"
    rasa_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "HAIP_HOST": "127.0.0.1",
        "HAIP_CONTENT_DIR": str(root / "content"),
        "HAIP_TRACKER_DB": str(root / "tracker.db"),
        "HAIP_REMINDERS_DB": str(root / "reminders.db"),
        "HAIP_STAFF_DB": str(root / "staff.db"),
        "HAIP_CONTENT_HISTORY": str(root / "content.git"),
        "HAIP_MODELS_DIR": str(models),
        "HAIP_TRAINING_DIR": str(training_dir),
        "HAIP_RASA_PORT": str(rasa_port),
        "HAIP_ACTIONS_PORT": str(free_port()),
        "HAIP_WEB_PORT": str(web_port),
        "HAIP_STAFF_PORT": str(free_port()),
    }
    env.pop(api_token.VARIABLE, None)  # the supervisor makes its own

    say(f"Switch: starting the assistant with {current.name} ...")
    started = time.monotonic()
    assistant = start_server(
        "assistant", [sys.executable, "-m", "bot", "run"], env, root / "assistant.log", None
    )
    assistant.grace_s = ASSISTANT_STOP_GRACE_S
    assistant.mark = ("HAIP_WEB_PORT", str(web_port))
    servers.append(assistant)
    wait_until_ready([assistant], ASSISTANT_READY_TIMEOUT_S)
    ready_s = time.monotonic() - started
    client = Client(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        args.every_ms / 1000,
        trouble_text(),
        "bench-switch",
    )
    client.warm_up()
    store = trainings.TrainingStore(training_dir / "trainings.db")
    try:
        training = claim(store)
        rasa_before = rasa_servers(assistant.process.pid)
        say(
            f"Ready after {ready_s:.1f} s. Asking every {args.every_ms} ms;"
            f" switching to {COPY_NAME} ..."
        )

        def switch() -> dict:
            store.passed(training.id, COPY_NAME, "bench")
            deadline = time.monotonic() + LIVE_TIMEOUT_S
            while (state := store.get(training.id)).state == trainings.PASSED:
                if assistant.process.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            say(f"The training is {state.state}; asking on ...")
            return {
                "training_state": state.state,
                "training_message": state.message,
                "rasa_servers_at_live": rasa_servers(assistant.process.pid),
            }

        with Timeline(assistant) as timeline:
            figures = around(client, args, switch)
            if figures["training_state"] == trainings.LIVE_STATE:
                # The old server finishes the replies it has started, then stops
                # (the supervisor kills it after 2 * STOP_GRACE_S).
                deadline = time.monotonic() + 2 * supervisor.STOP_GRACE_S + 10
                while set(rasa_servers(assistant.process.pid).values()) != {COPY_NAME}:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.25)
        live_at = client.t0 + figures["start_s"] + figures["took_s"]
        alone = (
            timeline.only(COPY_NAME, live_at)
            if figures["training_state"] == trainings.LIVE_STATE
            else None
        )
        figures["old_rasa_stopped_after_live_s"] = None if alone is None else alone - live_at
        live_model = store.live_model()
    finally:
        store.close()
    if assistant.process.poll() is not None:
        raise RuntimeError("The assistant stopped during the switch:\n" + assistant.log_tail())
    rasa_after = rasa_servers(assistant.process.pid)
    new = [
        pid
        for pid, model in figures["rasa_servers_at_live"].items()
        if pid not in rasa_before and model == COPY_NAME
    ]
    return {
        "ready_s": ready_s,
        "rasa_port": rasa_port,
        "model_at_start": ", ".join(rasa_before.values()) or "?",
        "model_loaded": COPY_NAME,
        "model_at_end": ", ".join(rasa_after.values()) or "?",
        "live_model_recorded": live_model,
        **figures,
        "rasa_servers_before": rasa_before,
        "rasa_servers_after": rasa_after,
        # In seconds since the client started, as sent_s; the switch began at start_s.
        "timeline": timeline.since(client.t0),
        # When the training went live, another Rasa process ran, with the copy,
        # and it is the only one that runs at the end.
        "rasa_pid_changed": len(new) == 1 and rasa_after == {new[0]: COPY_NAME},
    }


def cells(row: dict | None) -> str:
    if row is None:
        return f"{'':>39}"
    return (
        f"{row['replies']:>7} {ms(row['median_s']):>6} {ms(row['p95_s']):>6}"
        f" {ms(row['max_s']):>6} {row['over_1s']:>4} {row['trouble']:>3} {row['errors']:>3}"
    )


def seconds(way: dict | None, key: str) -> str:
    return "" if way is None else f"{way[key]:.1f} s"


def report(figures: dict) -> None:
    ways = {way: figures.get(way) for way in WAYS}
    print(
        f"\nReply times in ms, a question every {figures['every_ms']} ms; >1s: replies over"
        f" 1 s; trb: the trouble message; err: no HTTP reply"
    )
    heads = "  ".join(f"{WAYS[way]:^39}" for way in ways)
    print(f"{'':<16}  {heads}")
    columns = f"{'replies':>7} {'median':>6} {'p95':>6} {'max':>6} {'>1s':>4} {'trb':>3} {'err':>3}"
    print(f"{'phase':<16}  {columns}  {columns}")
    labels = {
        "before": f"before ({figures['baseline_s']:g} s)",
        "during": "during",
        "after": f"after ({figures['after_s']:g} s)",
        "during_and_after": "during + after",
    }
    for phase, label in labels.items():
        row = "  ".join(cells(way and way["phases"][phase]) for way in ways.values())
        print(f"{label:<16}  {row}")
    for label, key in (("load or switch", "took_s"), ("no answer for", "longest_silence_s")):
        print(f"{label:<16}  " + "  ".join(f"{seconds(way, key):^39}" for way in ways.values()))
    if put := ways[PUT]:
        print(
            f"PUT /model {put['model_loaded']}: {put['took_s']:.2f} s, until HTTP"
            f" {put['put_status']}; Rasa answered with {put['model_at_start']}, then"
            f" {put['model_at_end']}."
        )
    if switch := ways[SWITCH]:
        before = ", ".join(f"{pid} ({m})" for pid, m in switch["rasa_servers_before"].items())
        after = ", ".join(f"{pid} ({m})" for pid, m in switch["rasa_servers_after"].items())
        stopped = switch["old_rasa_stopped_after_live_s"]
        print(
            f"switch to {switch['model_loaded']}: {switch['took_s']:.2f} s from passed to"
            f" {switch['training_state']}; rasa server {before or '?'} -> {after or '?'}"
            f" ({'a new process' if switch['rasa_pid_changed'] else 'NOT a new process'});"
            + (
                f" the old one stopped {stopped:.1f} s after the switch."
                if stopped is not None
                else " the old one still ran at the end."
            )
        )
        if switch["training_state"] != trainings.LIVE_STATE:
            print(f"  The switch did not finish: {switch['training_message']}")
        print("  In the assistant, in seconds since the training passed:")
        for when, what in switch["timeline"]:
            print(f"  {when - switch['start_s']:>+8.1f}  {what}")
    for way, data in ways.items():
        if data is None:
            continue
        before, asked = data["phases"]["before"], data["asked_before"]
        if asked - before["replies"] > 2:
            print(
                f"  NOTE ({WAYS[way]}): only {before['replies']} of the {asked} questions"
                f" asked before the change were answered by then: the server did not keep"
                f" up with one every {figures['every_ms']} ms, so replies queued and the"
                f" figures include that queue. Try a larger --every-ms."
            )
        if data["unanswered_at_end"]:
            print(f"  NOTE ({WAYS[way]}): {data['unanswered_at_end']} replies never came.")
    loads = "; ".join(
        f"{WAYS[way]} {data['load_average_before']:.2f} -> {data['load_average_after']:.2f}"
        f" (ready after {data['ready_s']:.0f} s)"
        for way, data in ways.items()
        if data is not None
    )
    print(f"(load average {loads}; {figures['cpus']} CPUs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every-ms", type=int, default=400)
    parser.add_argument("--baseline-s", type=float, default=5)
    parser.add_argument("--after-s", type=float, default=10)
    parser.add_argument("--load", help="model to PUT (default: the newest other one that loads)")
    parser.add_argument("--rasa-port", type=int, default=5405, help="for PUT /model")
    parser.add_argument("--actions-port", type=int, default=5455, help="for PUT /model")
    parser.add_argument("--only", choices=["put", "switch"], help="measure one way only")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args()
    # SIGTERM as Ctrl-C: the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "cpus": os.cpu_count(),
        "every_ms": args.every_ms,
        "baseline_s": args.baseline_s,
        "after_s": args.after_s,
        "reply_limit_s": os.environ.get("HAIP_REPLY_LIMIT_SECONDS") or "5",
    }
    measures = {PUT: measure_put, SWITCH: measure_switch}
    if args.only:
        measures = {key: f for key, f in measures.items() if key.startswith(args.only)}
    servers: list[Server] = []
    failed: dict[str, str] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="haip-model-load-") as root:
        try:
            for way, measure in measures.items():
                (Path(root) / way).mkdir()
                try:
                    figures[way] = measure(args, Path(root) / way, servers)
                except (RuntimeError, RasaAPIError, requests.RequestException) as exc:
                    failed[way] = str(exc)
                    say(f"{WAYS[way]} failed: {exc}")
                    if not isinstance(exc, RuntimeError):  # those say what they need
                        for server in servers:
                            say(server.log_tail())
                finally:
                    if servers:
                        say("Stopping the servers ...")
                    if left := stop_servers(servers):
                        say(f"Still running after SIGKILL: {', '.join(left)}")
        except KeyboardInterrupt:
            say("Interrupted.")
            return 130
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if left := stop_servers(servers):  # if stopping them above was cut short
                say(f"Still running after SIGKILL: {', '.join(left)}")
        if PUT in figures and not port_free(args.rasa_port):
            say(f"Port {args.rasa_port} is still taken.")
        if SWITCH in figures and port_open(figures[SWITCH]["rasa_port"]):
            say(f"Port {figures[SWITCH]['rasa_port']} (the assistant's Rasa) is still taken.")
    if failed:
        figures["failed"] = failed
    if not any(way in figures for way in WAYS):
        return 1
    figures["run_s"] = time.monotonic() - started
    report(figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"Run took {figures['run_s']:.0f} s; figures in {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
