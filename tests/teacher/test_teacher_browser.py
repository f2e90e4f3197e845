"""End to end in headless Chromium: a teacher creates a class, writes a template with a deliberate error
and sees it flagged next to its line (source view) and its field (form view), fixes it, previews variants,
saves, puts it in a problem set, assigns it, and reads the class dashboard after a student's attempts.

Screenshots go to ``test-artifacts/teacher-*.png``. Live server on 127.0.0.1 with the real PostgreSQL
database and the real checker; Debian's Chromium (``CHROMIUM``), never a downloaded browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chromium import chromium_page
from tests.teacher.conftest import good_template
from tests.tutor import factories
from tutor import curriculum_gateway as cg
from tutor.models import Assignment, ProblemSet, ProblemTemplate, User
from tutor.services.curriculum import curriculum_load
from tutor.services.practice import attempt_submit, problem_next
from tutor.services.school import enrollment_join

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def browser_page():
    with chromium_page(width=1440, height=1000) as opened:
        yield opened


def _replace_source(page, text: str) -> None:
    page.click("#tab-source")
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def _wait_summary(page, pattern: str) -> str:
    """Wait until the preview summary matches ``pattern`` (a preview is not running) and return it."""
    try:
        page.wait_for_function(
            "p => { const box = document.querySelector('#check-summary');"
            " return !box.classList.contains('busy') && new RegExp(p).test(box.textContent); }",
            arg=pattern, timeout=30_000)
    except Exception as exc:
        raise AssertionError(f"preview summary never matched {pattern!r}: "
                             f"{page.text_content('#check-summary')!r}; issues: "
                             f"{page.text_content('#issue-list')!r}") from exc
    return page.text_content("#check-summary")


def test_teacher_authors_assigns_and_reads_the_dashboard(live_server, browser_page, settings) -> None:
    settings.TUTOR_CHECK_IN_PROCESS = True  # the live server thread checks inline, like the other suites
    page, errors = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    curriculum_load()
    school = factories.school("Hillside High")
    teacher = factories.teacher(school_obj=school, username="ms-rivera", password=PASSWORD)
    teacher.display_name = "Ms Rivera"
    teacher.save()

    # --- sign in and create a class
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "ms-rivera")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/teach/$"))
    page.fill("input[name=name]", "Algebra 1, period 3")
    page.click("text=Create class")
    page.wait_for_url(re.compile(r".*/teach/classes/\d+/$"))
    join_code = page.text_content("#join-code").strip()
    classroom = teacher.classrooms_taught.get()
    assert join_code == classroom.join_code

    # --- a new template: the starter example previews cleanly
    page.click("nav.main-nav >> text=Templates")
    page.click("#new-template")
    page.wait_for_selector(".cm-content", state="attached")
    assert "No problems" in _wait_summary(page, "No problems")

    # --- a deliberate error: the answer uses a variable that does not exist
    source = good_template("rivera.add-constant").replace("answer: x = v", "answer: x = w")
    answer_line = next(i for i, ln in enumerate(source.splitlines(), 1) if ln.startswith("answer:"))
    _replace_source(page, source)
    summary = _wait_summary(page, "to fix before saving")
    assert summary.strip().startswith("1 problem")
    issue = page.text_content("#issue-list li")
    assert f"Line {answer_line}" in issue and "unknown variable 'w'" in issue
    page.wait_for_selector(".cm-gutter-lint .cm-lint-marker-error")
    marker_line = page.evaluate("""() => {
        const view = window.templateEditorView;
        const marker = document.querySelector('.cm-gutter-lint .cm-lint-marker-error');
        const block = view.lineBlockAtHeight(marker.getBoundingClientRect().top - view.documentTop + 2);
        return view.state.doc.lineAt(block.from).number; }""")
    assert marker_line == answer_line
    page.screenshot(path=str(ARTIFACTS / "teacher-authoring-error.png"), full_page=False)

    # --- the form view shows the same error next to the Answer field; fix it there
    page.click("#tab-form")
    assert "unknown variable 'w'" in page.text_content("[data-error-for=answer]")
    assert "has-error" in page.get_attribute("[data-field=answer]", "class")
    page.fill("#f-answer", "x = v")
    assert "No problems" in _wait_summary(page, "No problems: \\d+ variants")
    assert page.evaluate("window.templateEditorView.state.doc.toString()").count("answer: x = v") == 1
    assert page.text_content("[data-error-for=answer]") == ""
    variants = page.locator("#variants .variant")
    assert variants.count() == 4
    assert page.locator("#variants .variant-statement .katex").count() >= 4  # rendered with KaTeX
    assert page.locator("#variants .variant-answer .badge-correct").count() == 4
    assert page.locator("#variants .wa-ok").count() >= 4 and page.locator("#variants .wa-bad").count() == 0
    page.select_option("#variant-count", "6")
    _wait_summary(page, "No problems: 6 variants")
    page.screenshot(path=str(ARTIFACTS / "teacher-authoring-preview.png"), full_page=False)

    # --- save: version 1 of a teacher template
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*/teach/templates/\d+/$"))
    template = ProblemTemplate.objects.get(code="rivera.add-constant")
    assert template.author == teacher and template.current_version.number == 1

    # --- a problem set with it, assigned to the class
    page.click("nav.main-nav >> text=Problem sets")
    page.fill("input[name=title]", "Week 3: one-step equations")
    page.click("#create-set")
    page.wait_for_url(re.compile(r".*/teach/sets/\d+/$"))
    page.select_option("#add-template", str(template.pk))
    page.click("#add-template-button")
    page.wait_for_selector("#set-items li")
    page.select_option("#id_classroom", str(classroom.pk))
    page.click("#assign-button")
    page.wait_for_selector("text=Students see it first on their dashboard")
    assignment = Assignment.objects.get(classroom=classroom)
    assert assignment.problem_set == ProblemSet.objects.get(owner=teacher)
    page.screenshot(path=str(ARTIFACTS / "teacher-problem-set.png"), full_page=True)

    # --- two students answer: one makes the listed mistake three times, one gets it right
    students = []
    for username, name in (("sam", "Sam Okafor"), ("lee", "Lee Chen")):
        s = User.objects.create_user(username=username, password=PASSWORD, role=User.Role.STUDENT, display_name=name)
        enrollment_join(student=s, join_code=join_code)
        students.append(s)
    sam, lee = students
    instance = problem_next(learner=lee)
    assert instance.template_version.template == template
    problem = cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)
    assert attempt_submit(learner=lee, instance_id=instance.pk, raw_input=problem.expected_entry,
                          input_format="text").check.correct
    instance = problem_next(learner=sam)
    problem = cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)
    for _ in range(3):
        outcome = attempt_submit(learner=sam, instance_id=instance.pk, raw_input=problem.wrong_answers[0].answer,
                                 input_format="text")
        assert outcome.attempt.note == "SAME_OPERATION"

    # --- the class dashboard
    page.goto(f"{live_server.url}/teach/classes/{classroom.pk}/")
    page.click("#open-dashboard")
    page.wait_for_selector("#heatmap")
    assert page.locator("#heatmap tbody tr").count() == 2
    stats = page.text_content("#template-stats")
    assert "Add a constant" in stats and "SAME_OPERATION ×3" in stats
    assert "50%" in stats  # right first time: Lee yes, Sam no
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length === 3")
    page.screenshot(path=str(ARTIFACTS / "teacher-class-dashboard.png"), full_page=True)
    page.click("#heatmap tbody tr:nth-child(2) th a")  # Sam (names sorted: Lee, Sam)
    page.wait_for_selector("#student-attempts")
    assert page.locator("#student-attempts tbody tr").count() == 3

    # --- the student sees the assignment first on their dashboard
    def sign_in(username: str) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    sign_in("sam")
    page.goto(f"{live_server.url}/dashboard/")
    assigned = page.text_content("#assigned-work")
    assert "Week 3: one-step equations" in assigned and "0 of 1 done" in assigned
    page.screenshot(path=str(ARTIFACTS / "teacher-student-dashboard.png"), full_page=False)

    # --- the school admin's overview
    User.objects.create_user(username="principal", password=PASSWORD, role=User.Role.SCHOOL_ADMIN, school=school,
                             display_name="Dr Adeyemi")
    sign_in("principal")
    page.click("nav.main-nav >> text=School")
    page.wait_for_selector("#school-classes")
    assert "Algebra 1, period 3" in page.text_content("#school-classes")
    assert page.text_content("#active-7d").strip() == "2"
    page.screenshot(path=str(ARTIFACTS / "teacher-school-dashboard.png"), full_page=True)
    # pytest-django's live server is WSGI: the student dashboard's live-update websocket cannot connect there.
    assert not [e for e in errors if "WebSocket connection to" not in e], errors
