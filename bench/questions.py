"""What the benchmarks' patients ask: FAQ questions and one the assistant does
not understand, in turn."""

QUESTIONS = [
    "how long is the hospital stay",
    "how often is the pump refilled",
    "can I shower after surgery",
    "what is the pump made of",
    "asdf what",
]
