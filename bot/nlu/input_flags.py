"""The kinds of input problem the Rasa server flags on a message (bot/nlu/input_checks.py)
and the actions answer (actions/conversation.py), and the lengths it reads."""

# Longer messages are cut to this for the NLU model (one 100,000-character
# message once made Rasa's DIET allocate ~18 GB); red flags are still looked
# for in the whole message, up to MAX_SCANNED_CHARS.
MAX_NLU_CHARS = 1_000
MAX_SCANNED_CHARS = 20_000

EMPTY = "empty_message"
NO_WORDS = "no_words"
# Digits and no letters: a code or a date typed at a moment nothing asked for one.
NUMBERS_ONLY = "numbers_only"
TOO_LONG = "too_long"
OTHER_LANGUAGE = "other_language"
