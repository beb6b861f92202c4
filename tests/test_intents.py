"""bot/intents.py and domain.yml name the same intents."""

import yaml

from bot import intents, paths


def test_every_intent_our_code_names_is_in_the_domain():
    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text())
    declared = set(domain["intents"])
    for name in (intents.RETRIEVAL_INTENT, intents.URGENT, intents.REFILL_DUE):
        assert name in declared
    assert intents.is_external(intents.REFILL_DUE)
    assert not any(intents.is_external(n) for n in declared - {intents.REFILL_DUE})


def test_the_language_a_patient_chooses_fills_the_language_slot():
    """The widget's /greet{"language": "es"} (bot/servers/web.py) sets the
    conversation's language before the welcome is chosen, and weighs on nothing else."""
    domain = yaml.safe_load((paths.ROOT / "domain.yml").read_text())
    entity = next(
        e for e in domain["entities"] if isinstance(e, dict) and intents.CHOSEN_LANGUAGE in e
    )
    assert entity[intents.CHOSEN_LANGUAGE] == {"influence_conversation": False}
    mappings = domain["slots"]["language"]["mappings"]
    assert {"type": "from_entity", "entity": intents.CHOSEN_LANGUAGE, "intent": "greet"} in mappings
