"""MiniLM's sentence embeddings in a process of its own, for the Rasa server.

MiniLM is most of a message's NLU time (21 ms of CPU), and while it runs Rasa's
event loop can do nothing else. On a thread of its own it did not help: numpy
lets go of Python's lock for each of a sentence's ~170 array operations and
must then wait for it again, so beside a busy event loop one sentence took
60 ms of CPU and 860 ms of wall time instead of 21 ms (a thread spinning in
Python beside it, /tmp measurement kept in the README's Performance section).
In a process of its own it runs on the other core at full speed, and the
thread that asks waits for one answer, not 170 times.

One process, started with "spawn" (the Rasa server has threads, so no fork),
which the kernel kills with the Rasa server, even after a kill -9. If it dies,
the next message starts another; if that fails too, the sentence is embedded
in the Rasa server itself, as before, so a patient always gets an answer.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from bot.nlu import minilm

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _start(parent_pid: int) -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the Rasa server died before prctl
            os.kill(os.getpid(), signal.SIGKILL)
    minilm.shared()  # the weights, once


def _embed(texts: list[str]) -> np.ndarray:
    return minilm.shared().embed_many(texts)


class EmbeddingProcess:
    """minilm.MiniLM's embed_many, computed in a child process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _current(self, broken: ProcessPoolExecutor | None = None) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pool is broken:
                if broken is not None:
                    broken.shutdown(wait=False, cancel_futures=True)
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def embed_many(self, texts: list[str]) -> np.ndarray:
        pool = self._current()
        for _attempt in range(2):
            try:
                return pool.submit(_embed, texts).result()
            except BrokenProcessPool:
                logger.warning("The sentence-embedding process stopped; starting another.")
                pool = self._current(broken=pool)
        logger.error("No sentence-embedding process: embedding in the Rasa server itself.")
        return minilm.shared().embed_many(texts)

    def pid(self) -> int | None:
        """The child's process id, once it has started (tests read it)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return next(iter(processes), None)

    def stop(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


def install() -> EmbeddingProcess:
    """From now on, MiniLMFeaturizer embeds in a child process."""
    process = EmbeddingProcess()
    minilm.use(process)
    return process
