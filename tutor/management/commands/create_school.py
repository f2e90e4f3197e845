"""``manage.py create_school``: the first-run command that creates a school and its first admin account.

Non-interactive (scripts, ``docker compose exec -T web ...``)::

    TUTOR_ADMIN_PASSWORD=... python manage.py create_school --no-input \\
        --name "Lincoln High" --admin-username alice --admin-email alice@lincoln.example
    python manage.py create_school --no-input --name "Lincoln High" --admin-username alice \\
        --admin-password-file - < password.txt

Interactive: run it with any flags left out and it asks for them (the password twice, not echoed).

Idempotent: running it again with the same school and admin changes nothing (the password is kept unless
``--reset-password``). It refuses, with a message that says what to do, a slug already used by a school of
another name, a username that belongs to someone who is not an admin of this school, a weak password and
an invalid e-mail address. The admin gets role ``school_admin``, the school, and Django-admin access
(``is_staff``); ``--superuser`` (the default for the first admin of a server) also makes them a superuser.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils.text import slugify

from tutor.models import School, User

PASSWORD_ENV = "TUTOR_ADMIN_PASSWORD"


@dataclass
class Request:
    """What the command was asked for, after prompting and validation."""

    name: str
    slug: str
    username: str
    email: str
    password: str | None  # None: keep an existing admin's password
    superuser: bool
    reset_password: bool


class Command(BaseCommand):
    help = "Create a school and its first admin account (idempotent; prompts for what is not given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="the school's name, e.g. 'Lincoln High School'")
        parser.add_argument("--slug", help="short unique id for URLs and exports (default: from --name)")
        parser.add_argument("--admin-username", help="the first admin's sign-in name")
        parser.add_argument("--admin-email", default=None, help="the first admin's e-mail (optional)")
        parser.add_argument("--admin-password-file", metavar="FILE",
                            help="read the password from FILE's first line ('-' for standard input); "
                                 f"else ${PASSWORD_ENV}; else a prompt")
        parser.add_argument("--superuser", action=argparse.BooleanOptionalAction, default=True,
                            help="also make the admin a Django superuser (default: yes; --no-superuser)")
        parser.add_argument("--reset-password", action="store_true",
                            help="set the given password on an admin who already exists")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive",
                            help="never prompt: a missing value is an error")

    def handle(self, *args, **options) -> None:
        request = self._request(options)
        school_created, user_created, password_set = self._apply(request)
        school_word = "created" if school_created else "already exists:"
        admin_word = "created" if user_created else "already exists:"
        password_note = "" if user_created else (" (password reset)" if password_set else " (password unchanged)")
        kind = "school admin + superuser" if request.superuser else "school admin"
        self.stdout.write(self.style.SUCCESS(
            f"create_school: {school_word} school '{request.name}' (slug {request.slug}); "
            f"{admin_word} admin '{request.username}' ({kind}){password_note}. Sign in at /accounts/login/."))

    # ------------------------------------------------------------------ input

    def _request(self, options: dict) -> Request:
        interactive = options["interactive"] and sys.stdin.isatty()
        name = (options["name"] or "").strip() or self._ask(interactive, "School name", "--name")
        if len(name) > School._meta.get_field("name").max_length:
            raise CommandError(f"--name is at most {School._meta.get_field('name').max_length} characters.")
        slug = (options["slug"] or "").strip() or slugify(name)[:80]
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(f"--slug {slug!r}: use letters, digits, '-' and '_' only "
                               f"(the name {name!r} gives none; pass --slug).") from exc
        if len(slug) > School._meta.get_field("slug").max_length:
            raise CommandError("--slug is at most 80 characters.")
        username = (options["admin_username"] or "").strip() or self._ask(interactive, "Admin username",
                                                                           "--admin-username")
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"--admin-username {username!r}: {' '.join(exc.messages)}") from exc
        if len(username) > User._meta.get_field("username").max_length:
            raise CommandError("--admin-username is at most 150 characters.")
        email = options["admin_email"]
        if email is None and interactive:
            email = input("Admin e-mail (optional): ")
        email = (email or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise CommandError(f"--admin-email {email!r} is not a valid e-mail address.") from exc
        existing = User.objects.filter(username__iexact=username).first()
        needs_password = existing is None or options["reset_password"]
        password = self._password(options, interactive, username, email) if needs_password else None
        return Request(name=name, slug=slug, username=existing.username if existing else username, email=email,
                       password=password, superuser=options["superuser"], reset_password=options["reset_password"])

    def _ask(self, interactive: bool, label: str, flag: str) -> str:
        if not interactive:
            raise CommandError(f"{flag} is required with --no-input (or when standard input is not a terminal).")
        for _ in range(3):
            value = input(f"{label}: ").strip()
            if value:
                return value
            self.stderr.write(f"{label} cannot be empty.")
        raise CommandError(f"no {label.lower()} given.")

    def _password(self, options: dict, interactive: bool, username: str, email: str) -> str:
        source = options["admin_password_file"]
        if source:
            try:
                if source == "-":
                    text = sys.stdin.readline()
                else:
                    with open(source, encoding="utf-8") as fh:
                        text = fh.readline()
            except OSError as exc:
                raise CommandError(f"--admin-password-file: cannot read {source}: {exc.strerror}") from exc
            password = text.rstrip("\r\n")
            origin = "--admin-password-file"
        elif os.environ.get(PASSWORD_ENV):
            password, origin = os.environ[PASSWORD_ENV], f"${PASSWORD_ENV}"
        elif interactive:
            password = getpass.getpass("Admin password: ")
            if getpass.getpass("Admin password (again): ") != password:
                raise CommandError("the two passwords differ; nothing was created.")
            origin = "the password"
        else:
            raise CommandError(f"give the admin's password with --admin-password-file FILE or ${PASSWORD_ENV} "
                               "(with --no-input or when standard input is not a terminal).")
        if not password:
            raise CommandError(f"{origin} is empty.")
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(f"{origin} is too weak: {' '.join(exc.messages)}") from exc
        return password

    # ------------------------------------------------------------------ writes

    @transaction.atomic
    def _apply(self, request: Request) -> tuple[bool, bool, bool]:
        """(school created, admin created, password set). All or nothing."""
        school = School.objects.select_for_update().filter(slug=request.slug).first()
        school_created = school is None
        if school is None:
            school = School.objects.create(name=request.name, slug=request.slug)
        elif school.name != request.name:
            raise CommandError(f"a school with slug '{request.slug}' already exists with the name '{school.name}'; "
                               f"run again with --name '{school.name}', or choose another --slug.")
        user = User.objects.select_for_update().filter(username__iexact=request.username).first()
        if user is None:
            user = User(username=request.username, email=request.email, role=User.Role.SCHOOL_ADMIN, school=school,
                        is_staff=True, is_superuser=request.superuser)
            user.set_password(request.password)
            user.save()
            return school_created, True, True
        if user.role != User.Role.SCHOOL_ADMIN or user.school_id != school.id:
            where = f"school '{user.school.slug}'" if user.school_id else "no school"
            raise CommandError(f"the username '{user.username}' is already taken by a {user.get_role_display().lower()} "
                               f"account of {where}; choose another --admin-username.")
        changed = []
        if request.email and user.email != request.email:
            user.email = request.email
            changed.append("email")
        if not user.is_staff:
            user.is_staff = True
            changed.append("is_staff")
        if request.superuser and not user.is_superuser:
            user.is_superuser = True
            changed.append("is_superuser")
        password_set = request.reset_password and request.password is not None
        if password_set:
            user.set_password(request.password)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        return school_created, False, password_set

