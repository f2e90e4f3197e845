"""Django admin for school admins: accounts, classes, curriculum rows and learner records."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tutor.models import (
    AssignedProblem,
    Assignment,
    Attempt,
    Classroom,
    Enrollment,
    ExplanationTranscript,
    LearnerModelState,
    ProblemInstance,
    ProblemSet,
    ProblemSetItem,
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
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    fieldsets = UserAdmin.fieldsets + (("Tutor", {"fields": ("role", "school", "display_name")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Tutor", {"fields": ("role", "school", "display_name")}),)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("student", "classroom", "joined_at")
    list_filter = ("classroom__school",)
    search_fields = ("student__username", "student__display_name", "classroom__name")
    raw_id_fields = ("student", "classroom")


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
    list_filter = ("template__origin",)
    search_fields = ("template__code", "template__title", "source_hash")
    readonly_fields = ("template", "number", "declared_version", "source_yaml", "source_hash", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:  # versions are immutable
        return False


@admin.register(ProblemInstance)
class ProblemInstanceAdmin(admin.ModelAdmin):
    list_display = ("id", "learner", "template_version", "seed", "skill", "status", "created_at")
    list_filter = ("status", "skill__family")
    search_fields = ("learner__username", "template_version__template__code")
    raw_id_fields = ("learner", "template_version", "skill")


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("id", "learner", "instance", "verdict", "note", "hints_used", "submitted_at")
    list_filter = ("verdict", "counted_for_mastery", "input_format")
    date_hierarchy = "submitted_at"
    search_fields = ("learner__username", "note")
    raw_id_fields = ("learner", "instance")


@admin.register(SkillMastery)
class SkillMasteryAdmin(admin.ModelAdmin):
    list_display = ("learner", "skill", "p_mastered", "attempts", "correct", "updated_at")
    list_filter = ("skill__family", "learner__school")
    search_fields = ("learner__username", "skill__code", "skill__name")
    raw_id_fields = ("learner", "skill")


@admin.register(LearnerModelState)
class LearnerModelStateAdmin(admin.ModelAdmin):
    list_display = ("learner", "observations", "updated_at")
    search_fields = ("learner__username", "learner__display_name")
    list_filter = ("learner__school",)
    raw_id_fields = ("learner",)
    readonly_fields = ("updated_at",)


@admin.register(ExplanationTranscript)
class ExplanationTranscriptAdmin(admin.ModelAdmin):
    list_display = ("id", "instance", "status", "verified", "verdict_note", "tokens", "worker", "created_at")
    list_filter = ("status", "verified", "model_is_random")
    search_fields = ("instance__learner__username", "verdict_note", "worker", "model_name")
    raw_id_fields = ("instance", "attempt")
    date_hierarchy = "created_at"


class ProblemSetItemInline(admin.TabularInline):
    model = ProblemSetItem
    extra = 0
    raw_id_fields = ("template",)
    fields = ("position", "template")


@admin.register(ProblemSet)
class ProblemSetAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "school", "mode", "goal", "updated_at")
    list_filter = ("mode", "school")
    search_fields = ("title", "owner__username", "items__template__code")
    raw_id_fields = ("owner",)
    inlines = [ProblemSetItemInline]


@admin.register(ProblemSetItem)
class ProblemSetItemAdmin(admin.ModelAdmin):
    list_display = ("problem_set", "position", "template")
    list_filter = ("problem_set__school",)
    search_fields = ("problem_set__title", "template__code", "template__title")
    raw_id_fields = ("problem_set", "template")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("problem_set", "classroom", "assigned_by", "opens_at", "due_at")
    list_filter = ("classroom__school", "problem_set__mode")
    search_fields = ("problem_set__title", "classroom__name", "assigned_by__username")
    raw_id_fields = ("problem_set", "classroom", "assigned_by")
    date_hierarchy = "opens_at"


@admin.register(AssignedProblem)
class AssignedProblemAdmin(admin.ModelAdmin):
    list_display = ("assignment", "instance", "item", "created_at")
    list_filter = ("assignment__classroom__school",)
    search_fields = ("assignment__problem_set__title", "instance__learner__username")
    raw_id_fields = ("assignment", "instance", "item")


admin.site.site_header = "Math tutor administration"

