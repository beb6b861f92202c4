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
