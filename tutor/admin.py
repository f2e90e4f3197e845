"""Django admin for school admins: accounts, classes, curriculum rows and learner records."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tutor.models import (
    Attempt,
    Classroom,
    Enrollment,
    ExplanationTranscript,
    LearnerModelState,
    ProblemInstance,
    ProblemTemplate,
    School,
    Skill,
    SkillMastery,
    TemplateVersion,
    User,
)


@admin.register(User)
class TutorUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "school", "is_active", "last_login")
    list_filter = ("role", "school", "is_active", "is_staff")
    fieldsets = UserAdmin.fieldsets + (("Tutor", {"fields": ("role", "school", "display_name")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Tutor", {"fields": ("role", "school", "display_name")}),)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    prepopulated_fields = {"slug": ("name",)}


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    raw_id_fields = ("student",)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "teacher", "school", "join_code", "joining_open", "created_at")
    list_filter = ("school", "joining_open")
    search_fields = ("name", "join_code", "teacher__username")
    inlines = [EnrollmentInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "family", "order", "is_active")
    list_filter = ("family", "is_active")
    search_fields = ("code", "name")


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    extra = 0
    fields = ("number", "declared_version", "source_hash", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "origin", "difficulty", "is_active", "current_version")
    list_filter = ("origin", "difficulty", "is_active")
    search_fields = ("code", "title")
    inlines = [TemplateVersionInline]
    readonly_fields = ("current_version",)


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "declared_version", "created_at")
    readonly_fields = ("template", "number", "declared_version", "source_yaml", "source_hash", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:  # versions are immutable
        return False


@admin.register(ProblemInstance)
class ProblemInstanceAdmin(admin.ModelAdmin):
    list_display = ("id", "learner", "template_version", "seed", "skill", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("learner", "template_version", "skill")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("id", "learner", "instance", "verdict", "note", "hints_used", "submitted_at")
    list_filter = ("verdict",)
    search_fields = ("learner__username", "note")
    raw_id_fields = ("learner", "instance")


@admin.register(SkillMastery)
class SkillMasteryAdmin(admin.ModelAdmin):
    list_display = ("learner", "skill", "p_mastered", "attempts", "correct", "updated_at")
    raw_id_fields = ("learner", "skill")


admin.site.register(LearnerModelState)
admin.site.register(ExplanationTranscript)
admin.site.site_header = "Math tutor administration"

