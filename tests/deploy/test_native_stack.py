"""End to end, without docker: docker-compose.yml's web, worker, inference worker and beat commands run
natively against this machine's PostgreSQL and Redis (production settings, DEBUG off, HTTPS through the
real Caddyfile), and a school's first day is driven in headless Chromium.

Stage 1: first run (create_school, a class), a student signs up with the join code, gets a problem, submits
a wrong and then the right answer, and sees the checked feedback each time.
Stage 2 (when the "show me how" streaming lands): a streamed, verified explanation, reusing these flows.
"""

from __future__ import annotations

import psycopg
import pytest

from . import flows
from .native_stack import NativeStack, _with_db

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def attempts_in_db(stack: NativeStack, instance_id: int) -> list[tuple[str, str]]:
    with psycopg.connect(_with_db(stack.postgres_url, stack.database), connect_timeout=5) as conn:
        rows = conn.execute("SELECT raw_input, verdict FROM tutor_attempt WHERE instance_id = %s ORDER BY id",
                            (instance_id,)).fetchall()
    return [(raw, verdict) for raw, verdict in rows]


def test_services_are_the_compose_commands(native_stack: NativeStack) -> None:
    """Every service runs its compose command (through the entrypoint) and is still up."""
    for name in ("web", "worker", "inference-worker", "beat"):
        process = native_stack.processes[name]
        compose_command = native_stack.compose["services"][name]["command"]
        assert process.argv[0].endswith("docker/entrypoint.sh")
        assert process.argv[1].endswith(f"/{compose_command[0]}") and len(process.argv) == len(compose_command) + 1
        assert process.running(), native_stack.report()
        assert process.env["DJANGO_SETTINGS_MODULE"] == "tutor.settings.production"
    # migrations and the shipped curriculum ran once, on web, under the lock
    web_log = native_stack.processes["web"].log_tail(400)
    assert "migrate_once: manage.py load_curriculum done" in web_log
    assert "inference_env: INFERENCE_DEVICE=auto -> cpu" in native_stack.processes["inference-worker"].log_tail(400)


def test_plain_http_is_redirected_and_debug_is_off(native_stack: NativeStack, page) -> None:
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert "Traceback" not in page.content() and "DEBUG = True" not in page.content()
    assert page.url.startswith("https://")


def test_stage1_first_run_then_a_student_practises(native_stack: NativeStack, browser, page) -> None:
    school = flows.first_run(native_stack, browser)
    flows.student_signs_up(page, school.join_code)
    instance_id = flows.open_a_problem(page)
    answers = flows.problem_answers(native_stack, instance_id)

    wrong = next((w for w in answers["wrong"] if w.strip()), "123456789")
    assert wrong != answers["answer"]
    kind, text = flows.submit_text_answer(page, wrong)
    assert kind == "incorrect", (kind, text, page.console_messages)
    assert "Not quite" in text

    kind, text = flows.submit_text_answer(page, answers["answer"])
    assert kind == "correct", (kind, text, answers, page.console_messages)
    assert "Correct" in text
    page.locator("#next-button").wait_for(state="visible")
    assert page.locator("#attempt-list li").count() == 2
    assert [verdict for _, verdict in attempts_in_db(native_stack, instance_id)] == ["incorrect", "correct"]
    assert not [m for m in page.console_messages if m.startswith("pageerror")], page.console_messages
