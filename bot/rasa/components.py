"""Custom Rasa NLU components (referenced by module path in config.yml)."""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import intents
from bot.content.languages import ENGLISH
from bot.nlu import minilm

logger = logging.getLogger(__name__)


INPUT_FLAGS = "input_flags"
RED_FLAGS = "red_flags"
RED_FLAGS_NEGATED = "red_flags_negated"
RED_FLAG_ENTITY = "red_flag"
# A message in another language that negates a symptom or says it is over ("ya
# se me quitó", "no tengo dolor de estómago"): the model's urgent label alone,
# with no listed phrase found, does not stand in it.
SAYS_IT_IS_OVER = "says_it_is_over"


def _set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    intent = {"name": name, "confidence": confidence}
    ranking = [i for i in message.get("intent_ranking", []) if i.get("name") != name]
    message.set("intent", intent, add_to_output=True)
    message.set("intent_ranking", [intent, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds an all-MiniLM-L6-v2 sentence embedding to each message's text.

    Patients ask the same thing in many words ("how long will I be in hospital",
    "when do I get to go home"); a sentence embedding places such questions close
    together where word and character counts cannot.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(execution_context.node_name, config)

    def process(self, messages: list[Message]) -> list[Message]:
        # All at once: minilm encodes sentences of one length together.
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return messages
        vectors = minilm.embedder().embed_many([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            message.add_features(
                Features(
                    vector.reshape(1, -1),
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    self._config[FEATURIZER_CLASS_ALIAS],
                )
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentAndTopicClassifier(GraphComponent):
    """One logistic regression over every label: each intent, and each FAQ topic
    as its full retrieval intent (faq/<topic>).

    On our held-out questions this beat DIET with Rasa's ResponseSelector (92-94%)
    and Rasa's LogisticRegressionClassifier with a separate topic selector: the
    word counts, character counts and sentence embedding are each scaled to unit
    length so none drowns the others. The intent's confidence is the topic's own,
    so Rasa's FallbackClassifier also catches an unsure topic (Rasa issues #9751,
    #9723). Outputs are Rasa's usual intent, intent_ranking and response_selector.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "retrieval_intent": intents.RETRIEVAL_INTENT,
            "C": 10.0,
            # Extra weight for some featurizers' blocks, by featurizer alias.
            "weights": {},
            "ranking_length": 10,
            "max_iter": 3000,
            # Stricter fallback thresholds for single topics, by topic id; the
            # general one is FallbackClassifier's.
            "topic_thresholds": {},
            # And for the classifier of another language, by language code.
            "language_thresholds": {},
            # Retrieval over the answers' sentences, the false beliefs and the
            # example questions
            # (bot/nlu/retrieval.py).
            "retrieval": False,
            # The share of a similarity from meaning (the sentence embedding of
            # this featurizer alias); the rest from shared words.
            "retrieval_meaning": "minilm",
            "retrieval_meaning_weight": 0.7,
            # When the classifier is below `rescue_below` (the fallback
            # threshold), the retrieval's best topic is answered if it is at
            # least this similar and among the classifier's first few labels:
            # two ways of reading the question agree.
            "rescue_below": 0.0,
            "rescue_min_similarity": 0.55,
            "rescue_within_rank": 2,
            # An answer sentence this similar to the question leads the answer.
            "lead_min_similarity": 0.6,
            # A question this similar to one of the chosen topic's false
            # beliefs (or the questions that carry it) gets its correction first.
            "belief_min_similarity": 0.7,
            # Another language's classifier, under its threshold, still answers
            # its first topic when it is at least this sure and the closest
            # passage of that language's own text by letters (bot/nlu/letters.py)
            # is of the same topic, at least this similar.
            "language_rescue_min_confidence": 1.0,
            "language_rescue_min_similarity": 1.0,
        }

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classifier = None
        # A classifier of its own for each other language of the training data
        # (examples marked `metadata: {language: es}`), by language code: one
        # model for both languages cost English 1.4 points of held-out accuracy
        # and 5 confident wrong answers (docs/understanding.md).
        self.by_language: dict[str, Any] = {}
        # (featurizer alias, feature width) in the order the classifier saw them.
        self.blocks: list[tuple[str, int]] = []
        self.index = None  # bot.nlu.retrieval.Index, when `retrieval` is on
        # For each other language: its examples, titles and answer sentences,
        # matched by letters (bot.nlu.letters.LetterIndex).
        self.letters: dict[str, Any] = {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentAndTopicClassifier:
        return cls(config, model_storage, resource)

    @staticmethod
    def _sentence_features(message: Message) -> dict[str, Any]:
        return {
            f.origin: f.features
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
        }

    def _matrix(self, messages: list[Message]):
        """One row per message: each featurizer's sentence block scaled to unit
        length (times its weight), the blocks side by side. Built as one CSR
        matrix: scipy's normalize, hstack and vstack for each block took 4 ms a
        message, more than the classifier itself (bench/profile.py)."""
        import numpy as np
        from scipy.sparse import csr_matrix, issparse

        weights = self.config["weights"]
        data, columns, row_ends = [], [], [0]
        for message in messages:
            found = self._sentence_features(message)
            offset = stored = 0
            for origin, width in self.blocks:
                features = found.get(origin)
                if features is not None:
                    if issparse(features):
                        block = csr_matrix(features)
                        block.sum_duplicates()
                        values, where = block.data.astype(np.float64), block.indices
                    else:
                        dense = np.asarray(features, dtype=np.float64).reshape(-1)
                        where = np.flatnonzero(dense)
                        values = dense[where]
                    if values.size:
                        values = values / np.sqrt(values @ values)
                        values = values * float(weights.get(origin, 1.0))
                        data.append(values)
                        columns.append(where + offset)
                        stored += values.size
                offset += width
            row_ends.append(row_ends[-1] + stored)
        return csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32),
                np.array(row_ends),
            ),
            shape=(len(messages), offset if messages else sum(w for _, w in self.blocks)),
        )

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [
            m
            for m in training_data.intent_examples
            if m.get("intent") and m.get(TEXT) and not intents.is_external(m.get("intent"))
        ]
        if not examples:
            return self._resource
        widths = {o: f.shape[-1] for o, f in self._sentence_features(examples[0]).items()}
        self.blocks = sorted(widths.items())
        by_language: dict[str, list[Message]] = {}
        for message in examples:
            by_language.setdefault(_example_language(message), []).append(message)
        examples = by_language.pop(ENGLISH, [])
        labels = [m.get("intent_response_key") or m.get("intent") for m in examples]
        self.classifier = self._fit(LogisticRegression, examples, labels)
        self.by_language = {
            language: self._fit(
                LogisticRegression,
                messages,
                [m.get("intent_response_key") or m.get("intent") for m in messages],
            )
            for language, messages in sorted(by_language.items())
            if len({m.get("intent_response_key") or m.get("intent") for m in messages}) > 1
        }
        if self.config["retrieval"]:
            self.index = self._build_index(training_data, examples, labels)
            self.letters = {
                language: _letter_index(training_data, language, by_language[language])
                for language in self.by_language
            }
        self.persist()
        return self._resource

    def _fit(self, factory, examples: list[Message], labels: list[str]):
        classifier = factory(C=self.config["C"], max_iter=self.config["max_iter"], random_state=42)
        classifier.fit(self._matrix(examples), labels)
        return classifier

    def _meaning(self, message: Message):
        return self._sentence_features(message).get(self.config["retrieval_meaning"])

    def _build_index(self, training_data: TrainingData, examples, labels):
        """Every example question, and every sentence of each answer (the
        responses `make build` writes from content/), with their embeddings."""
        import numpy as np

        from bot.nlu import retrieval

        answers = []
        for key, variants in sorted(training_data.responses.items()):
            label = key.removeprefix("utter_")
            for variant in variants:
                belief = variant.get("custom") or {}
                if intents.LANGUAGE_KEY in belief:
                    continue  # another language's text: its letter index reads it
                if "myth" in belief:
                    answers += retrieval.belief_passages(
                        label, int(belief["myth"]), variant.get(TEXT) or "", belief["examples"]
                    )
                else:
                    answers += retrieval.answer_passages(label, variant.get(TEXT) or "")
        passages = [
            retrieval.Passage(label, retrieval.EXAMPLE, m.get(TEXT))
            for m, label in zip(examples, labels, strict=True)
        ]
        vectors = [np.asarray(self._meaning(m)).reshape(-1) for m in examples]
        if answers:
            vectors += list(minilm.embedder().embed_many([p.text for p in answers]))
        return retrieval.Index.build(
            passages + answers, np.vstack(vectors), self.config["retrieval_meaning_weight"]
        )

    def _predict(self, message: Message, row, classifier) -> None:
        retrieval = self.config["retrieval_intent"]
        labels = sorted(
            zip(map(str, classifier.classes_), map(float, row), strict=True),
            key=lambda item: -item[1],
        )
        # Not named `intents`: that is the module whose FALLBACK is used below.
        by_intent: dict[str, float] = {}
        for label, confidence in labels:
            by_intent.setdefault(label.split("/", 1)[0], confidence)
        ranking = [{"name": n, "confidence": c} for n, c in by_intent.items()]
        ranking = ranking[: self.config["ranking_length"]]
        message.set("intent", ranking[0], add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)

        topics = [
            {"id": None, "confidence": c, "intent_response_key": label}
            for label, c in labels
            if label.startswith(f"{retrieval}/")
        ]
        topics = topics[: self.config["ranking_length"]]
        best = topics[0]
        message.set(
            "response_selector",
            {
                "all_retrieval_intents": [retrieval],
                retrieval: {
                    "response": {
                        "responses": [{"text": best["intent_response_key"]}],
                        "confidence": best["confidence"],
                        "intent_response_key": best["intent_response_key"],
                        "utter_action": f"utter_{best['intent_response_key']}",
                    },
                    "ranking": topics,
                },
            },
            add_to_output=True,
        )
        if ranking[0]["name"] == retrieval:
            topic = best["intent_response_key"].split("/", 1)[1]
            if best["confidence"] < self.config["topic_thresholds"].get(topic, 0.0):
                _set_intent(message, intents.FALLBACK)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.classifier is None:
            return messages
        for message in messages:
            language = message.get(intents.MESSAGE_LANGUAGE)
            classifier = self.by_language.get(language)
            if classifier is not None:
                # Another language: its own classifier; the retrieval reads English.
                row = classifier.predict_proba(self._matrix([message]))[0]
                # Learnt from fewer examples, it answers only when surer ...
                floor = self.config["language_thresholds"].get(language, 0.0)
                rescued = self._rescue_by_letters(message, language, row, classifier, floor)
                self._predict(message, row if rescued is None else rescued, classifier)
                # ... or when its own language's text agrees (_rescue_by_letters).
                if rescued is None and _decided_confidence(message) < floor:
                    _set_intent(message, intents.FALLBACK)
                continue
            row = self.classifier.predict_proba(self._matrix([message]))[0]
            matches = self._retrieve(message) if self.index is not None else {}
            self._predict(message, self._rescue(row, matches), self.classifier)
            self._mark_lead_and_belief(message, matches)
        return messages

    def _rescue(self, row, matches):
        """The classifier's probabilities, with an unsure question given to the
        topic the retrieval found, when the two agree (see the config)."""
        import numpy as np

        if not matches or row.max() >= self.config["rescue_below"]:
            return row
        best = max(matches.values(), key=lambda m: m.score)
        classes = list(map(str, self.classifier.classes_))
        leading = [classes[i] for i in np.argsort(-row)[: self.config["rescue_within_rank"]]]
        if (
            best.score < self.config["rescue_min_similarity"]
            or best.label not in leading
            or intents.topic_from_response_key(best.label) is None
        ):
            return row
        # Still a distribution; the rescued topic at least as sure as it is similar.
        rescued = row * (1 - best.score)
        rescued[classes.index(best.label)] += best.score
        return rescued

    def _rescue_by_letters(self, message: Message, language: str, row, classifier, floor: float):
        """For a classifier under its language's threshold: its probabilities with
        its first topic made at least as sure as the threshold, when it is at
        least `language_rescue_min_confidence` sure and the closest passage of
        that language's text is of the same topic; None otherwise."""
        import numpy as np

        index = self.letters.get(language)
        top = int(np.argmax(row))
        label = str(classifier.classes_[top])
        if (
            index is None
            or row[top] >= floor
            or row[top] < self.config["language_rescue_min_confidence"]
            or intents.topic_from_response_key(label) is None
        ):
            return None
        best = index.best(message.get(TEXT) or "")
        if best is None or best.label != label:
            return None
        if best.score < self.config["language_rescue_min_similarity"]:
            return None
        rescued = row * (1 - floor)
        rescued[top] += floor
        return rescued

    def _retrieve(self, message: Message):
        text = message.get(TEXT)
        if not text:
            return {}
        meaning = self._meaning(message)
        return self.index.best_by_label(text, None if meaning is None else meaning.reshape(-1))

    def _mark_lead_and_belief(self, message: Message, matches) -> None:
        """For the chosen topic: the answer sentence closest to the question,
        which then leads the answer, and a false belief the question carries,
        whose correction comes first (actions/faq.py)."""
        chosen = (
            (message.get("response_selector") or {})
            .get(self.config["retrieval_intent"], {})
            .get("response", {})
            .get("intent_response_key")
        )
        match = matches.get(chosen)
        if match and match.belief is not None:
            if match.belief_score >= self.config["belief_min_similarity"]:
                message.set(
                    intents.FALSE_BELIEF,
                    {
                        "topic": intents.topic_from_response_key(chosen),
                        "belief": match.belief,
                        "similarity": round(match.belief_score, 3),
                    },
                    add_to_output=True,
                )
        if match and match.sentence and match.sentence_score >= self.config["lead_min_similarity"]:
            message.set(
                intents.ANSWER_LEAD,
                {
                    "topic": intents.topic_from_response_key(chosen),
                    "sentence": match.sentence,
                    "similarity": round(match.sentence_score, 3),
                },
                add_to_output=True,
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # The fitted logistic regression as plain arrays (numpy's .npz, read with
    # allow_pickle=False) and its parameters as JSON: like Rasa's own classifiers,
    # a model file is never unpickled, and no library has to vet one at load.
    CLASSIFIER_ARRAYS = "classifier.npz"
    CLASSIFIER_PARAMS = "classifier.json"

    @classmethod
    def _save_classifier(cls, directory, classifier, suffix: str = "") -> None:
        import json

        import numpy as np

        np.savez(
            directory / cls.CLASSIFIER_ARRAYS.replace(".npz", f"{suffix}.npz"),
            coef_=classifier.coef_,
            intercept_=classifier.intercept_,
            classes_=np.asarray(classifier.classes_, dtype=str),
            n_iter_=classifier.n_iter_,
        )
        (directory / cls.CLASSIFIER_PARAMS.replace(".json", f"{suffix}.json")).write_text(
            json.dumps(classifier.get_params())
        )

    def persist(self) -> None:
        import json

        with self._model_storage.write_to(self._resource) as directory:
            self._save_classifier(directory, self.classifier)
            for language, other in self.by_language.items():
                self._save_classifier(directory, other, f".{language}")
            (directory / "languages.json").write_text(json.dumps(sorted(self.by_language)))
            (directory / "blocks.json").write_text(json.dumps(self.blocks))
            if self.index is not None:
                self.index.save(directory)
            for language, index in self.letters.items():
                index.save(directory, f"letters.{language}")

    @classmethod
    def _load_classifier(cls, directory, width: int, suffix: str = ""):
        """The LogisticRegression that persist() wrote, refitted by setting its
        fitted attributes; ValueError if the files do not make one."""
        import json

        import numpy as np
        from sklearn.linear_model import LogisticRegression

        params_file = cls.CLASSIFIER_PARAMS.replace(".json", f"{suffix}.json")
        params = json.loads((directory / params_file).read_text())
        if not isinstance(params, dict):
            raise ValueError("the classifier's parameters are not a mapping")
        arrays_file = cls.CLASSIFIER_ARRAYS.replace(".npz", f"{suffix}.npz")
        with np.load(directory / arrays_file, allow_pickle=False) as arrays:
            fitted = {name: arrays[name] for name in ("coef_", "intercept_", "classes_", "n_iter_")}
        coef, intercept, classes = fitted["coef_"], fitted["intercept_"], fitted["classes_"]
        rows = 1 if len(classes) == 2 else len(classes)
        if (
            classes.dtype.kind != "U"
            or classes.ndim != 1
            or len(classes) < 2
            or coef.dtype.kind != "f"
            or coef.shape != (rows, width)
            or intercept.shape != (rows,)
        ):
            raise ValueError("the classifier's arrays do not fit together or the features")
        classifier = LogisticRegression(**params)
        for name, value in fitted.items():
            setattr(classifier, name, value)
        classifier.n_features_in_ = width
        return classifier

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentAndTopicClassifier:
        import json
        import zipfile

        from bot.nlu import retrieval
        from bot.nlu.letters import LetterIndex

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                blocks = [tuple(b) for b in json.loads((directory / "blocks.json").read_text())]
                width = sum(w for _, w in blocks)
                classifier = cls._load_classifier(directory, width)
                listed = directory / "languages.json"
                languages = json.loads(listed.read_text()) if listed.exists() else []
                by_language = {
                    str(code): cls._load_classifier(directory, width, f".{code}")
                    for code in languages
                }
                index, letters = None, {}
                if component.config["retrieval"]:
                    index = retrieval.Index.load(directory)
                    letters = {
                        code: LetterIndex.load(directory, f"letters.{code}")
                        for code in by_language
                        if (directory / f"letters.{code}.json").exists()
                    }
        except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile):
            # A damaged or foreign model: no classifier (messages pass unclassified).
            logger.exception("Intent classifier could not be loaded")
            return component
        component.classifier, component.blocks, component.index = classifier, blocks, index
        component.by_language, component.letters = by_language, letters
        return component


def _decided_confidence(message: Message) -> float:
    """How sure the classifier was of what it chose: the topic's own confidence
    for an FAQ question, the intent's otherwise."""
    intent = message.get("intent") or {}
    if intent.get("name") == intents.RETRIEVAL_INTENT:
        selector = (message.get("response_selector") or {}).get(intents.RETRIEVAL_INTENT) or {}
        return float((selector.get("response") or {}).get("confidence") or 0.0)
    return float(intent.get("confidence") or 0.0)


def _letter_index(training_data: TrainingData, language: str, examples: list[Message]):
    """The language's example questions, and each topic's title and answer
    sentences in it (the responses `make build` marks with the language)."""
    from bot.nlu import retrieval
    from bot.nlu.letters import LetterIndex

    labels = [m.get("intent_response_key") or m.get("intent") for m in examples]
    texts = [m.get(TEXT) for m in examples]
    for key, variants in sorted(training_data.responses.items()):
        for variant in variants:
            if (variant.get("custom") or {}).get(intents.LANGUAGE_KEY) == language:
                for passage in retrieval.answer_passages(
                    key.removeprefix("utter_"), variant.get(TEXT) or ""
                ):
                    labels.append(passage.label)
                    texts.append(passage.text)
    return LetterIndex.build(labels, texts)


def _example_language(message: Message) -> str:
    """The language a training example is marked with (its intent block's
    metadata), English when unmarked."""
    metadata = (message.get("metadata") or {}).get("intent") or {}
    return (
        str(metadata.get(intents.LANGUAGE_KEY) or ENGLISH)
        if isinstance(metadata, dict)
        else ENGLISH
    )


def _language_of(text: str, detection) -> str | None:
    """The message's language; a message too short to tell ("fiebre") takes the
    language of the symptoms found in it."""
    from bot.nlu import language

    found = language.detect(text)
    # A Spanish symptom is strong evidence of a Spanish reader ("me duele el pump",
    # "I think tengo jaundice, la piel se me ve amarillenta"), unless the message
    # reads as English and names its symptom in English too.
    if language.SPANISH in detection.languages and (
        found != language.ENGLISH or language.ENGLISH not in detection.languages
    ):
        return language.SPANISH
    if found is None and detection.languages and language.ENGLISH not in detection.languages:
        return detection.languages[0]
    return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class InputGuard(GraphComponent):
    """First in the pipeline: puts the text in plain form (bot/nlu/plain_text.py: odd
    spaces, zero-width characters, fullwidth letters), notes what is wrong with the
    input (empty, emoji only, another language, very long), looks for red-flag
    symptoms in the whole text, then caps the text the models read. Every later
    component reads the plain, capped text, so the models and the red-flag matcher
    see the same words; the conversation keeps what the patient typed."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        from bot.nlu import input_checks, plain_text, safety

        for message in messages:
            typed = message.get(TEXT) or ""
            # Nothing past MAX_SCANNED_CHARS is read, so none of it is normalised.
            text = plain_text.normalise(typed[: input_checks.MAX_SCANNED_CHARS])
            message.set(INPUT_FLAGS, input_checks.flags(text), add_to_output=True)
            detection = safety.detect(text[: input_checks.MAX_SCANNED_CHARS])
            message.set(RED_FLAGS, [s.id for s in detection.urgent], add_to_output=True)
            message.set(RED_FLAGS_NEGATED, [s.id for s in detection.negated], add_to_output=True)
            language = _language_of(text[: input_checks.MAX_NLU_CHARS], detection)
            message.set(intents.MESSAGE_LANGUAGE, language, add_to_output=True)
            if language not in (None, ENGLISH) and safety.says_it_is_over(text, language):
                message.set(SAYS_IT_IS_OVER, True, add_to_output=True)
            readable = text[: input_checks.MAX_NLU_CHARS]
            # Only a changed text is set: a message without one keeps none.
            if readable != typed:
                message.set(TEXT, readable)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


# What the words inside an e-mail address may make the model read: an address
# alone is none of these.
ADDRESS_IS_NOT = frozenset(
    {intents.HANDOFF, intents.MEDICAL_ADVICE, intents.STOP_CONTACT, intents.CANCEL_REMINDER}
)


def _is_address(text: str) -> bool:
    from bot.reminders import contacts

    text = text.strip()
    return 3 <= len(text) <= 254 and contacts.is_address(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyRouter(GraphComponent):
    """Last in the pipeline: decides the intent Rasa acts on.

    1. A red-flag symptom found by the matcher wins over everything: urgent_symptom.
    2. The model's own urgent_symptom stands, unless the matcher saw the symptom
       negated ("no fever") or the model is unsure.
    3. An urgent message that asks a topic's question ("is it normal to have a
       fever after a refill?") keeps urgent_symptom and also names the topic
       (`symptom_question`), so the urgent line comes first and the topic's answer
       follows; a report ("I have a fever") names none (bot/symptom_questions.py).
    4. Input that cannot be answered (empty, emoji only, another language, very
       long) goes to nlu_fallback; the reply reads the input flag.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "urgent_min_confidence": 0.5,
            "symptom_question_min_confidence": 0.05,
            "other_topic_min_confidence": 0.9,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        if not isinstance(config.get("fallback_threshold"), (int, float)):
            raise ValueError(
                "config.yml: SafetyRouter needs fallback_threshold, the same number as "
                "FallbackClassifier's threshold (write `fallback_threshold: *fallback_threshold`)"
            )
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyRouter:
        return cls(config)

    def _mark_symptom_question(self, message: Message) -> None:
        from bot.nlu import safety, symptom_questions

        ranking = (
            (message.get("response_selector") or {})
            .get(intents.RETRIEVAL_INTENT, {})
            .get("ranking", [])
        )
        symptom_ids = message.get(RED_FLAGS) or []
        red_flags = safety.matcher().red_flags if symptom_ids else None
        allowed = None
        if red_flags is not None:
            allowed = {
                topic
                for symptom_id in symptom_ids
                if (symptom := red_flags.symptom(symptom_id))
                for topic in symptom.topics
            }
        asked = symptom_questions.topic_asked(
            message.get(TEXT) or "",
            ranking,
            allowed,
            self.config["symptom_question_min_confidence"],
            self.config["other_topic_min_confidence"],
        )
        if asked:
            message.set(symptom_questions.SYMPTOM_QUESTION, asked, add_to_output=True)

    def _route(self, message: Message) -> None:
        from bot.nlu import input_checks

        symptoms = message.get(RED_FLAGS) or []
        intent = message.get("intent") or {}
        if symptoms:
            self._mark_symptom_question(message)
            _set_intent(message, intents.URGENT)
            entities = [
                e for e in message.get("entities", []) if e.get("entity") != RED_FLAG_ENTITY
            ]
            entities += [
                {"entity": RED_FLAG_ENTITY, "value": s, "extractor": "SafetyRouter"}
                for s in symptoms
            ]
            message.set("entities", entities, add_to_output=True)
            return
        if intent.get("name") in ADDRESS_IS_NOT and _is_address(message.get(TEXT) or ""):
            # "nurse.joy@example.org", "human@example.org": an address typed where the
            # assistant asked for one is never a request for a person or a stop.
            _set_intent(message, intents.OUT_OF_SCOPE)
            return
        if intent.get("name") == intents.URGENT and (
            message.get(RED_FLAGS_NEGATED)
            or message.get(SAYS_IT_IS_OVER)
            or intent.get("confidence", 0) < self.config["urgent_min_confidence"]
        ):
            others = [
                i
                for i in message.get("intent_ranking", [])
                if i.get("name") not in (intents.URGENT, intents.FALLBACK)
            ]
            best = others[0] if others else {"name": intents.FALLBACK, "confidence": 1.0}
            if best["confidence"] < self.config["fallback_threshold"]:
                best = {"name": intents.FALLBACK, "confidence": 1.0}
            message.set(
                "intent_ranking",
                [i for i in message.get("intent_ranking", []) if i.get("name") != intents.URGENT],
                add_to_output=True,
            )
            _set_intent(message, best["name"], best["confidence"])
        elif intent.get("name") == intents.URGENT:
            self._mark_symptom_question(message)
            # The model read an urgent symptom in a language the assistant does
            # not answer in yet ("me duele mucho la barriga desde anoche"):
            # urgent guidance, not the "other language" reply.
            if set(message.get(INPUT_FLAGS) or []) <= {input_checks.OTHER_LANGUAGE}:
                return
        if message.get(INPUT_FLAGS):
            _set_intent(message, intents.FALLBACK)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._route(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
