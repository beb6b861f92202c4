"""The admins' pages: accounts, the approval and sign-off settings, the audit log."""
