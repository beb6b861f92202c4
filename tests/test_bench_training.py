"""bench/training.py's reading of a `rasa train` log: where a training's time went."""

import datetime as dt

from bench import training

# Lines as Rasa 3.6 prints them (taken from a `make train` run), with one line
# of another logger between.
LOG = """\
2026-11-30 17:17:08 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-11-30 17:17:09 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
2026-11-30 17:17:12 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-11-30 17:17:12 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
2026-11-30 17:17:20 INFO     rasa.engine.graph  - something else
2026-11-30 17:17:33 INFO     rasa.engine.training.hooks  - Starting to train component 'IntentAndTopicClassifier'.
2026-11-30 17:17:50 INFO     rasa.engine.training.hooks  - Finished training component 'IntentAndTopicClassifier'.
2026-11-30 17:17:51 INFO     rasa.engine.training.hooks  - Restored component 'SpacyNLP' from cache.
"""  # noqa: E501


def test_where_the_time_went():
    started = dt.datetime(2026, 11, 30, 17, 16, 30)
    figures = training.where_the_time_went(LOG, started, started + dt.timedelta(seconds=83))
    assert figures == {
        "before_first_component_s": 38.0,
        "components_s": {"IntentAndTopicClassifier": 17.0, "CountVectorsFeaturizer": 1.0},
        "between_components_s": 24.0,
        "after_last_component_s": 3.0,
    }
    line = training.summary(figures)
    assert line.startswith("Rasa before the first component 38.0, IntentAndTopicClassifier 17.0")
    assert training.where_the_time_went("no timestamps here", started, started) == {}
    assert training.summary({}) == ""
