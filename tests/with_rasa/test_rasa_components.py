"""InputGuard, first in the Rasa pipeline, on messages as Rasa hands them over."""

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import input_checks
from bot.rasa.components import INPUT_FLAGS, RED_FLAGS, RED_FLAGS_NEGATED, InputGuard


def guard(text):
    message = Message(data={TEXT: text}) if text is not None else Message(data={})
    return InputGuard().process([message])[0]


def test_later_components_read_the_plain_text():
    message = guard("Ｉ ｈａｖｅ chest\u00a0pa\u200bin")
    assert message.get(TEXT) == "I have chest pain"
    assert message.get(RED_FLAGS) == ["chest_or_breathing"]
    assert message.get(INPUT_FLAGS) == []


def test_an_odd_space_does_not_hide_a_negation():
    message = guard("no\u00a0fever")
    assert message.get(RED_FLAGS) == [] and message.get(RED_FLAGS_NEGATED) == ["fever_chills"]


def test_only_zero_width_spaces_is_empty():
    message = guard("\u200b\u200b")
    assert message.get(INPUT_FLAGS) == [input_checks.EMPTY]
    assert message.get(TEXT) == ""


def test_long_text_is_capped_after_normalising_and_red_flags_are_found_past_the_cap():
    message = guard("ｐｕｍｐ " * 300 + "chest\u3000pain")
    assert message.get(TEXT) == ("pump " * 300)[: input_checks.MAX_NLU_CHARS]
    assert message.get(INPUT_FLAGS) == [input_checks.TOO_LONG]
    assert message.get(RED_FLAGS) == ["chest_or_breathing"]


def test_plain_text_is_left_as_it_is_and_no_text_stays_no_text():
    assert guard("how long is the hospital stay").get(TEXT) == "how long is the hospital stay"
    assert guard(None).get(TEXT) is None


def trained_classifier(tmp_path):
    """IntentAndTopicClassifier trained on a few messages with word-count-like
    sparse features and an embedding-like dense one, as Rasa hands them over."""
    import numpy as np
    import scipy.sparse
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.rasa.components import IntentAndTopicClassifier

    rng = np.random.default_rng(7)
    labels = ["greet", "faq/hospital_stay", "faq/refills", "urgent_symptom"]
    examples = []
    for i in range(40):
        label = labels[i % len(labels)]
        intent, _, topic = label.partition("/")
        message = Message(data={TEXT: f"example {i}", "intent": intent})
        if topic:
            message.set("intent_response_key", label)
        words = rng.poisson(0.3, size=(1, 30)).astype(float)
        words[0, i % len(labels)] += 2
        message.add_features(
            Features(scipy.sparse.coo_matrix(words), FEATURE_TYPE_SENTENCE, TEXT, "words")
        )
        embedding = rng.normal(size=(1, 8)) + (i % len(labels))
        message.add_features(Features(embedding, FEATURE_TYPE_SENTENCE, TEXT, "minilm"))
        examples.append(message)
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("classifier")
    config = {"retrieval_intent": "faq", "C": 10, "weights": {"minilm": 2}}
    classifier = IntentAndTopicClassifier.create(config, storage, resource, None)
    classifier.train(TrainingData(examples))
    return classifier, config, storage, resource, examples


