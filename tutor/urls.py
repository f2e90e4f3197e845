"""URL map: pages, the practice JSON API, teacher pages, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tutor.views import accounts, health, practice_api, student, teacher

urlpatterns = [
    path("", accounts.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
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
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
