"""Home redirect, student sign-up with a join code, and joining another class."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tutor import ratelimit
from tutor.errors import NotAllowed, ValidationFailed
from tutor.services.school import enrollment_join, student_signup
from tutor.views.access import student_required


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its start page."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_teacher:
        return redirect("teach")
    return redirect("dashboard")


class SignupForm(forms.Form):
    join_code = forms.CharField(label="Class join code", max_length=20,
                                help_text="Your teacher gives you this code, e.g. ABCD2345.")
    display_name = forms.CharField(label="Your name", max_length=150, required=False,
                                   help_text="How your teacher will see you.")
    username = forms.CharField(label="Username", max_length=150)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, min_length=1,
                               help_text="At least 8 characters, not just numbers.")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a student account inside a class (join code), then sign in."""
    if request.user.is_authenticated:
        return redirect("join")
    form = SignupForm(request.POST or None, initial={"join_code": request.GET.get("code", "")})
    limited = ratelimit.limited_post(request, "signup", ratelimit.ip_key)
    if limited is not None:
        messages.error(request, limited.message)
        return ratelimit.with_retry_after(render(request, "tutor/signup.html", {"form": form}), limited)
    if request.method == "POST" and form.is_valid():
        try:
            user = student_signup(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                join_code=form.cleaned_data["join_code"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationFailed as exc:
            field = {"unknown_code": "join_code", "joining_closed": "join_code", "weak_password": "password",
                     "username_taken": "username", "username_required": "username"}.get(exc.code)
            form.add_error(field, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("dashboard")
    return render(request, "tutor/signup.html", {"form": form})


class JoinForm(forms.Form):
    join_code = forms.CharField(label="Class join code", max_length=20)


@student_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """A signed-in student joins another class."""
    form = JoinForm(request.POST or None, initial={"join_code": request.GET.get("code", "")})
    limited = ratelimit.limited_post(request, "join", ratelimit.user_key)
    if limited is not None:
        messages.error(request, limited.message)
        return ratelimit.with_retry_after(render(request, "tutor/join.html", {"form": form}), limited)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = enrollment_join(student=request.user, join_code=form.cleaned_data["join_code"])
        except (ValidationFailed, NotAllowed) as exc:
            form.add_error("join_code", exc.message)
        else:
            messages.success(request, f"You joined {enrollment.classroom.name}.")
            return redirect("dashboard")
    return render(request, "tutor/join.html", {"form": form})


class RateLimitedLoginView(LoginView):
    """Django's login view with a limit per client address + username (``TUTOR_RATELIMITS["login"]``):
    past it the page answers 429 with a message and no password is checked."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        limited = ratelimit.limited_post(request, "login", ratelimit.login_key)
        if limited is None:
            return super().post(request, *args, **kwargs)
        messages.error(request, limited.message)
        form = self.get_form_class()(request)  # unbound: nothing is authenticated
        form.initial = {"username": str(request.POST.get("username", ""))[:150]}
        return ratelimit.with_retry_after(self.render_to_response(self.get_context_data(form=form)), limited)
