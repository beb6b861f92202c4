"""What the benchmarks' patients ask: FAQ questions, urgent reports, the refill
reminder's two turns and messages the assistant does not understand; and what
the starter bot's users say (`rasa init`'s greet and mood intents)."""

FAQ = [
    "how long is the hospital stay",
    "how often is the pump refilled",
    "can I shower after surgery",
    "what is the pump made of",
    "what are the side effects",
    "what is the HAI pump",
]
NOT_UNDERSTOOD = ["asdf what", "qwerty zxcv"]
URGENT = ["I have a fever", "got the chills since this morning"]
# The refill form asks for the date, so these two are one turn each, in order.
REMINDER = ["remind me about my refill", "in 2 weeks"]

# The older benches' mix: FAQ questions and one not understood, in turn.
QUESTIONS = FAQ[:4] + NOT_UNDERSTOOD[:1]

# One conversation of the load bench, then the client starts a new one: a
# conversation does not ask for a second reminder. What each reply must
# contain is in bench/load.py (EXPECTED), by kind.
SCRIPT = [
    ("faq", FAQ[0]),
    ("faq", FAQ[1]),
    ("urgent", URGENT[0]),
    ("faq", FAQ[2]),
    ("reminder", REMINDER[0]),
    ("reminder_date", REMINDER[1]),
    ("not_understood", NOT_UNDERSTOOD[0]),
    ("faq", FAQ[3]),
    ("faq", FAQ[4]),
    ("urgent", URGENT[1]),
    ("faq", FAQ[5]),
    ("not_understood", NOT_UNDERSTOOD[1]),
]

# The starter bot's conversation (its data/nlu.yml: greet, mood_great,
# mood_unhappy, affirm, deny, bot_challenge, goodbye), as long as SCRIPT.
STARTER_SCRIPT = [
    ("starter", text)
    for text in [
        "hello there",
        "I am feeling very good",
        "hey",
        "I am sad",
        "yes",
        "are you a bot?",
        "good morning",
        "my day was horrible",
        "no",
        "I am great",
        "am I talking to a human?",
        "goodbye",
    ]
]
