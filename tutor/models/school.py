"""Schools, users with roles, classrooms with join codes, and enrolments."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class School(models.Model):
    """A school: the unit an installation serves (one server may serve several)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. ``role`` decides which pages they see; staff/superuser stay Django's own flags."""

    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"
        SCHOOL_ADMIN = "school_admin", "School admin"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")
    display_name = models.CharField(max_length=150, blank=True)

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_teacher(self) -> bool:
        return self.role in (self.Role.TEACHER, self.Role.SCHOOL_ADMIN)

    @property
    def shown_name(self) -> str:
        """The name to show on pages: display name, else first name, else the username."""
        return self.display_name or self.first_name or self.username


class Classroom(models.Model):
    """A class a teacher runs. Students join with ``join_code`` (8 characters, unambiguous alphabet)."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="classrooms")
    teacher = models.ForeignKey(User, on_delete=models.PROTECT, related_name="classrooms_taught")
    name = models.CharField(max_length=120)
    join_code = models.CharField(max_length=16, unique=True)
    joining_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    students = models.ManyToManyField(User, through="Enrollment", related_name="classrooms_joined")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    """A student's membership of a classroom."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrollments")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "student"], name="enrollment_unique")]
        ordering = ["joined_at"]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"
