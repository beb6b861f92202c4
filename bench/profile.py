"""Where the assistant's time goes under load: starts it as the bench does
(bench/ours.py), drives closed-loop clients over the REST channel (bench/load.py)
and samples the Rasa server (and the action server) with py-spy, then prints the
functions with the most samples, own and total (a function's total counts every
sample with it anywhere on the stack).

    .venv/bin/python -m bench.profile [--clients 1 20] [--duration 20]
        [--growth] [--native] [--out DIR]
    .venv/bin/python -m bench.profile --measure [--duration 15]

--growth also profiles one long conversation (messages 150-250) beside short
ones, for what grows with its length. --measure profiles nothing: 1 and 20
clients, then the latency at messages 1, 50, 100 and 200 of one conversation,
the figures bench/run.py gives for the assistant, with the load average; and
the CPU time the Rasa and action servers spent per message, which the other
work on a shared machine moves much less than it moves latency.

py-spy: `make profile` installs it (pinned) and runs this; it needs ptrace (root, or
kernel.yama.ptrace_scope=0). Its raw output lands in --out (default: a temp folder).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import load, ours
from bench.progress import say
from bench.questions import FAQ, SCRIPT
from bot import paths
from bot.content import answers
from bot.content.store import ContentStore

PY_SPY = Path(sys.executable).with_name("py-spy")
RATE = 100
TOP = 25


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def spy(pid: int, out: Path, duration_s: float, native: bool) -> subprocess.Popen:
    command = [str(PY_SPY), "record", "-p", str(pid), "-o", str(out), "-f", "raw"]
    command += ["-d", str(int(duration_s) + 1), "-r", str(RATE), "-F", "-t"]
    if native:
        command.append("-n")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def short(frame: str) -> str:
    """'fn (path/to/file.py:12)' -> 'fn (file.py:12)' with the package part kept."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "wt-a/", "main/", "lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def summarise(raw: Path, label: str, seconds: float, messages: int) -> dict:
    """Own and total samples per function, and per thread, from py-spy's raw
    (collapsed) output: one 'frame;frame;... count' line per distinct stack."""
    own: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    threads: collections.Counter = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        thread, frames = frames[0], [short(f) for f in frames[1:]]
        samples += n
        threads[thread] += n
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"\n=== {label}: {samples} samples at {RATE}/s over {seconds:.0f} s, {messages} messages")
    print(f"    busy threads: {', '.join(f'{t} {n}' for t, n in threads.most_common(4))}")
    if messages:
        ms = samples / RATE / messages * 1000
        print(f"    busy CPU time per message (all threads): {ms:.1f} ms")
    for title, counter in (("own", own), ("total", total)):
        print(f"  top by {title} time (% of busy samples):")
        for frame, n in counter.most_common(TOP):
            print(f"    {100 * n / max(samples, 1):5.1f}%  {frame}")
    return {"samples": samples, "own": own.most_common(60), "total": total.most_common(200)}


def profiled(us, label: str, seconds: float, drive, out: Path, native: bool) -> dict:
    pids = {"rasa": us.child_pid("rasa server"), "actions": us.child_pid("action server")}
    spies = {
        name: (spy(pid, out / f"{label}-{name}.raw", seconds, native), out / f"{label}-{name}.raw")
        for name, pid in pids.items()
        if pid
    }
    time.sleep(0.5)  # py-spy attached
    say(f"{label}: load {loadavg()} ...")
    messages = drive()
    found = {}
    for name, (process, raw) in spies.items():
        _, err = process.communicate(timeout=seconds + 60)
        if not raw.exists():
            say(f"py-spy on {name} wrote nothing: {err.strip()[-500:]}")
            continue
        found[name] = summarise(raw, f"{label}, {name} server", seconds, messages)
    return found


