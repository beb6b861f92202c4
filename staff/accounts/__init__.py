"""Staff accounts and their roles: nurse, editor, admin."""
