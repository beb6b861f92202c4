"""The staff workspace: the nurses' review of patient questions and, for editors,
the content. A Django project of its own, run by `python -m staff serve` (gunicorn),
never part of the patient site."""
