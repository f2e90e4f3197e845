"""End to end, without docker: docker-compose.yml's web, worker, inference worker and beat commands run
natively against this machine's PostgreSQL and Redis (production settings, DEBUG off, HTTPS through the
real Caddyfile), and a school's first day is driven in headless Chromium.

Stage 1: first run (create_school, a class), a student signs up with the join code, gets a problem, submits
a wrong and then the right answer, and sees the checked feedback each time.
Stage 2: the admin, as a teacher, imports a worksheet (one fixed signed-integer product and a problem set)
and assigns it to a new class; its student answers with the sign-rule mistake, presses "Show me how", and
watches the inference worker's explanation stream in, ending with the SymPy verdict. The stack runs the
bundled small model (inference/bundled/) on the CPU, the inference worker's own choice on a machine without
a GPU (docker/inference_env.py); it solves this problem, so the verdict must be "Verified by SymPy".

One stack (session fixture) and one school (module fixture) serve every test here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import psycopg
import pytest

from inference.bundled import bundled_model_dir

from . import flows
from .native_stack import NativeStack, Process, _with_db

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Stage 2's problem: a teacher's worksheet (fixtures/warmup-signed-product.yaml) with one fixed problem,
# "Compute $7 \times (-3)$.", worded exactly as the shipped template integers.multiply_divide.product words
# it. Fixed, because the bundled model is not right on every problem of a template: its explanation of the
# sign-rule mistake was verified on 240 of that template's 242 distinct problems (measured, docs/deploy.md),
# so a randomly drawn problem would fail about one run in 120; on this one it is verified, both for the
# mistake and for a plain "solve it" prompt.
WORKSHEET = Path(__file__).parent / "fixtures" / "warmup-signed-product.yaml"
WORKSHEET_TEMPLATE = "e2e.warmup.signed-product"
WORKSHEET_SET = "Warm-up - signed products"
BUNDLED = bundled_model_dir()
EXPLANATION_WITHIN_S = 180  # press "Show me how" -> verdict shown, on a busy 2-core machine
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def school(native_stack: NativeStack, browser) -> flows.School:
    return flows.first_run(native_stack, browser)


def log_text(process: Process) -> str:
    return process.log_path.read_text(errors="replace")


def explanation_rows(stack: NativeStack, instance_id: int) -> list[dict]:
    with psycopg.connect(_with_db(stack.postgres_url, stack.database), connect_timeout=5) as conn:
        cursor = conn.execute(
            "SELECT status, model_name, model_is_random, verified, verdict_note, final_answer_latex, last_seq, "
            "tokens, text, worker FROM tutor_explanationtranscript WHERE instance_id = %s ORDER BY id",
            (instance_id,))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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


def test_only_the_inference_worker_loads_the_model_and_before_it_is_ready(native_stack: NativeStack) -> None:
    """The thread-pool inference worker loads the model once, at start, before it says "ready" (and so before
    it can take a task or answer its health check); the default-queue worker never loads it."""
    log = log_text(native_stack.processes["inference-worker"])
    preloaded = re.search(r"explanation model preloaded: (\S+) on cpu/float32 in ([\d.]+) s", log)
    assert preloaded, log[-3000:]
    assert preloaded.group(1) == (BUNDLED.name if BUNDLED else "tiny-random-sambay")
    ready = re.search(r"inference@\S+ ready\.", log)
    assert ready and preloaded.start() < ready.start(), "the worker was ready before the model was loaded"
    assert log.count("loading the explanation model before taking tasks") == 1  # one process, not one per thread
    assert "did not load at start" not in log
    assert "loading the explanation model" not in log_text(native_stack.processes["worker"])
    native_stack.timings["model_preload_s"] = float(preloaded.group(2))


def test_plain_http_is_redirected_and_debug_is_off(native_stack: NativeStack, page) -> None:
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert "Traceback" not in page.content() and "DEBUG = True" not in page.content()
    assert page.url.startswith("https://")


def test_stage1_first_run_then_a_student_practises(native_stack: NativeStack, school: flows.School, page) -> None:
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


def test_stage2_a_student_watches_a_streamed_verified_explanation(native_stack: NativeStack, browser,
                                                                   school: flows.School, page) -> None:
    teacher = browser.new_context(ignore_https_errors=True, base_url=native_stack.url)
    teacher.set_default_timeout(20_000)
    try:
        admin = teacher.new_page()
        flows.sign_in(admin, school.admin_username, flows.ADMIN_PASSWORD)
        classroom_id, join_code = flows.create_class(admin, "Arithmetic, period 5")
        flows.import_worksheet(admin, WORKSHEET)
        flows.assign_set(admin, title=WORKSHEET_SET, classroom_id=classroom_id)
    finally:
        teacher.close()

    flows.student_signs_up(page, join_code, username="riley")
    instance_id = flows.open_a_problem(page)
    answers = flows.problem_answers(native_stack, instance_id)
    assert answers["template"] == WORKSHEET_TEMPLATE, answers  # the assignment is served first
    assert answers["answer"] == "-21" and answers["wrong"] == ["21"], answers
    assert page.locator("#statement").inner_text().startswith("Compute")
    kind, _ = flows.submit_text_answer(page, "21")  # the listed sign-rule mistake
    assert kind == "incorrect", (kind, answers, page.console_messages)

    assert BUNDLED is not None, ("inference/bundled/sambay-tutor-small is missing or incomplete (a checkout "
                                 "without its weights?): the stack would explain with the random fallback")
    seen = flows.show_me_how(page, within_s=EXPLANATION_WITHIN_S)
    rows = explanation_rows(native_stack, instance_id)
    assert len(rows) == 1, rows
    row = rows[0]
    details = (seen, row, page.console_messages)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deploy-explain.png"), full_page=True)
    assert row["status"] == "done" and row["text"].strip() and not page.locator("#explain-stop").is_visible(), details
    # it streamed: the page's text grew in several steps before the verdict, from several chunks
    assert len(set(seen.lengths)) >= 3 and min(seen.lengths) < max(seen.lengths), details
    assert row["last_seq"] >= 3 and row["tokens"] >= row["last_seq"], details
    # the bundled model wrote it, and SymPy verified its final answer
    assert seen.model == f"Model: {BUNDLED.name}" and row["model_name"] == BUNDLED.name, details
    assert row["model_is_random"] is False, details
    assert seen.verdict_kind == "ok" and seen.verdict.startswith("✓ Verified by SymPy"), details
    assert row["verified"] is True and row["final_answer_latex"].replace(" ", "") == "-21", details
    assert not [m for m in page.console_messages if m.startswith("pageerror")], page.console_messages

    # the worker that wrote it is the inference worker, which had loaded the model before this task came
    log = log_text(native_stack.processes["inference-worker"])
    received = log.find("Task tutor.tasks.explanation_generate[")
    assert 0 < log.find("explanation model preloaded:") < received, log[-3000:]
    assert len(re.findall(r"explanation model \S+ loaded on ", log)) == 1  # loaded once, never per task
    numbers = {"explanation_s": round(seen.seconds, 2), "tokens": row["tokens"], "chunks": row["last_seq"],
               "model": row["model_name"], **{k: round(v, 2) for k, v in native_stack.timings.items()
                                               if not k.endswith("_started_at")}}
    (ARTIFACTS / "deploy-e2e.json").write_text(json.dumps(numbers, indent=2) + "\n")
    print("native stack:", json.dumps(numbers))
