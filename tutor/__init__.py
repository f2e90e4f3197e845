"""tutor: the Django + Channels + Celery web app (the only glue between curriculum and inference)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
