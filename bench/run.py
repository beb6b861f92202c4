"""`make bench`: the assistant beside the starter bot of `rasa init`, in one run
on one machine. Prints a table and writes every figure to bench/results/bench.json.

    .venv/bin/python -m bench.run [--duration 60] [--quick] [--clients 20]
        [--no-training] [--json FILE]

Measures, over Rasa's REST channel (POST /webhooks/rest/webhook):
- per-message latency (median, p95, p99), throughput and errors with 1 and with
  20 closed-loop clients (bench/load.py), each client in its own conversation of
  FAQ, urgent, refill-reminder and not-understood turns (bench/questions.py
  SCRIPT), for --duration seconds each (--quick: 15 s); the starter bot the same
  way with its greet and mood phrasings; and the ratios, ours / starter;
- the latency at messages 1, 50, 100 and 200 of one 200-question conversation;
- the resident memory of each of the assistant's processes and of the starter bot;
- start-up: `bot run` to "assistant is ready", Rasa's "Loading model" to its port
  taking connections; the starter bot's `rasa run` the same way;
- the time from saving an answer edit to the next reply that shows it;
- full training (empty Rasa cache) and incremental training (one example
  question changed), `rasa train` of a build folder as the trainer runs it;
  and the starter bot's `rasa init`, its training included;
- scaled out (bench/scale_out.py): PostgreSQL, Redis, one Rasa server and two
  behind nginx, at 1 and 20 clients (--no-scale-out skips it; --scale-out-only
  runs it alone).

Both bots run at once (the starter one is idle while ours is measured, and the
other way round), phases alternating, so the machine's other work falls on both.
The assistant runs with its own copy of content/ and databases in a temp folder;
its reply deadline is the tests' 30 s, so a slow reply is measured, not cut to
the trouble message at 5 s. Takes about 15 minutes (--quick: about 9) on a
2-core machine, most of it training. Ctrl-C stops every server it started.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import load, ours, scale_out, starter, training
from bench.progress import say
from bench.questions import FAQ, SCRIPT, STARTER_SCRIPT
from bot import paths
from bot.content import answers
from bot.content.store import ContentStore

RESULTS = Path(__file__).resolve().parent / "results" / "bench.json"
WARM_UP_ROUNDS = 1  # each bot's script once before measuring: first-use costs out


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    names = [line for line in cpuinfo.splitlines() if line.startswith("model name")]
    model = names[0].split(":", 1)[1].strip() if names else "?"
    meminfo = dict(
        line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line
    )
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "ram_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024**2, 1),
        "python": sys.version.split()[0],
    }


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "?"


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def measure(args: argparse.Namespace, root: Path, figures: dict) -> None:
    trouble = answers.message(ContentStore(paths.CONTENT_DIR).get(), "trouble").text
    say("Starter bot: rasa init --no-prompt (trains its model) ...")
    folder, figures["starter_init_s"] = starter.init(root)
    say(f"  {figures['starter_init_s']:.0f} s. Starting it (rasa run --enable-api) ...")
    with starter.running(folder, root) as bot:
        loading, up = bot.seen("Loading model"), bot.seen("Rasa server is up and running")
        figures["starter_start"] = {
            "listening_s": round(bot.listening_s, 1),
            "loading_model_to_up_s": round(up - loading, 1) if loading and up else None,
        }
        say("Starting the assistant (python -m bot run) ...")
        (root / "assistant").mkdir()
        with ours.started(root / "assistant") as us:
            loading = us.seen("Loading model")
            figures["assistant_start"] = {
                "to_ready_s": round(us.ready_s, 1),
                "to_loading_model_s": round(loading, 1) if loading else None,
                "loading_model_to_rasa_listening_s": (
                    round(us.rasa_listening_s - loading, 1)
                    if loading and us.rasa_listening_s
                    else None
                ),
            }
            say(f"  ready after {us.ready_s:.0f} s. Warming up both ...")
            for webhook, script in ((us.webhook, SCRIPT), (bot.webhook, STARTER_SCRIPT)):
                load.warm_up(webhook, script * WARM_UP_ROUNDS)
            figures["load_average_before"] = os.getloadavg()
            phases: dict[str, dict] = {}
            for clients in (1, args.clients):
                for name, webhook, script in (
                    ("assistant", us.webhook, SCRIPT),
                    ("starter", bot.webhook, STARTER_SCRIPT),
                ):
                    say(f"{name}: {clients} client(s) for {args.duration:g} s ...")
                    phase = load.closed_loop(
                        webhook, script, clients, args.duration, f"{name}-{clients}", trouble
                    )
                    phases[f"{name}_{clients}"] = summary = phase.summary()
                    say(
                        f"  {summary['throughput_per_s']} msg/s, median"
                        f" {summary['median_s']} s, p95 {summary['p95_s']} s,"
                        f" {summary['errors']} errors, {summary['unexpected']} unexpected"
                    )
            figures["load"] = phases
            figures["load_average_after"] = os.getloadavg()
            figures["memory_mib"] = {
                "assistant": {name: ours.memory(pid) for name, pid in us.processes().items()},
                "starter": ours.memory(bot.process.pid),
            }
            say("One conversation of 200 questions, each bot ...")
            figures["conversation"] = {
                "assistant": load.conversation_growth(us.webhook, FAQ, "bench-long"),
                "starter": load.conversation_growth(
                    bot.webhook, [text for _, text in STARTER_SCRIPT], "bench-long"
                ),
            }
            say("An answer edit, until a reply shows it ...")
            try:
                edit_s = us.time_an_answer_edit(root / "assistant" / "content")
                figures["answer_edit_to_reply_s"] = round(edit_s, 2)
            except RuntimeError as exc:  # the other figures still count
                figures["answer_edit_to_reply_s"] = None
                figures.setdefault("failed", {})["answer_edit"] = str(exc)
    if not args.no_scale_out:
        measure_scale_out(args, root, figures)
    if not args.no_training:
        say("Training: full (empty Rasa cache), then one example changed ...")
        try:
            figures["training"] = training.measure(root / "training", paths.CONTENT_DIR)
        except RuntimeError as exc:
            figures.setdefault("failed", {})["training"] = str(exc)


def measure_scale_out(args: argparse.Namespace, root: Path, figures: dict) -> None:
    trouble = answers.message(ContentStore(paths.CONTENT_DIR).get(), "trouble").text
    (root / "scale-out").mkdir()
    try:
        figures["scale_out"] = scale_out.measure(
            root / "scale-out", args.clients, args.duration, trouble
        )
    except (RuntimeError, AssertionError) as exc:  # the other figures still count
        figures.setdefault("failed", {})["scale_out"] = str(exc)[:2000]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def report(figures: dict) -> None:
    m = figures["machine"]
    print(
        f"\nMachine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM;"
        f" commit {figures['commit']}; {figures['when']}"
    )
    load_phases = figures["load"]
    print(
        f"\nREST channel, closed-loop clients, {figures['duration_s']:g} s each; latency in ms"
        f" (err: no reply; unx: a reply without what the turn expects)"
    )
    head = f"{'msgs':>5} {'msg/s':>6} {'median':>6} {'p95':>5} {'p99':>5} {'err':>3} {'unx':>3}"
    print(f"{'':<9} | {'assistant':^37} | {'starter bot':^37} | ours/starter")
    print(f"{'clients':<9} | {head} | {head} | {'msg/s':>5} {'p95':>5}")
    for clients in (1, figures["clients"]):
        cells = []
        for name in ("assistant", "starter"):
            s = load_phases[f"{name}_{clients}"]
            cells.append(
                f"{s['messages']:>5} {s['throughput_per_s']:>6.1f} {ms(s['median_s']):>6}"
                f" {ms(s['p95_s']):>5} {ms(s['p99_s']):>5} {s['errors']:>3} {s['unexpected']:>3}"
            )
        r = figures["ratios"][str(clients)]
        print(f"{clients:<9} | {cells[0]} | {cells[1]} | {r['throughput']!s:>5} {r['p95']!s:>5}")
    print("\nOne conversation, median of 5 messages around message n, ms:")
    points = list(figures["conversation"]["assistant"]["median_s_at"])
    print(f"{'':<12}" + "".join(f"{'n=' + p:>8}" for p in points) + f"{'n=100/n=1':>11}")
    for name in ("assistant", "starter"):
        at = figures["conversation"][name]["median_s_at"]
        growth = ratio(at["100"], at["1"])
        label = "starter bot" if name == "starter" else name
        print(f"{label:<12}" + "".join(f"{ms(at[p]):>8}" for p in points) + f"{growth!s:>11}")
    print("\nResident memory after the load, MiB (now / peak):")
    total = 0.0
    for name, mem in figures["memory_mib"]["assistant"].items():
        if mem:
            total += mem["rss_mib"]
            print(f"  {name:<24} {mem['rss_mib']:>7.0f} / {mem['peak_mib']:.0f}")
    print(f"  {'assistant, all':<24} {total:>7.0f}")
    if mem := figures["memory_mib"]["starter"]:
        print(f"  {'starter bot (rasa run)':<24} {mem['rss_mib']:>7.0f} / {mem['peak_mib']:.0f}")
    a, s = figures["assistant_start"], figures["starter_start"]
    rows = [
        ("assistant: bot run to 'assistant is ready'", a["to_ready_s"]),
        (
            "assistant: Rasa 'Loading model' to taking messages",
            a["loading_model_to_rasa_listening_s"],
        ),
        ("starter bot: rasa run to taking messages", s["listening_s"]),
        ("starter bot: 'Loading model' to 'up and running'", s["loading_model_to_up_s"]),
        ("answer edit saved to the next reply showing it", figures["answer_edit_to_reply_s"]),
    ]
    if t := figures.get("training"):
        incremental = t["incremental"]
        rows += [
            ("full training (rasa train, empty cache)", t["full"]["seconds"]),
            (
                "incremental training (one example changed)",
                f"{incremental['seconds']} (trained {len(incremental['trained'])} components,"
                f" restored {len(incremental['restored'])})",
            ),
        ]
        for kind in ("full", "incremental"):
            if spent := training.summary(t[kind]):
                rows.append((f"  {kind}: where the time went", spent))
    rows.append(
        ("starter bot: rasa init --no-prompt (it trains)", round(figures["starter_init_s"], 1))
    )
    print("\nStart, edit and training, s:")
    for label, value in rows:
        print(f"  {label:<52} {value}")
    before, after = figures["load_average_before"], figures["load_average_after"]
    print(f"(load average {before[0]:.2f} before the load phases, {after[0]:.2f} after)")
    if "scale_out" in figures:
        scale_out.report(figures["scale_out"], figures["clients"])
    for what, why in figures.get("failed", {}).items():
        print(f"FAILED: {what}: {why}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds per load phase")
    parser.add_argument("--quick", action="store_true", help="15 s per load phase")
    parser.add_argument("--clients", type=int, default=20, help="the concurrent phase")
    parser.add_argument("--no-training", action="store_true", help="skip the training times")
    parser.add_argument("--no-scale-out", action="store_true", help="skip PostgreSQL and Redis")
    parser.add_argument(
        "--scale-out-only", action="store_true", help="only one and two Rasa servers, scaled out"
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    args = parser.parse_args()
    if args.quick:
        args.duration = 15
    # SIGTERM as Ctrl-C: the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "duration_s": args.duration,
        "clients": args.clients,
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="haip-bench-") as root:
        try:
            if args.scale_out_only:
                measure_scale_out(args, Path(root), figures)
            else:
                measure(args, Path(root), figures)
        except KeyboardInterrupt:
            say("Interrupted.")
            return 130
    if args.scale_out_only:
        return scale_out_report(args, figures)
    figures["ratios"] = {
        str(n): {
            "throughput": ratio(
                figures["load"][f"assistant_{n}"]["throughput_per_s"],
                figures["load"][f"starter_{n}"]["throughput_per_s"],
            ),
            "p95": ratio(
                figures["load"][f"assistant_{n}"]["p95_s"], figures["load"][f"starter_{n}"]["p95_s"]
            ),
        }
        for n in (1, args.clients)
    }
    figures["run_s"] = round(time.monotonic() - started)
    report(figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"Run took {figures['run_s']} s; figures in {args.json}")
    return 0


def scale_out_report(args: argparse.Namespace, figures: dict) -> int:
    """--scale-out-only: its table, and its figures in their own file."""
    if "scale_out" not in figures:
        print(f"FAILED: {figures['failed']['scale_out']}")
        return 1
    m = figures["machine"]
    print(f"\nMachine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM;"
          f" commit {figures['commit']}; {figures['when']}")  # fmt: skip
    scale_out.report(figures["scale_out"], args.clients)
    target = args.json.with_name("scale-out.json") if args.json == RESULTS else args.json
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"Figures in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
