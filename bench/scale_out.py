"""The scaled-out assistant (docs/scaling-out.md) under the same load: PostgreSQL,
Redis and two Rasa servers (harness/scale_out.py starts them as their systemd
units would), measured with 1 server (its own port) and with 2 (through nginx),
in one run. Part of `make bench`; alone: `python -m bench.run --scale-out-only`."""

from __future__ import annotations

import os
from pathlib import Path

from bench import load
from bench.progress import say
from bench.questions import SCRIPT
from harness.scale_out import Stack, missing

WEBHOOK = "/webhooks/rest/webhook"


def measure(root: Path, clients: int, duration_s: float, trouble: str) -> dict:
    if problem := missing():
        raise RuntimeError(f"{problem} (make system-packages installs it)")
    say("Scaled out: PostgreSQL, Redis, two Rasa servers behind nginx ...")
    stack = Stack(root, rasa_servers=2)
    try:
        stack.start(processes=("actions",))
        one, two = stack.rasa_url(0) + WEBHOOK, stack.proxy_url + WEBHOOK
        load.warm_up(stack.rasa_url(1) + WEBHOOK, SCRIPT)
        load.warm_up(one, SCRIPT)
        phases = {"load_average_before": os.getloadavg()}
        for name, webhook in (("one_server", one), ("two_servers", two)):
            for count in (1, clients):
                say(f"  {name.replace('_', ' ')}: {count} client(s) for {duration_s:g} s ...")
                phase = load.closed_loop(
                    webhook, SCRIPT, count, duration_s, f"scale-{name}-{count}", trouble
                )
                phases[f"{name}_{count}"] = summary = phase.summary()
                say(
                    f"    {summary['throughput_per_s']} msg/s, median {summary['median_s']} s,"
                    f" p95 {summary['p95_s']} s, {summary['errors']} errors"
                )
        phases["load_average_after"] = os.getloadavg()
        return phases
    finally:
        stack.stop()


def report(figures: dict, clients: int) -> None:
    print("\nScaled out (PostgreSQL, Redis; REST; latency in ms):")
    print(f"  {'':<28} {'msg/s':>6} {'median':>6} {'p95':>5} {'err':>3}")
    for name, label in (("one_server", "1 Rasa server"), ("two_servers", "2 behind nginx")):
        for count in (1, clients):
            s = figures[f"{name}_{count}"]
            median, p95 = (
                "-" if v is None else f"{v * 1000:.0f}" for v in (s["median_s"], s["p95_s"])
            )
            print(
                f"  {label + f', {count} client(s)':<28} {s['throughput_per_s']:>6.1f}"
                f" {median:>6} {p95:>5} {s['errors']:>3}"
            )
    one, two = figures[f"one_server_{clients}"], figures[f"two_servers_{clients}"]
    if one["throughput_per_s"]:
        gain = two["throughput_per_s"] / one["throughput_per_s"]
        print(f"  two servers / one at {clients} clients: {gain:.2f} x the throughput")
