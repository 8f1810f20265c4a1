"""The dashboard as a download: its categories, totals by type and totals by region, each ending with its total."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from webapp.exports.naming import stem
from webapp.exports.tables import COUNT, NUMBER, TOTAL_LABEL, Column, Export, Sheet
from webapp.services.answers import categories

CATEGORY_COLUMNS = [
    Column(_l("Name"), width=28), Column(_l("Region")), Column(_l("Type")),
    Column(_l("Files counted"), COUNT, 14), Column(_l("Files pending"), COUNT, 14), Column(TOTAL_LABEL, NUMBER, 30),
]


def _group_columns(label) -> list[Column]:
    return [Column(label, width=24), Column(_l("Categories"), COUNT, 12), Column(_l("Files counted"), COUNT, 14),
            Column(_l("Files pending"), COUNT, 14), Column(TOTAL_LABEL, NUMBER, 30)]


@dataclass
class _Sum:
    """What one group (a type, a region, or everything listed) adds up to."""

    spelling: str = ""
    categories: int = 0
    documents: int = 0
    pending: int = 0
    total: Decimal = Decimal(0)

    def add(self, spelling: str, documents: int, pending: int, total: Decimal) -> None:
        """Count one category in, keeping the group's first spelling by sort order as the dashboard does."""
        self.spelling = min(self.spelling, spelling) if self.spelling else spelling
        self.categories += 1
        self.documents += documents
        self.pending += int(pending)
        self.total += total

    def row(self, label: str | None = None) -> tuple:
        """Return the group's row: its name, categories, files counted, files pending and exact total."""
        return (label or self.spelling, self.categories, self.documents, self.pending, self.total)


class _Tally:
    """Sums by type, by region and overall, made while the categories stream past (one read, one moment)."""

    def __init__(self) -> None:
        self.by_type: dict[str, _Sum] = {}
        self.by_region: dict[str, _Sum] = {}
        self.everything = _Sum()

    def rows(self, listed):
        """Yield each category's row while adding it to every sum it belongs to."""
        for name, region, type, region_key, type_key, documents, pending, total in listed:
            for sums, key, spelling in ((self.by_type, type_key, type), (self.by_region, region_key, region)):
                sums.setdefault(key, _Sum()).add(spelling, documents, pending, total)
            self.everything.add("", documents, pending, total)
            yield (name, region, type, documents, pending, total)

    def category_footer(self) -> tuple:
        """Return the categories sheet's total row."""
        overall = self.everything
        return (TOTAL_LABEL, None, None, overall.documents, overall.pending, overall.total)

    @staticmethod
    def groups(sums: dict[str, _Sum]):
        """Yield one row per group, sorted by its key as the dashboard's tables are (read once the categories are)."""
        for key in sorted(sums):
            yield sums[key].row()


def totals(type: str = "", region: str = "") -> Export:
    """Return the dashboard's export, honouring its type and region filters on every sheet."""
    tally = _Tally()
    return Export(stem("totals", type, region), [
        Sheet(_l("Categories"), CATEGORY_COLUMNS, tally.rows(categories.each_category(type, region)), tally.category_footer),
        Sheet(_l("Totals by type"), _group_columns(_l("Type")), tally.groups(tally.by_type),
              lambda: tally.everything.row(TOTAL_LABEL)),
        Sheet(_l("Totals by region"), _group_columns(_l("Region")), tally.groups(tally.by_region),
              lambda: tally.everything.row(TOTAL_LABEL)),
    ])

