"""The review log built from Rasa's events, and the inbox nurses work from."""
