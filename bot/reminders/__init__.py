"""Refill reminders: the store and its outbox, when to remind, the dates patients
type, the calendar file, and the scheduler that delivers them."""
