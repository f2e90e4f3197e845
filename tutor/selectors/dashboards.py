"""Reads behind the class dashboard, the student drill-down and the school admin dashboard.

Callers pass a classroom (or school) they already checked access to; nothing here checks roles.
Mastery values are the stored ``SkillMastery`` snapshots (P(mastered) in [0, 1] at their last update).
Times are seconds; rates are fractions in [0, 1] (templates turn them into percentages).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from tutor import curriculum_gateway as cg
from tutor.models import (
    Assignment,
    Attempt,
    Classroom,
    Enrollment,
    ExplanationTranscript,
    ProblemInstance,
    School,
    Skill,
    SkillMastery,
    User,
)

GRADED = (Attempt.Verdict.CORRECT, Attempt.Verdict.INCORRECT)


def class_students(*, classroom: Classroom) -> list[User]:
    """Enrolled students ordered by shown name."""
    return list(User.objects.filter(enrollments__classroom=classroom).order_by("display_name", "username"))


def class_student_get(*, classroom: Classroom, student_id: int) -> User | None:
    """The enrolled student with ``student_id`` (None if not in this class)."""
    return User.objects.filter(pk=student_id, enrollments__classroom=classroom).first()


# --------------------------------------------------------------------------- heatmap


@dataclass(frozen=True)
class HeatCell:
    """P(mastered) ``p`` (None = never practised), graded answers and correct answers."""

    p: float | None
    attempts: int
    correct: int

    @property
    def percent(self) -> int | None:
        return None if self.p is None else round(self.p * 100)

    @property
    def band(self) -> str:
        """Colour band for the cell: none / low / mid / high / mastered."""
        if self.p is None:
            return "none"
        if self.p >= cg.mastery_threshold():
            return "mastered"
        return "high" if self.p >= 0.6 else "mid" if self.p >= 0.3 else "low"


@dataclass(frozen=True)
class Heatmap:
    """Students x skills. ``rows[i][j]`` is student ``i``'s cell for skill ``j``; ``skill_means[j]`` the
    class mean over students who practised skill ``j`` (None if nobody did)."""

    students: list[User]
    skills: list[Skill]
    rows: list[list[HeatCell]]
    skill_means: list[float | None]


def class_heatmap(*, classroom: Classroom) -> Heatmap:
    """Mastery heatmap of a class: every skill any student practised or an assignment targets."""
    students = class_students(classroom=classroom)
    snaps = SkillMastery.objects.filter(learner__in=[s.pk for s in students]).select_related("skill")
    by_pair = {(m.learner_id, m.skill_id): m for m in snaps}
    skill_ids = {m.skill_id for m in by_pair.values()}
    assigned = Skill.objects.filter(templates__set_items__problem_set__assignments__classroom=classroom)
    skill_ids |= set(assigned.values_list("pk", flat=True))
    skills = list(Skill.objects.filter(pk__in=skill_ids).order_by("order", "code"))
    rows = []
    for s in students:
        row = []
        for k in skills:
            m = by_pair.get((s.pk, k.pk))
            row.append(HeatCell(m.p_mastered, m.attempts, m.correct) if m else HeatCell(None, 0, 0))
        rows.append(row)
    means = []
    for j in range(len(skills)):
        ps = [r[j].p for r in rows if r[j].p is not None]
        means.append(sum(ps) / len(ps) if ps else None)
    return Heatmap(students=students, skills=skills, rows=rows, skill_means=means)


# --------------------------------------------------------------------------- who is stuck


@dataclass(frozen=True)
class StuckStudent:
    """A student who may need help, with every reason found (most serious first)."""

    student: User
    reasons: tuple[str, ...]
    skills: tuple[str, ...]
    last_active: datetime | None


STUCK_WINDOW_DAYS = 14
FAIL_STREAK = 3  # wrong answers in a row on one skill
HINT_SHARE = 0.6  # mean share of available hints revealed over recent problems ...
HINT_MIN_PROBLEMS = 3  # ... over at least this many problems
GIVE_UPS = 2  # given-up problems among the last 5
NO_PROGRESS_ANSWERS = 8  # graded answers on one skill in the window ...
NO_PROGRESS_GAIN = 0.05  # ... that moved P(mastered) by less than this


def stuck_students(*, classroom: Classroom, now: datetime | None = None) -> list[StuckStudent]:
    """Students of the class who show, in the last ``STUCK_WINDOW_DAYS`` days: a streak of
    ``FAIL_STREAK`` wrong answers on one skill; heavy hint use; repeated giving up; or many answers on
    one skill without mastery gain. Ordered by number of reasons, then name."""
    now = now or timezone.now()
    since = now - timedelta(days=STUCK_WINDOW_DAYS)
    threshold = cg.mastery_threshold()
    out = []
    for student in class_students(classroom=classroom):
        attempts = list(Attempt.objects.filter(learner=student, submitted_at__gte=since, verdict__in=GRADED)
                        .select_related("instance__skill").order_by("-submitted_at", "-id")[:200])
        instances = list(ProblemInstance.objects.filter(learner=student, created_at__gte=since)
                         .order_by("-created_at", "-id")[:10])
        reasons: list[str] = []
        skills: list[str] = []
        # 1. wrong answers in a row on the same skill (most recent answers first)
        if attempts and attempts[0].verdict == Attempt.Verdict.INCORRECT:
            skill = attempts[0].instance.skill
            streak = 0
            for a in attempts:
                if a.instance.skill_id != skill.pk or a.verdict != Attempt.Verdict.INCORRECT:
                    break
                streak += 1
            if streak >= FAIL_STREAK:
                reasons.append(f"{streak} wrong answers in a row on {skill.name}")
                skills.append(skill.name)
        # 2. giving up
        gave_up = sum(1 for i in instances[:5] if i.status == ProblemInstance.Status.GAVE_UP)
        if gave_up >= GIVE_UPS:
            reasons.append(f"gave up on {gave_up} of the last {min(5, len(instances))} problems")
        # 3. heavy hint use
        with_hints = [i for i in instances if i.hints_available]
        if len(with_hints) >= HINT_MIN_PROBLEMS:
            share = sum(i.hints_revealed / i.hints_available for i in with_hints) / len(with_hints)
            if share >= HINT_SHARE:
                reasons.append(f"opened {round(share * 100)}% of the hints on the last {len(with_hints)} problems")
        # 4. many answers, no mastery gain
        per_skill: dict[int, list[Attempt]] = defaultdict(list)
        for a in attempts:
            per_skill[a.instance.skill_id].append(a)
        for skill_attempts in per_skill.values():
            counted = [a for a in skill_attempts if a.mastery_before is not None and a.mastery_after is not None]
            if len(skill_attempts) < NO_PROGRESS_ANSWERS or not counted:
                continue
            gain = counted[0].mastery_after - counted[-1].mastery_before
            if gain < NO_PROGRESS_GAIN and counted[0].mastery_after < threshold:
                skill = skill_attempts[0].instance.skill
                reasons.append(f"{len(skill_attempts)} answers on {skill.name} without progress "
                               f"(mastery {round(counted[0].mastery_after * 100)}%)")
                if skill.name not in skills:
                    skills.append(skill.name)
        if reasons:
            out.append(StuckStudent(student=student, reasons=tuple(reasons), skills=tuple(skills),
                                    last_active=attempts[0].submitted_at if attempts else None))
    out.sort(key=lambda r: (-len(r.reasons), r.student.shown_name.lower()))
    return out


# --------------------------------------------------------------------------- per-template statistics


@dataclass(frozen=True)
class WrongAnswerGroup:
    """Wrong answers sharing one answer note: how many, and the most frequent raw entries."""

    note: str
    count: int
    examples: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class TemplateStats:
    """One template's use in the class: problems answered, first-try success rate, share solved (not given
    up), median seconds from being shown to the first answer, and wrong answers grouped by note."""

    code: str
    title: str
    problems: int
    first_try_rate: float | None
    solved_rate: float | None
    median_seconds: float | None
    answers: int
    wrong_groups: tuple[WrongAnswerGroup, ...] = field(default_factory=tuple)


MAX_STATS_ATTEMPTS = 20_000


def template_stats(*, classroom: Classroom, since: datetime | None = None) -> list[TemplateStats]:
    """Per-template statistics over the class's students' graded answers (newest ``MAX_STATS_ATTEMPTS``),
    most-answered templates first."""
    qs = Attempt.objects.filter(learner__enrollments__classroom=classroom, verdict__in=GRADED)
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    rows = list(qs.order_by("-submitted_at").values(
        "instance_id", "verdict", "note", "raw_input", "submitted_at", "instance__created_at",
        "instance__status", "instance__template_version__template__code",
        "instance__template_version__template__title")[:MAX_STATS_ATTEMPTS])
    by_template: dict[str, list[dict]] = defaultdict(list)
    titles: dict[str, str] = {}
    for r in rows:
        code = r["instance__template_version__template__code"]
        by_template[code].append(r)
        titles[code] = r["instance__template_version__template__title"]
    out = []
    for code, answers in by_template.items():
        first: dict[int, dict] = {}
        for r in sorted(answers, key=lambda r: r["submitted_at"]):
            first.setdefault(r["instance_id"], r)
        problems = len(first)
        first_ok = sum(1 for r in first.values() if r["verdict"] == Attempt.Verdict.CORRECT)
        solved = sum(1 for r in first.values() if r["instance__status"] == ProblemInstance.Status.SOLVED)
        times = [(r["submitted_at"] - r["instance__created_at"]).total_seconds() for r in first.values()]
        wrong = [r for r in answers if r["verdict"] == Attempt.Verdict.INCORRECT]
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for r in wrong:
            groups[r["note"] or "(no note)"][r["raw_input"].strip()[:80]] += 1
        wrong_groups = sorted(
            (WrongAnswerGroup(note, sum(c.values()), tuple(c.most_common(3))) for note, c in groups.items()),
            key=lambda g: (-g.count, g.note))
        out.append(TemplateStats(code=code, title=titles[code], problems=problems,
                                 first_try_rate=first_ok / problems if problems else None,
                                 solved_rate=solved / problems if problems else None,
                                 median_seconds=statistics.median(times) if times else None,
                                 answers=len(answers), wrong_groups=tuple(wrong_groups[:5])))
    out.sort(key=lambda t: (-t.answers, t.code))
    return out


# --------------------------------------------------------------------------- charts and drill-down


def activity_by_day(*, classroom: Classroom, days: int = 14, now: datetime | None = None) -> dict[str, list]:
    """``{"labels": [ISO dates], "correct": [...], "incorrect": [...]}``: graded answers per day."""
    now = now or timezone.now()
    start = (now - timedelta(days=days - 1)).date()
    labels = [(start + timedelta(days=k)) for k in range(days)]
    counts: dict[tuple, int] = Counter()
    rows = (Attempt.objects.filter(learner__enrollments__classroom=classroom, verdict__in=GRADED,
                                   submitted_at__date__gte=start)
            .values_list("submitted_at", "verdict"))
    for submitted, verdict in rows:
        counts[(timezone.localtime(submitted).date(), verdict)] += 1
    return {"labels": [d.isoformat() for d in labels],
            "correct": [counts[(d, Attempt.Verdict.CORRECT)] for d in labels],
            "incorrect": [counts[(d, Attempt.Verdict.INCORRECT)] for d in labels]}


def student_attempts(*, student: User, limit: int = 200) -> QuerySet[Attempt]:
    """The student's answers, newest first, with problem, template and skill loaded."""
    return (Attempt.objects.filter(learner=student)
            .select_related("instance__skill", "instance__template_version__template")
            .order_by("-submitted_at", "-id")[:limit])


