import pytest
from rasa.shared.utils.io import read_yaml_file

from bot import paths
from bot.rasa.components import SafetyRouter


def test_the_safety_router_uses_the_fallback_classifiers_threshold():
    pipeline = {c["name"]: c for c in read_yaml_file(paths.ROOT / "config.yml")["pipeline"]}
    router = pipeline["bot.rasa.components.SafetyRouter"]
    assert router["fallback_threshold"] == pipeline["FallbackClassifier"]["threshold"]


def test_the_safety_router_will_not_guess_a_threshold():
    with pytest.raises(ValueError, match="fallback_threshold"):
        SafetyRouter({"urgent_min_confidence": 0.7})
