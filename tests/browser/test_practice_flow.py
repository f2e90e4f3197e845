"""End to end in headless Chromium: join a class with a code, answer one problem wrongly and one rightly,
use a hint, watch the mastery bar move. Saves ``test-artifacts/practice.png``.

Runs against pytest-django's live server (127.0.0.1) with the real PostgreSQL database and the real
isolated answer checker. Chromium is Debian's (``CHROMIUM``, default /usr/bin/chromium); Playwright
never downloads a browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chromium import chromium_page
from tutor import curriculum_gateway as cg
from tutor.models import ProblemInstance, ProblemTemplate, SkillMastery, User
from tutor.services.curriculum import curriculum_load
from tutor.services.school import classroom_create

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser_page():
    with chromium_page(width=1280, height=900) as opened:
        yield opened


def _serve_only_typed_templates() -> None:
    """Keep templates whose instances take a typed expression/number and list a wrong answer and hints,
    so the test can give a known-wrong answer and use a hint whatever the selection picks."""
    for template in ProblemTemplate.objects.select_related("current_version"):
        problem = cg.problem_build(source_yaml=template.current_version.source_yaml, seed=1)
        usable = problem.input_kind in ("expression", "number") and problem.wrong_answers and problem.hints
        if not usable:
            template.is_active = False
            template.save(update_fields=["is_active"])
    assert ProblemTemplate.objects.filter(is_active=True).exists()


def _current_problem(page) -> tuple[ProblemInstance, object]:
    instance_id = int(page.get_attribute("#practice", "data-instance"))
    instance = ProblemInstance.objects.select_related("template_version").get(pk=instance_id)
    return instance, cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)


def _page_errors(errors: list[str]) -> list[str]:
    """Console/page errors, minus websocket handshakes: the live test server speaks WSGI only, so the
    pages' live-update sockets cannot connect there (they are optional enhancements)."""
    return [e for e in errors if "WebSocket connection to" not in e]


def _bar_value(page) -> int:
    return int(page.get_attribute(".mastery-card .bar", "aria-valuenow"))


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    """Move focus with the Tab key only until ``element_id`` is focused."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} is not reachable with the keyboard")


def test_student_joins_practises_uses_hint_and_sees_mastery_move(live, browser_page, settings) -> None:
    settings.TUTOR_CHECK_IN_PROCESS = False  # the real isolated checker processes, as in production
    page, errors = browser_page
    curriculum_load()
    _serve_only_typed_templates()
    teacher = User.objects.create_user("ms-rivera", password="pw-for-tests-1", role=User.Role.TEACHER)
    classroom = classroom_create(teacher=teacher, name="Algebra 1, period 3")

    # --- join the class with its code ---
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_role("link", name="Join your class with a code").click()
    page.get_by_label("Class join code").fill(classroom.join_code.lower())
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("analytical-engine-1843")
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_url(f"{live.url}/dashboard/")
    assert page.get_by_role("heading", name="Hi Ada").is_visible()
    student = User.objects.get(username="ada")
    assert list(student.classrooms_joined.all()) == [classroom]

    # --- problem 1: a wrong answer (typed, keyboard only), then show the answer ---
    page.get_by_role("link", name="Start practising").click()
    page.wait_for_selector("#practice[data-open='true']")
    page.click("#mode-toggle")
    instance, problem = _current_problem(page)
    before = _bar_value(page)
    page.fill("#answer-text", problem.wrong_answers[0].answer)
    page.press("#answer-text", "Enter")
    page.wait_for_selector("#feedback.incorrect")
    feedback = page.inner_text("#feedback")
    assert "Not quite" in feedback
    assert page.get_attribute("#feedback", "aria-live") == "polite"
    after_wrong = _bar_value(page)
    assert after_wrong != before, "the mastery bar did not move after a wrong answer"
    assert page.is_hidden("#solution")  # no answer shown yet
    page.screenshot(path=str(ARTIFACTS / "practice-wrong.png"), full_page=True)
    page.click("#give-up-button")
    page.wait_for_selector("#solution:not([hidden])")
    assert problem.answer_latex and page.is_visible("#next-button")
    assert page.evaluate("document.activeElement.id") == "next-button"
    page.keyboard.press("Enter")

    # --- problem 2: a hint (keyboard), then the right answer ---
    page.wait_for_function(f"document.querySelector('#practice') && "
                           f"document.querySelector('#practice').dataset.instance !== '{instance.pk}'")
    page.wait_for_selector("#practice[data-open='true']")
    instance2, problem2 = _current_problem(page)
    assert page.is_visible("#answer-text"), "plain-text mode should be remembered between problems"
    before2 = _bar_value(page)
    _tab_to(page, "hint-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hint-list li")
    assert page.locator("#hint-list li").count() == 1
    _tab_to(page, "answer-text")
    page.keyboard.type(cg.problem_answer_text(problem2))
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback.correct")
    after2 = _bar_value(page)
    assert after2 != before2, "the mastery bar did not move after a correct answer"
    page.wait_for_selector("#solution:not([hidden]) .katex")
    page.wait_for_timeout(700)  # let the bar's width transition finish before the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "practice.png"), full_page=True)

    attempts = list(instance2.attempts.all())
    assert [a.verdict for a in attempts] == ["correct"] and attempts[0].hints_used == 1
    assert instance.attempts.get().verdict == "incorrect"

    # --- the dashboard reflects the practice ---
    page.goto(f"{live.url}/dashboard/")
    snapshot = SkillMastery.objects.get(learner=student, skill=instance2.skill)
    bar = page.locator(f'.skill-list .bar[data-skill="{instance2.skill.code}"]')
    assert int(bar.get_attribute("aria-valuenow")) == round(snapshot.p_mastered * 100)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert not _page_errors(errors), errors


def test_math_field_answer_is_submitted_as_latex(live, browser_page) -> None:
    page, errors = browser_page
    curriculum_load()
    _serve_only_typed_templates()
    student = User.objects.create_user("grace", password="pw-for-tests-1", role=User.Role.STUDENT)
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}/dashboard/")
    page.goto(f"{live.url}/practice/")
    page.wait_for_selector("#practice[data-open='true']")
    page.wait_for_function("!!window.customElements.get('math-field')")
    assert page.is_visible("math-field#answer-math")
    page.click("math-field#answer-math")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback.correct, #feedback.incorrect, #feedback.invalid")
    attempt = student.attempts.get()
    assert attempt.input_format == "latex" and attempt.raw_input == "12"
    assert not _page_errors(errors), errors