def student_mastery(*, student: User) -> QuerySet[SkillMastery]:
    """The student's per-skill snapshots in curriculum order."""
    return SkillMastery.objects.filter(learner=student).select_related("skill").order_by("skill__order")


# --------------------------------------------------------------------------- CSV rows


_PLAIN_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def _safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells: a cell starting with ``=``, ``+``, ``@``, a tab/CR/LF,
    or ``-`` (unless the whole cell is a plain number: ``-2+3+cmd|' /C calc'!A0`` is a DDE formula)."""
    if not isinstance(value, str) or not value:
        return value
    risky = value[0] in "=+@\t\r\n" or (value[0] == "-" and not _PLAIN_NUMBER.fullmatch(value))
    return "'" + value if risky else value


ATTEMPT_COLUMNS = ("student_username", "student_name", "submitted_at", "template", "template_version", "seed",
                   "skill", "verdict", "score", "note", "answer", "hints_used", "counted_for_mastery",
                   "mastery_before", "mastery_after", "check_ms", "assignment")
MASTERY_COLUMNS = ("student_username", "student_name", "skill", "skill_name", "p_mastered", "attempts",
                   "correct", "updated_at")


def attempt_in_class_scope(classroom: Classroom) -> Q:
    """The filter on :class:`Attempt` selecting the answers a class's teacher may export (see
    :func:`attempts_csv_rows`): assigned by this class, or free practice while enrolled in it."""
    enrolled_when_submitted = Enrollment.objects.filter(
        classroom=classroom, student=OuterRef("learner"), joined_at__lte=OuterRef("submitted_at"))
    return (Q(instance__assigned__assignment__classroom=classroom)
            | (Q(instance__assigned__isnull=True) & Exists(enrolled_when_submitted)))


def attempts_csv_rows(*, classroom: Classroom) -> Iterable[tuple]:
    """Header, then one row per answer relevant to ``classroom`` (oldest first); text cells are made safe
    for spreadsheets.

    Scope (docs/teachers.md, "CSV"): answers to problems assigned by *this* class's assignments, plus free
    practice (problems not part of any assignment) by students currently enrolled, submitted at or after
    they joined this class. Work on another class's assignments is never included.
    """
    yield ATTEMPT_COLUMNS
    qs = (Attempt.objects.filter(attempt_in_class_scope(classroom))
          .select_related("learner", "instance__skill", "instance__template_version__template",
                          "instance__assigned__assignment__problem_set")
          .order_by("submitted_at", "id"))
    for a in qs.iterator(chunk_size=500):
        inst = a.instance
        assigned = getattr(inst, "assigned", None)
        yield tuple(_safe_cell(v) for v in (
            a.learner.username, a.learner.shown_name, a.submitted_at.isoformat(),
            inst.template_version.template.code, inst.template_version.number, inst.seed, inst.skill.code,
            a.verdict, a.score, a.note, a.raw_input, a.hints_used, a.counted_for_mastery,
            "" if a.mastery_before is None else round(a.mastery_before, 4),
            "" if a.mastery_after is None else round(a.mastery_after, 4),
            "" if a.check_ms is None else round(a.check_ms, 1),
            assigned.assignment.problem_set.title if assigned else ""))


def mastery_csv_rows(*, classroom: Classroom) -> Iterable[tuple]:
    """Header, then one row per (student, skill) snapshot of the class's students."""
    yield MASTERY_COLUMNS
    qs = (SkillMastery.objects.filter(learner__enrollments__classroom=classroom)
          .select_related("learner", "skill").order_by("learner__username", "skill__order"))
    for m in qs.iterator(chunk_size=500):
        yield tuple(_safe_cell(v) for v in (
            m.learner.username, m.learner.shown_name, m.skill.code, m.skill.name, round(m.p_mastered, 4),
            m.attempts, m.correct, m.updated_at.isoformat()))


