"""Measurements of the assistant, run from the project's folder as
`python -m bench.<name>` (`make bench`, `make profile`, `make bench-*`)."""
