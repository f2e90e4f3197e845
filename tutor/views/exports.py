"""CSV exports of a class: every answer, and the per-skill mastery snapshot (streamed, spreadsheet-safe)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tutor.selectors.dashboards import attempts_csv_rows, mastery_csv_rows
from tutor.selectors.school import classroom_get_for_teacher
from tutor.views.access import teacher_required


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming ``csv.writer`` output."""

    def write(self, value: str) -> str:
        return value


def _csv_response(rows: Iterable[tuple], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # UTF-8 byte order mark: spreadsheet programs then read accents correctly
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")[:40] or "class"


@teacher_required
@require_GET
def attempts_csv(request: HttpRequest, classroom_id: int) -> StreamingHttpResponse:
    """Every answer of the class's students, oldest first (columns: ``ATTEMPT_COLUMNS``)."""
    classroom = classroom_get_for_teacher(teacher=request.user, classroom_id=classroom_id)
    stamp = timezone.now().strftime("%Y%m%d")
    return _csv_response(attempts_csv_rows(classroom=classroom), f"{_slug(classroom.name)}-attempts-{stamp}.csv")


@teacher_required
@require_GET
def mastery_csv(request: HttpRequest, classroom_id: int) -> StreamingHttpResponse:
    """P(mastered) per student and skill (columns: ``MASTERY_COLUMNS``)."""
    classroom = classroom_get_for_teacher(teacher=request.user, classroom_id=classroom_id)
    stamp = timezone.now().strftime("%Y%m%d")
    return _csv_response(mastery_csv_rows(classroom=classroom), f"{_slug(classroom.name)}-mastery-{stamp}.csv")