# --------------------------------------------------------------------------- school admin


@dataclass(frozen=True)
class ClassSummary:
    classroom: Classroom
    students: int
    active_7d: int
    answers_7d: int
    mean_mastery: float | None
    assignments: int


@dataclass(frozen=True)
class ExplanationUsage:
    """Explanations for the school's students in the window: total, per status, verified share of checked
    ones (None if none checked), median seconds queued before a worker started, tokens per second."""

    total: int
    by_status: dict[str, int]
    verified_rate: float | None
    checked: int
    median_wait_s: float | None
    tokens_per_s: float | None


@dataclass(frozen=True)
class WorkerHealth:
    """Inference workers and the queue, from the explanation records (and the broker when reachable)."""

    workers: list[dict]
    pending: int
    streaming: int
    oldest_pending_s: float | None
    failed_24h: int
    interrupted_24h: int
    broker: dict[str, object]
    status: str


def school_classes(*, school: School, now: datetime | None = None) -> list[ClassSummary]:
    """Every class of the school with size, activity in the last 7 days and mean mastery."""
    now = now or timezone.now()
    week = now - timedelta(days=7)
    classes = (Classroom.objects.filter(school=school).select_related("teacher")
               .annotate(n_students=Count("enrollments", distinct=True),
                         n_assignments=Count("assignments", distinct=True)))
    out = []
    for c in classes:
        recent = Attempt.objects.filter(learner__enrollments__classroom=c, submitted_at__gte=week)
        active = recent.values("learner").distinct().count()
        mean = SkillMastery.objects.filter(learner__enrollments__classroom=c).aggregate(m=Avg("p_mastered"))["m"]
        out.append(ClassSummary(classroom=c, students=c.n_students, active_7d=active, answers_7d=recent.count(),
                                mean_mastery=mean, assignments=c.n_assignments))
    return out


