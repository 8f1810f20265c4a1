"""A category's History tab, "Total on a date" on the category page and the dashboard, a file's own changes."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from webapp.accounts import access
from webapp.main import bp
from webapp.main.lookups import category_or_404
from webapp.services.answers import history

# The chart's drawing area in SVG units; it stretches to the card's width, its labels are HTML beside it.
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 1000, 300, 8


@dataclass(frozen=True)
class Chart:
    """A step line of a category's total over time, with the values its axis labels show."""

    points: list[tuple[datetime, Decimal]]
    path: str
    zero_y: float | None
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class OnDate:
    """The answer of a "Total on a date" picker: what was asked, and the totals then (or why not)."""

    asked: str
    at: datetime | None = None
    error: str | None = None
    answer: object = None


@bp.route("/categories/<name>/history")
@access.viewer
def category_history(name):
    """Show how a category's total moved: a chart of it over time and every change, newest first."""
    category = category_or_404(name)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    changes, pages = history.changes(category, page)
    return render_template(
        "main/history.html", category=category, changes=changes, pages=pages,
        page_url=lambda n: url_for("main.category_history", name=category.name, page=n) + "#changes-heading",
        chart=chart(history.chart_points(category)),
    )


def chart(points: list[tuple[datetime, Decimal]]) -> Chart | None:
    """Return the chart of these (time, total after) points, oldest first; None with fewer than one."""
    if not points:
        return None
    low, high = min(min(v for _, v in points), Decimal(0)), max(max(v for _, v in points), Decimal(0))
    start, last = points[0][0].timestamp(), points[-1][0].timestamp()
    # The last total stands on after its change: leave a twentieth of the width for it to be seen.
    span, height = (last - start) * 1.05 or 1.0, (high - low) or Decimal(1)

    def x(at: datetime) -> float:
        return (at.timestamp() - start) / span * CHART_WIDTH

    def y(value: Decimal) -> float:
        return CHART_PAD + float((high - value) / height) * (CHART_HEIGHT - 2 * CHART_PAD)

    # From nothing to the first total, then a step at every change.
    steps = [f"M{x(points[0][0]):.1f},{y(Decimal(0)):.1f}V{y(points[0][1]):.1f}"]
    for at, value in points[1:]:
        steps.append(f"H{x(at):.1f}V{y(value):.1f}")
    steps.append(f"H{CHART_WIDTH}")
    return Chart(points, "".join(steps), y(Decimal(0)) if low < 0 < high else None, low, high)


def _on_date(answer) -> OnDate | None:
    """Read ?as_of= and answer it with `answer(at)`; None when nothing was asked."""
    asked = request.args.get("as_of", "").strip()
    if not asked:
        return None
    try:
        at = history.parse_instant(asked)
    except history.InvalidInstant as exc:
        return OnDate(asked, error=exc.in_page_language())
    return OnDate(asked, at, answer=answer(at))


@bp.app_template_global()
def category_on_date(category) -> OnDate | None:
    """Answer the category page's "Total on a date" picker, if it was used."""
    return _on_date(lambda at: history.category_as_of(category, at))


@bp.app_template_global()
def totals_on_date() -> OnDate | None:
    """Answer the dashboard's "Total on a date" picker (totals by type and by region), if it was used."""
    return _on_date(history.totals_as_of)


@bp.app_template_global()
def document_changes(document) -> list[history.Change]:
    """Return what a file did to its category's total, oldest first."""
    return history.document_changes(document)


KIND_WORDS = {"opening": _l("opening balance"), "counted": _l("counted"), "removed": _l("deleted"),
              "reprocessed": _l("reprocessed"), "withdrawn": _l("reprocessed, now failing"), "repaired": _l("repaired")}
bp.add_app_template_global(KIND_WORDS, "LEDGER_KIND_WORDS")


@bp.app_template_filter("picker_value")
def picker_value(at: datetime | None) -> str:
    """Write an instant as a datetime-local field's value (UTC)."""
    return "" if at is None else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
