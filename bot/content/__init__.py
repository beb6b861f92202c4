"""The clinic's curated content (content/): loading and validation, the running
assistant's reloading store, and the replies built from it."""
