"""Reader and writer for the standard 3-line knowledge-tracing format.

One learner per three lines::

    n                      number of answers
    s_1,s_2,...,s_n        skill id of each answer (any token without commas)
    c_1,c_2,...,c_n        correctness of each answer, 0 or 1

This is the format of the ASSISTments splits shipped by public DKT/DKVMN repositories. Blank lines between
records and a trailing comma at the end of a line are tolerated (some releases have them). Each answer becomes
an :class:`~curriculum.mastery.state.Observation` testing one skill, whose item id is the skill id (the format
has no item ids) and whose timestamp is 0 (the format has no times).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from curriculum.mastery.errors import KTFormatError
from curriculum.mastery.state import Observation

Learner = tuple[str, list[Observation]]


def _split(line: str) -> list[str]:
    parts = [p.strip() for p in line.strip().split(",")]
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def parse_kt_lines(lines: Iterable[str], *, source: str = "<data>") -> list[Learner]:
    """Parse 3-line records into ``[(learner_id, [Observation, ...]), ...]``; learner ids are ``"<source>#k"``.

    Raises :class:`KTFormatError` naming the line number on any malformed record.
    """
    rows = [(i + 1, ln.strip()) for i, ln in enumerate(lines)]
    rows = [(i, ln) for i, ln in rows if ln]
    if len(rows) % 3 != 0:
        raise KTFormatError(f"{source}: {len(rows)} non-blank lines, not a multiple of 3")
    out: list[Learner] = []
    for k in range(0, len(rows), 3):
        (ln_n, n_txt), (ln_s, s_txt), (ln_c, c_txt) = rows[k: k + 3]
        try:
            n = int(n_txt.rstrip(","))
        except ValueError:
            raise KTFormatError(f"{source}:{ln_n}: expected the number of answers, got {n_txt[:40]!r}") from None
        skills = _split(s_txt)
        answers = _split(c_txt)
        if n <= 0:
            raise KTFormatError(f"{source}:{ln_n}: the number of answers must be positive, got {n}")
        if len(skills) != n:
            raise KTFormatError(f"{source}:{ln_s}: expected {n} skill ids, got {len(skills)}")
        if len(answers) != n:
            raise KTFormatError(f"{source}:{ln_c}: expected {n} answers, got {len(answers)}")
        if any(not s for s in skills):
            raise KTFormatError(f"{source}:{ln_s}: empty skill id")
        bad = [a for a in answers if a not in ("0", "1")]
        if bad:
            raise KTFormatError(f"{source}:{ln_c}: answers must be 0 or 1, got {bad[0]!r}")
        obs = [Observation(skills=(s,), item_id=s, correct=(a == "1"), timestamp=0.0)
               for s, a in zip(skills, answers)]
        out.append((f"{source}#{k // 3}", obs))
    if not out:
        raise KTFormatError(f"{source}: no learners")
    return out


def read_kt_file(path: str | Path) -> list[Learner]:
    """Read a 3-line file (see module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise KTFormatError(f"cannot read {p}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KTFormatError(f"{p}: not UTF-8 text") from None
    return parse_kt_lines(text.splitlines(), source=p.name)


def format_kt(learners: Sequence[tuple[Sequence[str], Sequence[int]]]) -> str:
    """Render ``[(skill_ids, answers), ...]`` in the 3-line format (used to generate test data)."""
    lines = []
    for skills, answers in learners:
        if len(skills) != len(answers) or not skills:
            raise KTFormatError("each learner needs as many answers as skill ids, at least one")
        lines += [str(len(skills)), ",".join(skills), ",".join(str(int(a)) for a in answers)]
    return "\n".join(lines) + "\n"
