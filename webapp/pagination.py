"""Numbered pages shared by the search results and the dashboard's categories table."""

from dataclasses import dataclass

# The deepest page any listing offers; a page number past it is refused (webapp/input_guard.py), so an
# offset can never overflow PostgreSQL's bigint. Searches stop ranking long before it anyway.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Pages:
    """Where a page sits among its pages, and which numbers the pager offers."""

    page: int
    last: int

    @property
    def numbers(self) -> list[int | None]:
        """Return first, last and a window around the current page (None marks a gap)."""
        shown = sorted({1, self.last, *range(max(1, self.page - 2), min(self.last, self.page + 2) + 1)})
        with_gaps: list[int | None] = []
        for number in shown:
            if with_gaps and number - with_gaps[-1] > 1:
                with_gaps.append(None)
            with_gaps.append(number)
        return with_gaps


def page_count(items: int, per_page: int) -> int:
    """Return how many pages `items` fill (at least one)."""
    return max(1, -(-items // per_page))
