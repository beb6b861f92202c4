"""One module per editor page."""
