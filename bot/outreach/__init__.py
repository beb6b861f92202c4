"""Reminders sent outside the chat: e-mail (email.py) and text message (sms.py)."""
