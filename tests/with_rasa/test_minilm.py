import numpy as np
import pytest

from bot.nlu import minilm


@pytest.fixture(scope="module")
def model():
    return minilm.shared()


def test_reproduces_the_published_similarity(model):
    # The sentence-transformers model card gives 0.7553 for this pair.
    a = model.embed("A man is eating food.")
    b = model.embed("A man is eating a piece of bread.")
    assert round(float(a @ b), 4) == 0.7553


def test_vectors_are_unit_length(model):
    vector = model.embed("how long is the hospital stay")
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_similar_questions_are_closer_than_unrelated_ones(model):
    stay = model.embed("how long is the hospital stay")
    assert float(stay @ model.embed("how many days will i be in hospital")) > 0.6
    assert float(stay @ model.embed("can i use a hot tub")) < 0.3


def test_tokenizer_lowercases_strips_accents_and_splits_punctuation(model):
    tokenizer = model.tokenizer
    assert tokenizer.encode("Héllo, world!") == tokenizer.encode("hello , world !")
    ids = tokenizer.encode("x" * 10_000)
    assert ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep


def test_long_input_is_capped(model):
    assert len(model.tokenizer.encode("pump " * 5_000)) == minilm.MAX_TOKENS
    model.embed("pump " * 5_000)


def test_empty_and_emoji_text(model):
    assert model.embed("").shape == (384,)
    assert model.embed("😀🙏").shape == (384,)


def test_weights_with_another_hash_are_refused(tmp_path):
    for name in ("vocab.txt",):
        (tmp_path / name).write_text((minilm.model_dir() / name).read_text())
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 16)
    with pytest.raises(minilm.ModelUnavailable, match="expected"):
        minilm.MiniLM(tmp_path)


def test_many_sentences_at_once_match_one_at_a_time(model):
    texts = ["how long is the hospital stay", "can i fly", "what is fudr", "can i swim", ""]
    together = model.embed_many(texts)
    alone = np.stack([model.embed(t) for t in texts])
    assert together.shape == (5, 384)
    assert np.allclose(together, alone, atol=1e-5)
