"""The action server's replies, checked against Rasa's schema once compiled.

Rasa 3.6 checks every reply of the action server with `jsonschema.validate`
(rasa/core/actions/action.py, RemoteAction._validate_action_result), and
`validate` first checks the schema itself against JSON Schema's meta-schema: a
walk over Rasa's whole event schema on every custom action. Under load that walk
was half of the Rasa server's CPU time (py-spy, bench/profile.py: 50% of the
samples under `check_schema`, about 75 ms of a 150 ms reply). The schema never
changes, so this checks it once and keeps the validator; a reply is judged as
before: the same validator class, the same best error, the same message.

RemoteAction is created inside Rasa for each custom action, with no setting to
put a subclass in its place, so install() swaps the one method on the class, in every
process that runs Rasa (bot/rasa/__init__.py's install()).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


def validate_action_result(self, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the checked schema kept."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        "For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
