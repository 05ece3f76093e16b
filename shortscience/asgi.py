"""ASGI entry point, for an ASGI server (``uvicorn shortscience.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
application = get_asgi_application()