def school_students(*, school: School) -> QuerySet[User]:
    """Students enrolled in any class of the school (or whose account belongs to it)."""
    return User.objects.filter(Q(enrollments__classroom__school=school) | Q(school=school),
                               role=User.Role.STUDENT).distinct()


def school_active_students(*, school: School, days: int, now: datetime | None = None) -> int:
    """Students of the school with at least one answer in the last ``days`` days."""
    now = now or timezone.now()
    return school_students(school=school).filter(attempts__submitted_at__gte=now - timedelta(days=days)) \
        .distinct().count()


def school_mastery_by_skill(*, school: School) -> tuple[list[Skill], list[Classroom], list[list[float | None]]]:
    """``(skills, classes, means)`` with ``means[i][j]`` the mean P(mastered) of skill ``i`` in class ``j``
    (over students who practised it)."""
    classes = list(Classroom.objects.filter(school=school).order_by("name", "id"))
    rows = (SkillMastery.objects.filter(learner__enrollments__classroom__in=classes)
            .values("skill_id", "learner__enrollments__classroom_id").annotate(m=Avg("p_mastered")))
    means = {(r["skill_id"], r["learner__enrollments__classroom_id"]): r["m"] for r in rows}
    skills = list(Skill.objects.filter(pk__in={k for k, _ in means}).order_by("order", "code"))
    return skills, classes, [[means.get((s.pk, c.pk)) for c in classes] for s in skills]