def cpu_s(pid: int | None) -> float:
    """CPU time (user + system) a process has used, from /proc/<pid>/stat: unlike
    latency, hardly moved by the other work on a shared machine."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def growth(webhook: str, pids: dict, messages: int = 200, window: int = 5) -> dict:
    """load.conversation_growth's one conversation of FAQ questions, with the CPU
    time the Rasa and action servers spent on each message."""
    session = load.requests.Session()
    sender = f"m-long-{time.time_ns()}"
    latencies, cpus = [], []
    for n in range(messages):
        cpu_before = sum(cpu_s(pid) for pid in pids.values())
        started = time.monotonic()
        load.ask(session, webhook, sender, FAQ[n % len(FAQ)])
        latencies.append(time.monotonic() - started)
        cpus.append(sum(cpu_s(pid) for pid in pids.values()) - cpu_before)
    at = {}
    for point in (1, 50, 100, 200):
        low = min(max(point - 1 - window // 2, 0), messages - window)
        at[str(point)] = {
            "median_s": round(statistics.median(latencies[low : low + window]), 4),
            "cpu_ms": round(1000 * sum(cpus[low : low + window]) / window, 1),
        }
    return at


def measure(us, duration_s: float, trouble: str) -> dict:
    figures: dict = {"load_before": loadavg()}
    pids = {"rasa": us.child_pid("rasa server"), "actions": us.child_pid("action server")}

    def cpu_per_message(before: dict, messages: int) -> str:
        used = {
            name: (cpu_s(pid) - before[name]) * 1000 / max(messages, 1)
            for name, pid in pids.items()
        }
        return ", ".join(f"{name} {ms:.0f}" for name, ms in used.items())

    for clients in (1, 20):
        before = {name: cpu_s(pid) for name, pid in pids.items()}
        phase = load.closed_loop(us.webhook, SCRIPT, clients, duration_s, f"m{clients}", trouble)
        s = phase.summary()
        s["cpu_ms_per_message"] = cpu = cpu_per_message(before, s["messages"])
        figures[f"clients_{clients}"] = s
        say(
            f"{clients:>2} clients: {s['throughput_per_s']} msg/s, median {s['median_s']} s,"
            f" p95 {s['p95_s']} s, {s['errors']} err, {s['unexpected']} unx;"
            f" CPU ms/message {cpu}; load {loadavg()}"
        )
    figures["growth"] = growth(us.webhook, pids)
    at = figures["growth"]
    say(
        "conversation, median latency / mean CPU ms (rasa + actions) of 5 messages around n: "
        + ", ".join(f"n={n} {v['median_s'] * 1000:.0f} / {v['cpu_ms']:.0f}" for n, v in at.items())
        + f"; latency n=100/n=1 {at['100']['median_s'] / at['1']['median_s']:.2f}; load {loadavg()}"
    )
    figures["load_after"] = loadavg()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--growth", action="store_true")
    parser.add_argument("--native", action="store_true", help="py-spy --native")
    parser.add_argument("--measure", action="store_true", help="figures only, no py-spy")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.measure and not PY_SPY.exists():
        say(f"{PY_SPY} is missing: `make profile` installs it")
        return 2
    trouble = answers.message(ContentStore(paths.CONTENT_DIR).get(), "trouble").text
    out = args.out or Path(tempfile.mkdtemp(prefix="haip-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="haip-profile-") as root:
        (Path(root) / "assistant").mkdir()
        with ours.started(Path(root) / "assistant") as us:
            say(f"ready after {us.ready_s:.0f} s; warming up ...")
            load.warm_up(us.webhook, SCRIPT)
            if args.measure:
                figures = measure(us, args.duration, trouble)
                if args.json:
                    args.json.write_text(json.dumps(figures, indent=1) + "\n")
                return 0
            for clients in args.clients:

                def drive(clients=clients) -> int:
                    phase = load.closed_loop(
                        us.webhook, SCRIPT, clients, args.duration, f"p{clients}", trouble
                    )
                    s = phase.summary()
                    say(
                        f"  {s['throughput_per_s']} msg/s, median {s['median_s']} s,"
                        f" p95 {s['p95_s']} s, {s['errors']} errors"
                    )
                    return s["messages"]

                profiled(us, f"{clients}-clients", args.duration, drive, out, args.native)
            if args.growth:
                session = load.requests.Session()
                sender = f"long-{time.time_ns()}"
                say("a conversation to 150 messages ...")
                for n in range(150):
                    load.ask(session, us.webhook, sender, FAQ[n % len(FAQ)])

                def long_drive() -> int:
                    deadline, n = time.monotonic() + args.duration, 0
                    while time.monotonic() < deadline:
                        load.ask(session, us.webhook, sender, FAQ[n % len(FAQ)])
                        n += 1
                    return n

                def short_drive() -> int:
                    deadline, n = time.monotonic() + args.duration, 0
                    while time.monotonic() < deadline:
                        load.ask(session, us.webhook, f"short-{n // 6}", FAQ[n % len(FAQ)])
                        n += 1
                    return n

                profiled(us, "short-conversations", args.duration, short_drive, out, args.native)
                profiled(us, "long-conversation", args.duration, long_drive, out, args.native)
    say(f"py-spy raw output in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
