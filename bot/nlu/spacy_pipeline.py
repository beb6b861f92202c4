"""A blank English spaCy pipeline with lookup lemmas, built from installed packages.

spaCy's trained English pipelines cannot be downloaded here (and third-party
copies are not trustworthy for a medical product), so we build a rule-based one:
spaCy's English tokenizer plus the lemma tables of spacy-lookups-data. Rasa's
SpacyNLP loads it by path (see config.yml), and so does anything else that needs
lemmas.
"""

from __future__ import annotations

from pathlib import Path

from bot import paths

PIPELINE_DIR = paths.MODELS_DIR / "spacy_en_lemmas"


def build(target: Path = PIPELINE_DIR) -> bool:
    """Write the pipeline if it is not there yet; return whether it was written."""
    if (target / "config.cfg").exists():
        return False
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return True


def load(target: Path = PIPELINE_DIR):
    import spacy

    build(target)
    return spacy.load(target)