def test_a_persisted_classifier_loads_with_the_same_probabilities(tmp_path):
    from bot.rasa.components import IntentAndTopicClassifier

    trained, config, storage, resource, examples = trained_classifier(tmp_path)
    loaded = IntentAndTopicClassifier.load(config, storage, resource, None)
    assert loaded.blocks == trained.blocks == [("minilm", 8), ("words", 30)]
    matrix = trained._matrix(examples)
    expected = trained.classifier.predict_proba(matrix)
    assert (loaded.classifier.predict_proba(matrix) == expected).all()
    assert list(loaded.classifier.classes_) == list(trained.classifier.classes_)
    assert loaded.classifier.get_params() == trained.classifier.get_params()
    # And so the same intents, rankings and topics for Rasa.
    outputs = []
    for classifier in (trained, loaded):
        copies = [Message(data={TEXT: m.get(TEXT)}, features=list(m.features)) for m in examples]
        outputs.append([m.as_dict() for m in classifier.process(copies)])
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "classifier.npz").write_bytes(b"not a zip file"),
        lambda d: (d / "classifier.npz").unlink(),
        lambda d: (d / "classifier.json").write_text("[1, 2"),
        lambda d: (d / "classifier.json").write_text('{"no_such_parameter": 1}'),
        lambda d: (d / "blocks.json").write_text('[["minilm", 8]]'),  # widths disagree
    ],
)
def test_a_damaged_classifier_is_logged_and_not_loaded(tmp_path, caplog, damage):
    from bot.rasa.components import IntentAndTopicClassifier

    _, config, storage, resource, examples = trained_classifier(tmp_path)
    with storage.read_from(resource) as directory:
        damage(directory)
    loaded = IntentAndTopicClassifier.load(config, storage, resource, None)
    assert loaded.classifier is None and loaded.blocks == []
    assert "Intent classifier could not be loaded" in caplog.text
    message = Message(data={TEXT: "hello"})
    assert loaded.process([message])[0].get("intent") is None


def test_a_pickled_array_is_never_loaded(tmp_path, caplog):
    """An object array (which only unpickling could read) is refused."""
    import numpy as np

    from bot.rasa.components import IntentAndTopicClassifier

    trained, config, storage, resource, _ = trained_classifier(tmp_path)
    with storage.read_from(resource) as directory:
        classifier = trained.classifier
        np.savez(
            directory / "classifier.npz",
            coef_=classifier.coef_,
            intercept_=classifier.intercept_,
            classes_=np.asarray(classifier.classes_, dtype=object),
            n_iter_=classifier.n_iter_,
        )
    loaded = IntentAndTopicClassifier.load(config, storage, resource, None)
    assert loaded.classifier is None
    assert "Object arrays cannot be loaded when allow_pickle=False" in caplog.text


def test_the_feature_matrix_is_each_block_at_unit_length_side_by_side(tmp_path):
    """_matrix builds its rows directly; the same numbers as scipy's
    normalize, hstack and vstack, including a message without one block and
    one whose words are all unknown (an empty block stays empty)."""
    import numpy as np
    import scipy.sparse
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
    from rasa.shared.nlu.training_data.features import Features
    from sklearn.preprocessing import normalize

    trained, _config, _storage, _resource, examples = trained_classifier(tmp_path)
    no_words = Message(data={TEXT: "emoji only"})
    no_words.add_features(Features(np.ones((1, 8)), FEATURE_TYPE_SENTENCE, TEXT, "minilm"))
    unknown = Message(data={TEXT: "unknown words"})
    unknown.add_features(
        Features(scipy.sparse.coo_matrix((1, 30)), FEATURE_TYPE_SENTENCE, TEXT, "words")
    )
    unknown.add_features(Features(np.ones((1, 8)), FEATURE_TYPE_SENTENCE, TEXT, "minilm"))
    messages = [*examples, no_words, unknown]

    rows = []
    for message in messages:
        found = trained._sentence_features(message)
        row = []
        for origin, width in trained.blocks:
            if origin not in found:
                row.append(scipy.sparse.csr_matrix((1, width)))
                continue
            block = normalize(scipy.sparse.csr_matrix(found[origin]).astype(np.float64))
            row.append(block * {"minilm": 2.0}.get(origin, 1.0))
        rows.append(scipy.sparse.hstack(row))
    expected = scipy.sparse.vstack(rows).toarray()

    matrix = trained._matrix(messages)
    assert matrix.shape == expected.shape == (len(messages), 38)
    assert np.allclose(matrix.toarray(), expected, rtol=1e-12, atol=1e-15)
    assert (matrix.toarray()[-2, 8:] == 0).all() and (matrix.toarray()[-1, 8:] == 0).all()


def test_a_training_example_s_language_is_its_block_s_metadata():
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa.components import _example_language

    spanish = Message.build("hola", "greet", intent_metadata={"language": "es"})
    assert _example_language(spanish) == "es"
    assert _example_language(Message.build("hello", "greet")) == "en"
    assert _example_language(Message.build("hi", "greet", intent_metadata="odd")) == "en"
