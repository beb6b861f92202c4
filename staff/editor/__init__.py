"""The content editor: editors change the assistant's answers in the browser,
each save validated, committed to the content's git history, and live at the
next question."""
