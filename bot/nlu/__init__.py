"""What runs inside the Rasa server's NLU pipeline: our components, the MiniLM
embedding, the spaCy pipeline, input checks and the red-flag matcher."""
