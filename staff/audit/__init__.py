"""Who saw or changed what, and when: every conversation view, change and export."""
