"""Starting the assistant on 127.0.0.1 for the tests and the benches: the whole
assistant as `make run` starts it (servers.py), the scaled-out one of
docs/scaling-out.md (scale_out.py), and nginx in front of either (nginx.py).
Free ports, throw-away databases and a copy of the content each time."""
