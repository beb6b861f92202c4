"""The record of trainings asked for in the staff workspace (bot/training/trainings.py):
one at a time, nothing lost when a process dies, every end said in words."""

import sqlite3
import threading

import pytest

from bot import trainings


@pytest.fixture
def store(tmp_path):
    opened = trainings.TrainingStore(tmp_path / "trainings.db")
    yield opened
    opened.close()


def test_a_training_goes_from_queued_to_live(store):
    asked = store.request("editor1")
    assert (asked.state, asked.requested_by, asked.percent) == (trainings.QUEUED, "editor1", 0)
    claimed = store.claim_next()
    assert (claimed.id, claimed.state, claimed.attempts) == (asked.id, trainings.TRAINING, 1)
    assert store.claim_next() is None
    store.progress(asked.id, "Training the language model", 20)
    assert (store.get(asked.id).step, store.get(asked.id).percent) == (
        "Training the language model",
        20,
    )
    store.passed(asked.id, "haip-abc.tar.gz", "Accuracy 98%")
    assert store.waiting_to_load().model == "haip-abc.tar.gz"
    store.went_live(asked.id, "haip-abc.tar.gz")
    done = store.get(asked.id)
    assert (done.state, done.percent, done.under_way) == (trainings.LIVE_STATE, 100, False)
    assert done.finished_at is not None
    assert store.live_model() == "haip-abc.tar.gz"
    assert store.waiting_to_load() is None


def test_only_one_training_at_a_time_even_when_two_editors_click_at_once(tmp_path):
    path = tmp_path / "trainings.db"
    trainings.TrainingStore(path).close()
    made, refused = [], []
    barrier = threading.Barrier(8)

    def click(n):
        own = trainings.TrainingStore(path)
        barrier.wait()
        try:
            made.append(own.request(f"editor{n}"))
        except trainings.AlreadyUnderWay as busy:
            refused.append(busy.training.id)
        finally:
            own.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(refused) == 7 and set(refused) == {made[0].id}


def test_a_new_training_can_be_asked_for_once_the_last_one_ended(store):
    first = store.request("editor1")
    store.claim_next()
    store.failed(first.id, "The new model did not pass the check.")
    assert store.get(first.id).message == "The new model did not pass the check."
    assert store.request("editor2").id != first.id


def test_a_training_cut_short_is_started_again_once_then_fails(store):
    asked = store.request("editor1")
    store.claim_next()
    store.progress(asked.id, "Training the conversation model", 50)
    # The trainer died here; at its next start:
    assert [t.id for t in store.recover()] == [asked.id]
    assert store.get(asked.id).state == trainings.QUEUED
    assert store.claim_next().attempts == 2
    assert store.recover() == []
    failed = store.get(asked.id)
    assert failed.state == trainings.FAILED and "stopped twice" in failed.message
    assert "current model keeps answering" in failed.message


def test_a_late_progress_report_cannot_undo_an_end(store):
    asked = store.request("editor1")
    store.claim_next()
    store.failed(asked.id, "why")
    store.progress(asked.id, "Training the language model", 30)
    store.passed(asked.id, "haip-x.tar.gz", "")
    assert store.get(asked.id).state == trainings.FAILED and store.waiting_to_load() is None


def test_the_store_survives_a_locked_database_for_a_moment(store, tmp_path):
    blocker = sqlite3.connect(tmp_path / "trainings.db", check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, blocker.rollback).start()
    assert store.request("editor1").state == trainings.QUEUED  # waited (busy_timeout), then wrote
