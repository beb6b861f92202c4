"""The workspace as gunicorn loads it (`python -m staff serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")
application = get_wsgi_application()
