"""``manage.py create_school``: first-run school + admin, idempotent, every bad input refused with a message
that says what to do, and nothing half-written when it refuses."""

from __future__ import annotations

import builtins
import getpass
import io
import sys

import pytest
from django.core.management import CommandError, call_command

from tutor.models import School, User

STRONG = "correct-horse-battery-staple-42"


def create(*args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    out = io.StringIO()
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("create_school", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTOR_ADMIN_PASSWORD", raising=False)


@pytest.mark.django_db
def test_creates_the_school_and_its_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", STRONG)
    out = create("--no-input", "--name", "Lincoln High School", "--admin-username", "alice",
                 "--admin-email", "alice@lincoln.example")
    school = School.objects.get()
    assert (school.name, school.slug) == ("Lincoln High School", "lincoln-high-school")
    admin = User.objects.get(username="alice")
    assert admin.role == User.Role.SCHOOL_ADMIN and admin.school == school
    assert admin.is_staff and admin.is_superuser and admin.email == "alice@lincoln.example"
    assert admin.check_password(STRONG)
    assert "created school 'Lincoln High School' (slug lincoln-high-school)" in out
    assert "created admin 'alice' (school admin + superuser)" in out


@pytest.mark.django_db
def test_running_it_again_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", STRONG)
    create("--no-input", "--name", "Lincoln High", "--admin-username", "alice")
    before = User.objects.get(username="alice").password
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", "a-different-but-strong-pass-77")
    out = create("--no-input", "--name", "Lincoln High", "--admin-username", "ALICE")  # usernames: case-insensitive
    assert School.objects.count() == 1 and User.objects.count() == 1
    assert User.objects.get(username="alice").password == before
    assert "already exists: school 'Lincoln High'" in out and "(password unchanged)" in out
    # no password needed at all for an existing admin
    monkeypatch.delenv("TUTOR_ADMIN_PASSWORD")
    create("--no-input", "--name", "Lincoln High", "--admin-username", "alice")


@pytest.mark.django_db
def test_reset_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", STRONG)
    create("--no-input", "--name", "Lincoln High", "--admin-username", "alice")
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", "a-different-but-strong-pass-77")
    out = create("--no-input", "--name", "Lincoln High", "--admin-username", "alice", "--reset-password")
    assert User.objects.get(username="alice").check_password("a-different-but-strong-pass-77")
    assert "(password reset)" in out


@pytest.mark.django_db
def test_password_from_a_file_and_from_stdin(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text(STRONG + "\nignored second line\n")
    create("--no-input", "--name", "A School", "--admin-username", "ann", "--admin-password-file", str(secret))
    assert User.objects.get(username="ann").check_password(STRONG)
    create("--no-input", "--name", "B School", "--admin-username", "bob", "--admin-password-file", "-",
           "--no-superuser", stdin=STRONG + "\n", monkeypatch=monkeypatch)
    bob = User.objects.get(username="bob")
    assert bob.check_password(STRONG) and bob.is_staff and not bob.is_superuser
    assert bob.school.slug == "b-school"
    with pytest.raises(CommandError, match="cannot read .*missing.txt"):
        create("--no-input", "--name", "C", "--admin-username", "cy", "--admin-password-file",
               str(tmp_path / "missing.txt"))


@pytest.mark.django_db
def test_interactive_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter(["", "Hill Valley High", "doc", "doc@hillvalley.example"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    passwords = iter([STRONG, STRONG])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(passwords))
    out = create()
    doc = User.objects.get(username="doc")
    assert doc.school.name == "Hill Valley High" and doc.email == "doc@hillvalley.example"
    assert doc.check_password(STRONG) and "created admin 'doc'" in out


@pytest.mark.django_db
def test_interactive_password_mismatch_creates_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(builtins, "input", lambda prompt="": "")
    passwords = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(passwords))
    with pytest.raises(CommandError, match="the two passwords differ"):
        create("--name", "X High", "--admin-username", "xavier")
    assert not School.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--admin-username", "alice"], "--name is required with --no-input"),
    (["--name", "Lincoln"], "--admin-username is required with --no-input"),
    (["--name", "Lincoln", "--admin-username", "alice"], "give the admin's password with --admin-password-file"),
    (["--name", "数学学校", "--admin-username", "alice"], "pass --slug"),
    (["--name", "Lincoln", "--slug", "has space", "--admin-username", "alice"], "use letters, digits"),
    (["--name", "Lincoln", "--admin-username", "bad name!"], "--admin-username 'bad name!'"),
    (["--name", "Lincoln", "--admin-username", "alice", "--admin-email", "not-an-email"], "not a valid e-mail"),
])
def test_missing_or_bad_input_is_refused(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        create("--no-input", *args)
    assert not School.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_weak_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", "alice123")
    with pytest.raises(CommandError, match=r"\$TUTOR_ADMIN_PASSWORD is too weak: .*too similar to the username"):
        create("--no-input", "--name", "Lincoln", "--admin-username", "alice")
    assert not School.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_conflicts_are_refused_without_partial_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_ADMIN_PASSWORD", STRONG)
    create("--no-input", "--name", "Lincoln High", "--slug", "lincoln", "--admin-username", "alice")
    with pytest.raises(CommandError, match="slug 'lincoln' already exists with the name 'Lincoln High'"):
        create("--no-input", "--name", "Lincoln Middle", "--slug", "lincoln", "--admin-username", "bob")
    assert not User.objects.filter(username="bob").exists()
    User.objects.create_user(username="sam", password=STRONG, role=User.Role.STUDENT)
    with pytest.raises(CommandError, match="'sam' is already taken by a student account of no school"):
        create("--no-input", "--name", "Roosevelt", "--admin-username", "sam")
    assert not School.objects.filter(slug="roosevelt").exists()  # the school was rolled back too
    # alice is an admin of lincoln, not of a second school
    with pytest.raises(CommandError, match="school admin account of school 'lincoln'"):
        create("--no-input", "--name", "Roosevelt", "--admin-username", "alice")
    assert User.objects.get(username="sam").role == User.Role.STUDENT
