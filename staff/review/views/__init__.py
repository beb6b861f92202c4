"""One module per page, as in datasette."""