def school_explanations(*, school: School, days: int = 30, now: datetime | None = None) -> ExplanationUsage:
    """Explanation usage and verification over the school's students in the last ``days`` days."""
    now = now or timezone.now()
    qs = ExplanationTranscript.objects.filter(instance__learner__in=school_students(school=school).values("pk"),
                                              created_at__gte=now - timedelta(days=days))
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    checked = qs.filter(verified__isnull=False)
    n_checked = checked.count()
    verified = checked.filter(verified=True).count()
    waits, speeds = [], []
    for created, started, finished, tokens in qs.filter(started_at__isnull=False).values_list(
            "created_at", "started_at", "finished_at", "tokens")[:2000]:
        waits.append((started - created).total_seconds())
        if finished and tokens and finished > started:
            speeds.append(tokens / (finished - started).total_seconds())
    return ExplanationUsage(total=sum(by_status.values()), by_status=by_status,
                            verified_rate=verified / n_checked if n_checked else None, checked=n_checked,
                            median_wait_s=statistics.median(waits) if waits else None,
                            tokens_per_s=statistics.median(speeds) if speeds else None)


def _broker_queues() -> dict[str, object]:
    """Lengths of the Celery queues when the broker is Redis and answers within 0.5 s; else the reason."""
    from django.conf import settings

    url = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if getattr(settings, "EXPLANATION_RUNNER", "thread") != "celery":
        return {"mode": "embedded (explanations run in the web process)"}
    if not url.startswith(("redis://", "rediss://")):
        return {"mode": f"broker {url.split('://')[0] or 'unset'}: queue lengths not available"}
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return {"mode": "celery", **{f"queue_{q}": int(client.llen(q))
                                     for q in getattr(settings, "CELERY_TASK_QUEUES_NAMES", ("default",))}}
    except Exception as exc:  # noqa: BLE001 - any broker failure is a health finding, shown as text
        return {"mode": "celery", "error": f"broker unreachable: {type(exc).__name__}"}


