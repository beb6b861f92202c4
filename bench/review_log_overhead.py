"""Does the review log slow a reply? Starts the assistant as `make run` does (on
free ports, with its own copy of the content), then sends the same questions in
rounds, with the review log running and with it paused (SIGSTOP), alternating so
that drift on a busy machine falls on both, and prints the reply times.

    .venv/bin/python bench/review_log_overhead.py [--rounds 6] [--per-round 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.questions import QUESTIONS  # noqa: E402
from tests.servers import started_assistant  # noqa: E402


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=40)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"running": [], "paused": []}
    with tempfile.TemporaryDirectory() as root, started_assistant(Path(root)) as assistant:
        for n in range(10):  # warm up
            assistant.ask("warm-up", QUESTIONS[n % len(QUESTIONS)])
        follower = assistant.child_pid("review log")
        for round_ in range(args.rounds):
            state = "running" if round_ % 2 == 0 else "paused"
            if state == "paused":
                os.kill(follower, signal.SIGSTOP)
            try:
                for k in range(args.per_round):
                    started = time.perf_counter()
                    assistant.ask(f"bench-{round_}-{k // 10}", QUESTIONS[k % len(QUESTIONS)])
                    times[state].append(time.perf_counter() - started)
            finally:
                os.kill(follower, signal.SIGCONT)
    print(f"{'review log':<12} {'replies':>8} {'median ms':>10} {'p95 ms':>8} {'mean ms':>8}")
    for state, values in times.items():
        print(
            f"{state:<12} {len(values):>8} {statistics.median(values) * 1000:>10.1f}"
            f" {p95(values) * 1000:>8.1f} {statistics.mean(values) * 1000:>8.1f}"
        )
    difference = statistics.median(times["running"]) - statistics.median(times["paused"])
    print(f"median difference (running - paused): {difference * 1000:+.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
