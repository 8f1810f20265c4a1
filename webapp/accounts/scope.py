"""Region scope: which categories the person asking may see. Every answer and lookup filters through here.

A user limited to regions sees and changes only categories of those regions; a user with no regions
listed sees every region. Outside a request (commands, the worker, benchmarks) everything is visible.
"""

from dataclasses import dataclass, field

from flask import has_request_context
from flask_login import current_user

from webapp import names
from webapp.models import Category, Document
from webapp.workbook.wording import said


class OutsideScope(Exception):
    """The person asking may not act in this region; the message names the regions they may use."""


@dataclass(frozen=True)
class Scope:
    """The regions one may see (as name keys: NFC, case-folded); None means every region."""

    regions: frozenset[str] | None
    # The regions as the user's account spells them, for messages.
    names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, regions: list[str] | tuple[str, ...] | None) -> "Scope":
        """Return the scope of a user's region list (empty: every region)."""
        if not regions:
            return cls(None)
        return cls(frozenset(names.key(r) for r in regions), tuple(sorted(regions, key=names.key)))

    @classmethod
    def nothing(cls) -> "Scope":
        """Return the scope of someone who may see no region at all."""
        return cls(frozenset())

    @property
    def everything(self) -> bool:
        """Tell whether every region is visible."""
        return self.regions is None

    @property
    def key(self) -> tuple:
        """Return a hashable key: answers kept for one scope are never served to another."""
        return ("all",) if self.regions is None else tuple(sorted(self.regions))

    def allows(self, region: str | None) -> bool:
        """Tell whether a category of this region is visible."""
        return self.regions is None or names.key(region or "") in self.regions

    def visible(self, query):
        """Return the query limited to categories of visible regions (unchanged when every region is)."""
        if self.regions is None:
            return query
        return query.where(Category.region_key.in_(sorted(self.regions)))

    def visible_documents(self, query):
        """Return a query over documents limited to those of visible categories."""
        if self.regions is None:
            return query
        return self.visible(query.join(Category, Category.id == Document.category_id))

    def require(self, region: str) -> None:
        """Raise OutsideScope unless a category of this region is visible."""
        if not self.allows(region):
            raise OutsideScope(said("You can only use categories in these regions: %(regions)s.",
                                    regions=", ".join(self.names) or said("none")))


EVERYTHING = Scope(None)


def current() -> Scope:
    """Return the scope of whoever is asking: nothing for an anonymous request, everything outside a request."""
    if not has_request_context():
        return EVERYTHING
    return current_user.scope  # the request's Visitor, or Anonymous (webapp/accounts/identity.py)
