"""URL map: pages, the practice JSON API, teacher pages, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tutor.views import accounts, authoring, dashboards, exports, health, practice_api, student, teacher
from tutor.views import assignments as assignment_views

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/login/", accounts.RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("join/", accounts.join, name="join"),
    path("dashboard/", student.dashboard, name="dashboard"),
    path("practice/", student.practice, name="practice"),
    path("practice/<int:instance_id>/", student.practice_problem, name="practice_problem"),
    path("history/", student.history, name="history"),
    path("api/practice/<int:instance_id>/submit/", practice_api.submit, name="api_submit"),
    path("api/practice/<int:instance_id>/hint/", practice_api.hint, name="api_hint"),
    path("api/practice/<int:instance_id>/give-up/", practice_api.give_up, name="api_give_up"),
    path("api/preview/", practice_api.preview, name="api_preview"),
    path("teach/", teacher.classes, name="teach"),
    path("teach/classes/<int:classroom_id>/", teacher.class_detail, name="teach_class"),
    # teachers: class dashboards and exports
    path("teach/classes/<int:classroom_id>/dashboard/", dashboards.class_dashboard, name="teach_dashboard"),
    path("teach/classes/<int:classroom_id>/students/<int:student_id>/", dashboards.class_student,
         name="teach_student"),
    path("teach/classes/<int:classroom_id>/export/attempts.csv", exports.attempts_csv, name="teach_export_attempts"),
    path("teach/classes/<int:classroom_id>/export/mastery.csv", exports.mastery_csv, name="teach_export_mastery"),
    # teachers: template authoring
    path("teach/templates/", authoring.template_list, name="teach_templates"),
    path("teach/templates/new/", authoring.template_new, name="teach_template_new"),
    path("teach/templates/import/", authoring.template_import, name="teach_template_import"),
    path("teach/templates/<int:template_id>/", authoring.template_edit, name="teach_template"),
    path("teach/templates/<int:template_id>/download/", authoring.template_download, name="teach_template_download"),
    path("teach/templates/<int:template_id>/archive/", authoring.template_archive, name="teach_template_archive"),
    path("api/teach/templates/preview/", authoring.api_template_preview, name="api_teach_template_preview"),
    path("api/teach/templates/save/", authoring.api_template_save, name="api_teach_template_save"),
    # teachers: problem sets and assignments
    path("teach/sets/", assignment_views.set_list, name="teach_sets"),
    path("teach/sets/<int:set_id>/", assignment_views.set_detail, name="teach_set"),
    path("teach/sets/<int:set_id>/settings/", assignment_views.set_update, name="teach_set_update"),
    path("teach/sets/<int:set_id>/items/", assignment_views.set_items, name="teach_set_items"),
    path("teach/sets/<int:set_id>/assign/", assignment_views.set_assign, name="teach_set_assign"),
    path("teach/sets/<int:set_id>/delete/", assignment_views.set_delete, name="teach_set_delete"),
    path("teach/sets/<int:set_id>/download/", assignment_views.set_download, name="teach_set_download"),
    path("teach/assignments/<int:assignment_id>/withdraw/", assignment_views.assignment_remove,
         name="teach_assignment_withdraw"),
    # school admins
    path("school/", dashboards.school_dashboard, name="school_dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
