"""Browser flows over the running native stack, reused by the end-to-end tests (stage 1: practice with
feedback; stage 2: a teacher assigns a template, and its student gets a streamed, verified explanation from
the inference worker).

Every flow uses only what a person would: the pages and forms through the HTTPS proxy. The one exception is
``problem_answers``, which asks the server (``manage.py shell``, as an operator could) for the instance's
correct and listed wrong answers, since the browser is never told the answer.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .native_stack import NativeStack, StackError

ADMIN_PASSWORD = "correct-horse-battery-staple-42"
STUDENT_PASSWORD = "purple-otter-sings-91"


@dataclass
class School:
    admin_username: str
    join_code: str


def first_run(stack: NativeStack, browser, admin_username: str = "principal") -> School:
    """The IT person's first run: ``create_school``, then the admin creates a class in the browser."""
    result = stack.manage("create_school", "--no-input", "--name", "End To End High", "--admin-username",
                          admin_username, "--admin-email", "principal@e2e.example",
                          extra_env={"TUTOR_ADMIN_PASSWORD": ADMIN_PASSWORD})
    if result.returncode != 0:
        raise StackError(f"create_school failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-3000:]}")
    assert "created admin 'principal'" in result.stdout, result.stdout
    context = browser.new_context(ignore_https_errors=True, base_url=stack.url)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, admin_username, ADMIN_PASSWORD)
        _, code = create_class(page, "Algebra 1, period 3")
        return School(admin_username=admin_username, join_code=code)
    finally:
        context.close()


def create_class(page, name: str) -> tuple[int, str]:
    """A signed-in teacher creates a class at /teach/; returns (class id, join code)."""
    page.goto("/teach/")
    page.fill("#id_name", name)
    page.get_by_role("button", name="Create class").click()
    page.wait_for_url(re.compile(r"/teach/classes/\d+/$"))  # the new class's page shows its join code
    code = page.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4,16}", code), code
    return int(re.search(r"/teach/classes/(\d+)/$", page.url).group(1)), code


def import_worksheet(page, path: Path) -> None:
    """A signed-in teacher uploads a YAML file of templates and problem sets at /teach/templates/import/."""
    page.goto("/teach/templates/import/")
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    problems = page.locator(".form-error, .field-error").all_inner_texts()
    assert not problems and "Imported:" in page.content(), f"the import of {path.name} failed: {problems}"


def assign_set(page, *, title: str, classroom_id: int) -> None:
    """A signed-in teacher opens their problem set ``title`` at /teach/sets/ and assigns it to a class (open
    now, no due date), so the class's students are served its problems first."""
    page.goto("/teach/sets/")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(r"/teach/sets/\d+/$"))
    page.select_option("#id_classroom", str(classroom_id))
    page.locator("#assign-button").click()
    page.wait_for_load_state("load")
    assigned = page.locator("section[aria-labelledby=assign-heading] table")
    assert assigned.count() == 1, f"the set {title!r} was not assigned: {page.locator('.form-error').all_inner_texts()}"


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"sign-in as {username} failed: {page.url}"


def student_signs_up(page, join_code: str, username: str = "sam") -> None:
    page.goto("/signup/")
    page.fill("#id_join_code", join_code)
    page.fill("#id_display_name", "Sam Student")
    page.fill("#id_username", username)
    page.fill("#id_password", STUDENT_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_load_state("load")
    assert "/signup/" not in page.url, f"signup failed: {page.locator('.form-error, .field-error').all_inner_texts()}"


def open_a_problem(page) -> int:
    """Ask for the next problem; returns its instance id once the statement is on screen."""
    page.goto("/practice/")
    page.wait_for_url(re.compile(r"/practice/\d+/$"))
    statement = page.locator("#statement")
    statement.wait_for(state="visible")
    assert statement.inner_text().strip(), "the problem statement is empty"
    return int(re.search(r"/practice/(\d+)/$", page.url).group(1))


def problem_answers(stack: NativeStack, instance_id: int) -> dict:
    """{"answer": correct plain text, "wrong": [listed wrong answers], "template": its template's code} of an
    instance, from the server."""
    code = (
        "import json\n"
        "from tutor.models import ProblemInstance\n"
        "from tutor import curriculum_gateway as cg\n"
        f"i = ProblemInstance.objects.get(pk={int(instance_id)})\n"
        "p = cg.problem_build(source_yaml=i.template_version.source_yaml, seed=i.seed)\n"
        # the listed common mistakes' answers (curriculum WrongAnswer objects; plain strings accepted too)
        "wrong = [str(getattr(w, 'answer', w)) for w in p.wrong_answers]\n"
        "print('ANSWERS=' + json.dumps({'answer': cg.problem_answer_text(p), 'wrong': wrong,\n"
        "                               'template': i.template_version.template.code}))\n"
    )
    result = stack.manage("shell", "-c", code)
    for line in result.stdout.splitlines():
        if line.startswith("ANSWERS="):
            return json.loads(line[len("ANSWERS="):])
    raise StackError(f"could not read the answers of instance {instance_id}:\n{result.stdout}\n{result.stderr[-2000:]}")


def submit_text_answer(page, text: str) -> tuple[str, str]:
    """Type ``text`` in plain-text mode, press Check; returns (feedback kind, feedback text)."""
    text_input = page.locator("#answer-text")
    if not text_input.is_visible():
        page.locator("#mode-toggle").click()
    text_input.fill(text)
    before = page.locator("#attempt-list li").count()
    page.locator("#check-button").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#attempt-list li').length > n"
        " || /\\b(invalid|error)\\b/.test(document.getElementById('feedback').className)", arg=before)
    feedback = page.locator("#feedback")
    kind = next((k for k in ("correct", "incorrect", "invalid", "error")
                 if k in (feedback.get_attribute("class") or "").split()), "")
    return kind, feedback.inner_text().strip()


@dataclass
class Explanation:
    """What the student saw: the streamed text's lengths as it grew (one per DOM change of #explain-text),
    the final text, the verdict line and its kind (``ok`` | ``bad`` | ``info``), and the model label."""

    lengths: list[int]
    text: str
    verdict: str
    verdict_kind: str
    model: str
    seconds: float


# Records the length of the explanation's text at every change, from before "Show me how" is pressed.
_RECORD_GROWTH = """() => {
  const box = document.getElementById('explain-text');
  window.__explainLengths = [];
  new MutationObserver(() => window.__explainLengths.push(box.innerText.length))
    .observe(box, {childList: true, subtree: true, characterData: true});
}"""


def show_me_how(page, *, within_s: float) -> Explanation:
    """Press "Show me how" on the open practice page and wait (at most ``within_s`` seconds) until the
    stream ends and the verdict is shown."""
    section = page.locator("#explain")
    section.wait_for(state="visible")
    page.evaluate(_RECORD_GROWTH)
    started = time.monotonic()
    page.locator("#explain-start").click()
    page.wait_for_selector("#explain-verdict:not([hidden])", timeout=within_s * 1000)
    seconds = time.monotonic() - started
    verdict = page.locator("#explain-verdict")
    kind = next((k for k in ("ok", "bad", "info") if k in (verdict.get_attribute("class") or "").split()), "")
    return Explanation(lengths=page.evaluate("window.__explainLengths"), text=page.inner_text("#explain-text"),
                       verdict=verdict.inner_text().strip(), verdict_kind=kind,
                       model=page.inner_text("#explain-model").strip(), seconds=seconds)