def worker_health(*, now: datetime | None = None) -> WorkerHealth:
    """Inference workers seen in the last hour (last heartbeat, explanations finished, failures), the
    explanation queue (pending and streaming, oldest wait), failures in 24 h, and the broker's queues.
    ``status``: ``ok``, ``degraded`` (failures or a wait over a minute) or ``idle`` (no worker seen)."""
    from django.conf import settings

    now = now or timezone.now()
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    lease = timedelta(seconds=float(getattr(settings, "EXPLANATION_LEASE_S", 10.0)))
    workers = []
    rows = (ExplanationTranscript.objects.exclude(worker="").filter(created_at__gte=hour).values("worker")
            .annotate(last=Max("heartbeat_at"), finished=Count("id", filter=Q(status="done")),
                      failed=Count("id", filter=Q(status__in=["failed", "interrupted"])),
                      streaming=Count("id", filter=Q(status="streaming"))).order_by("worker"))
    for r in rows:
        alive = r["last"] is not None and now - r["last"] <= lease * 3
        workers.append({"name": r["worker"], "last_heartbeat": r["last"], "finished": r["finished"],
                        "failed": r["failed"], "streaming": r["streaming"], "alive": alive})
    pending_qs = ExplanationTranscript.objects.filter(status=ExplanationTranscript.Status.PENDING)
    oldest = pending_qs.order_by("created_at").values_list("created_at", flat=True).first()
    failed = ExplanationTranscript.objects.filter(status="failed", created_at__gte=day).count()
    interrupted = ExplanationTranscript.objects.filter(status="interrupted", created_at__gte=day).count()
    oldest_s = (now - oldest).total_seconds() if oldest else None
    status = "idle" if not workers else "ok"
    if failed or interrupted or (oldest_s is not None and oldest_s > 60):
        status = "degraded"
    return WorkerHealth(workers=workers, pending=pending_qs.count(),
                        streaming=ExplanationTranscript.objects.filter(status="streaming").count(),
                        oldest_pending_s=oldest_s, failed_24h=failed, interrupted_24h=interrupted,
                        broker=_broker_queues(), status=status)


def assignments_overview(*, classroom: Classroom) -> QuerySet[Assignment]:
    """The class's assignments with their set, newest first."""
    return Assignment.objects.filter(classroom=classroom).select_related("problem_set").order_by("-opens_at")
