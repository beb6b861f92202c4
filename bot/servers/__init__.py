"""The processes `make run` starts and what runs in them: the supervisor, the Rasa
launcher and our input channels, the patient web server, and the web server's and
scheduler's process entry points."""
