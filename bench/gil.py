"""Why MiniLM runs in a process of its own (bot/nlu/embedding_process.py), not
on a thread beside Rasa's event loop: one sentence's embedding, its CPU and wall
time per sentence, alone; on a thread while another thread runs Python (as the
Rasa server's event loop does under load); and in a child process while this
process runs Python.

    .venv/bin/python bench/gil.py [--sentences 30] [--switch-interval 0.001]

--switch-interval sets sys.setswitchinterval first, as the Rasa server does
(bot/servers/rasa_server.py); without it, Python's default (5 ms).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the Rasa server
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu import embedding_process, minilm  # noqa: E402

SENTENCE = "how long will I stay in the hospital after the pump is placed?"


def timed(embed, sentences: int) -> tuple[float, float]:
    """CPU ms of this thread and wall ms, per sentence."""
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(sentences):
        embed([SENTENCE])
    return (
        (time.thread_time() - cpu) / sentences * 1000,
        (time.perf_counter() - wall) / sentences * 1000,
    )


class BusyPython:
    """A thread running Python without a pause, as a loaded event loop does."""

    def __enter__(self):
        self.running = True
        self.thread = threading.Thread(target=self._spin)
        self.thread.start()
        return self

    def _spin(self) -> None:
        count = 0
        while self.running:
            count += 1

    def __exit__(self, *_exc) -> None:
        self.running = False
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=30)
    parser.add_argument("--switch-interval", type=float)
    args = parser.parse_args()
    n = args.sentences
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    model = minilm.shared()
    process = embedding_process.EmbeddingProcess()
    for embed in (model.embed_many, process.embed_many):
        embed([SENTENCE])  # loaded and warm
    rows = [("alone, in this process", timed(model.embed_many, n))]
    with BusyPython():
        rows.append(("on a thread beside a busy Python thread", timed(model.embed_many, n)))
    with BusyPython():
        rows.append(
            ("in the child process, beside a busy Python thread", timed(process.embed_many, n))
        )
    process.stop()
    print(
        f"MiniLM, one sentence, {n} times, switch interval {sys.getswitchinterval() * 1000:g} ms;"
        " ms per sentence (CPU of the asking thread, wall)"
    )
    for name, (cpu, wall) in rows:
        print(f"  {name:52} {cpu:7.1f} {wall:8.1f}")


if __name__ == "__main__":
    main()
