"""bot/nlu/embedding_process.py: MiniLM in a child process gives the vectors
this process gives, survives its child's kill -9, falls back to embedding here
when no child will start, and never outlives the process that started it."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from bot import paths
from bot.nlu import embedding_process, minilm

TEXTS = ["how long is the hospital stay?", "I have a fever", "🙂", "¿qué es la bomba?"]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def process():
    embedder = embedding_process.EmbeddingProcess()
    yield embedder
    embedder.stop()


def test_the_same_vectors_as_this_process(process):
    ours = process.embed_many(TEXTS)
    assert process.pid() is not None and process.pid() != os.getpid()
    assert ours.shape == (len(TEXTS), minilm.DIMENSION)
    assert np.allclose(ours, minilm.shared().embed_many(TEXTS), atol=1e-6)


def test_after_a_kill_9_of_the_child_the_next_message_starts_another(process):
    first = process.embed_many(TEXTS[:1])
    child = process.pid()
    os.kill(child, signal.SIGKILL)
    assert np.allclose(process.embed_many(TEXTS[:1]), first, atol=1e-6)
    assert process.pid() not in (None, child)


def test_when_no_child_will_start_it_embeds_here(caplog):
    # Each child runs sys.exit with the pipe and the parent's id: it dies at once,
    # as a child that cannot load MiniLM would.
    failing = embedding_process.EmbeddingProcess(serve=sys.exit)
    try:
        vectors = failing.embed_many(TEXTS[:2])
    finally:
        failing.stop()
    assert np.allclose(vectors, minilm.shared().embed_many(TEXTS[:2]), atol=1e-6)
    assert caplog.text.count("The sentence-embedding process stopped") == 2
    assert "embedding in the Rasa server itself" in caplog.text


PARENT = """
import sys
from bot.nlu import embedding_process
process = embedding_process.install()
from bot.nlu import minilm
minilm.embedder().embed_many(["hello"])
print(process.pid(), flush=True)
sys.stdin.read()
"""


def test_the_child_dies_with_the_rasa_server_even_after_a_kill_9():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=paths.ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.kill()
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child)
    finally:
        parent.kill()


def test_a_kill_9_of_the_child_in_the_middle_of_a_sentence_list_still_answers_it(process):
    import threading

    process.embed_many(TEXTS[:1])  # started and loaded
    child = process.pid()
    texts = [f"{n} what is the pump and how is it placed " * 8 for n in range(80)]
    answer = {}
    asking = threading.Thread(target=lambda: answer.setdefault("v", process.embed_many(texts)))
    asking.start()
    time.sleep(0.3)
    assert asking.is_alive()  # still computing when it is killed
    os.kill(child, signal.SIGKILL)
    asking.join(timeout=120)
    assert process.pid() not in (None, child)
    assert np.allclose(answer["v"], minilm.shared().embed_many(texts), atol=1e-6)
