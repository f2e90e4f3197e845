"""``manage.py load_curriculum``: mirror the shipped skills and templates into the database (idempotent)."""

from django.core.management.base import BaseCommand

from tutor.services.curriculum import curriculum_load


class Command(BaseCommand):
    help = "Load the curriculum's skills and shipped problem templates (a changed template adds a version)."

    def handle(self, *args, **options) -> None:
        report = curriculum_load()
        self.stdout.write(self.style.SUCCESS(f"load_curriculum: {report.summary()}"))
