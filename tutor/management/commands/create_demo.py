"""``manage.py create_demo``: demo accounts student/student, teacher/teacher, admin/admin (idempotent)."""

from django.core.management.base import BaseCommand

from tutor.services.demo import DEMO_JOIN_CODE, demo_create


class Command(BaseCommand):
    help = "Create the demo school, class and accounts (student/student, teacher/teacher, admin/admin)."

    def handle(self, *args, **options) -> None:
        demo = demo_create()
        self.stdout.write(self.style.SUCCESS(
            f"create_demo: accounts student, teacher, admin; class '{demo.classroom.name}' "
            f"with join code {DEMO_JOIN_CODE}"
        ))
