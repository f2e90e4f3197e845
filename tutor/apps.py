"""The tutor Django app."""

from pathlib import Path

from django.apps import AppConfig


class TutorConfig(AppConfig):
    name = "tutor"
    verbose_name = "Math tutor"
    default_auto_field = "django.db.models.BigAutoField"
    path = str(Path(__file__).resolve().parent)  # explicit: editable installs can expose two locations
