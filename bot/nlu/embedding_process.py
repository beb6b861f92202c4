"""MiniLM's sentence embeddings in a process of its own, for the Rasa server.

MiniLM is most of a message's NLU time (21 ms of CPU), and while it runs Rasa's
event loop can do nothing else. On a thread of its own it did not help: numpy
lets go of Python's lock for each of a sentence's ~170 array operations and
must then wait for it again, so beside a busy event loop one sentence took
about 60 ms of CPU and 860 ms of wall time instead of 21 ms
(docs/decisions/050-one-off-experiments.md). In a process of its own it runs
on the other core at full speed, and the thread that asks waits for one
answer, not 170 times.

One process, started with "spawn" (the Rasa server has threads, so no fork),
which the kernel kills with the Rasa server, even after a kill -9. The asking
thread writes the sentences to a pipe and reads the vectors back itself, not
through concurrent.futures' ProcessPoolExecutor: its feeder and result threads
each need Python's lock too, and beside a busy event loop each wait for it
added up (57 ms of wall time a sentence with the pool, 46 ms with the pipe). If the
process dies, the next message starts another; if that fails too, the
sentence is embedded in the Rasa server itself, as before, so a patient always
gets an answer.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading

import numpy as np

from bot.nlu import minilm

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _serve(connection, parent_pid: int) -> None:
    """The child: embeds each list of sentences it reads, until the pipe closes."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the Rasa server died before prctl
            os.kill(os.getpid(), signal.SIGKILL)
    model = minilm.shared()
    while True:
        try:
            texts = connection.recv()
        except EOFError:
            return
        connection.send(model.embed_many(texts))


class EmbeddingProcess:
    """minilm.MiniLM's embed_many, computed in a child process."""

    # How long a child may take to start and load the weights, and to answer.
    TIMEOUT_S = 120

    def __init__(self, serve=_serve) -> None:
        self._serve = serve  # what the child runs (a test gives one that fails)
        self._lock = threading.Lock()  # one sentence list on the pipe at a time
        self._process = None
        self._connection = None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=self._serve, args=(theirs, os.getpid()), name="minilm", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._connection = process, ours

    def _stop_child(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        self._process = self._connection = None

    def embed_many(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            for _attempt in range(2):
                try:
                    if self._process is None:
                        self._start()
                    self._connection.send(texts)
                    if not self._connection.poll(self.TIMEOUT_S):
                        raise TimeoutError("no answer")
                    return self._connection.recv()
                except (EOFError, OSError, TimeoutError) as error:
                    logger.warning(
                        "The sentence-embedding process stopped (%s); starting another.",
                        type(error).__name__,
                    )
                    self._stop_child()
            logger.error("No sentence-embedding process: embedding in the Rasa server itself.")
            return minilm.shared().embed_many(texts)

    def pid(self) -> int | None:
        """The child's process id, once it has started (tests read it)."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        with self._lock:
            self._stop_child()


def install() -> EmbeddingProcess:
    """From now on, MiniLMFeaturizer embeds in a child process."""
    process = EmbeddingProcess()
    minilm.use(process)
    return process
