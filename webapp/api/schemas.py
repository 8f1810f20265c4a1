"""Marshmallow schemas: the API's contract, also the source of its OpenAPI document."""

from flask import url_for
from marshmallow import Schema, fields, pre_load, validate

from webapp import names
from webapp.errors import ApiErrorSchema  # noqa: F401 - the routes name their error responses from here
from webapp.models import DocumentStatus, FailureKind
from webapp.models.category import NAME_MAX, REGION_MAX, TYPE_MAX
from webapp.pagination import MAX_PAGE
from webapp.services.answers import finder
from webapp.workbook.numbers import display_number


def _exact(value) -> str | None:
    return None if value is None else display_number(value)


def _name_field(label: str, limit: int, example: str, also_refused: str = "") -> fields.String:
    """A name the categories service accepts, documented as it checks it (trimmed; it gives the plain reasons)."""
    return fields.String(
        required=True, error_messages={"required": f"{label} is required."},
        metadata={"example": example, "pattern": names.pattern(limit, also_refused),
                  "description": f"At most {limit} characters besides spaces around them; not “.” or “..”; no control, "
                                 "invisible or direction characters" + (f"; no “{also_refused}”" if also_refused else "")},
    )


class CategoryInSchema(Schema):
    """Fields a new category needs (rules are checked by the categories service)."""

    name = _name_field("Name", NAME_MAX, "asian_phones", also_refused="/")
    region = _name_field("Region", REGION_MAX, "Asia")
    type = _name_field("Type", TYPE_MAX, "phones", also_refused="/")


class CategorySchema(Schema):
    """A category with its exact running total."""

    name = fields.String()
    region = fields.String()
    type = fields.String()
    total = fields.Function(lambda c: _exact(c.total), metadata={"type": "string", "example": "46.3"})
    documents = fields.Integer(metadata={"description": "Files counted in the total"})


class CategoryListSchema(Schema):
    """Every category."""

    categories = fields.List(fields.Nested(CategorySchema))


def _formulas(document) -> dict | None:
    """Say how many formulas had no computed result in the file, and what became of them."""
    facts = document.breakdown or {}
    if not facts.get("formulas_without_value"):
        return None
    return {key: facts.get(key, 0) for key in ("formulas_without_value", "formulas_computed", "formulas_not_computed")}


class DocumentSchema(Schema):
    """One uploaded file and where it is in processing."""

    id = fields.Integer()
    filename = fields.String()
    category = fields.Function(lambda d: d.category.name)
    status = fields.String(metadata={"enum": [status.value for status in DocumentStatus]})
    total = fields.Function(lambda d: _exact(d.total), metadata={"type": "string", "nullable": True})
    error = fields.String(allow_none=True)
    failure_kind = fields.String(
        allow_none=True,
        metadata={"enum": [kind.value for kind in FailureKind] + [None], "description":
                  "why a failed file failed: file, missing and memory fail the same way again; timeout and crash "
                  "may succeed on retry; null when not failed (or failed before kinds were recorded)"},
    )
    searchable = fields.Boolean()
    url = fields.Function(lambda d: url_for("main.document", document_id=d.id))
    reader = fields.Function(
        lambda d: (d.breakdown or {}).get("reader"),
        metadata={"type": "string", "nullable": True, "description": "the library that read the file"},
    )
    formulas = fields.Function(
        _formulas,
        metadata={"type": "object", "nullable": True,
                  "description": "formula cells the writer never computed: how many, computed by the app, counting nothing"},
    )
    uploaded_at = fields.DateTime(attribute="created_at", metadata={"description": "When the file was uploaded"})
    uploaded_by = fields.Function(lambda d: d.uploaded_by.username if d.uploaded_by else None,
                                  metadata={"type": "string", "nullable": True, "description": "Username; null if unknown"})


class AcceptedDocumentSchema(Schema):
    """A file just accepted and queued."""

    id = fields.Integer()
    filename = fields.String()
    status = fields.String()
    url = fields.Function(lambda d: url_for("main.document", document_id=d.id))


class AcceptedSchema(Schema):
    """Files accepted and queued."""

    documents = fields.List(fields.Nested(AcceptedDocumentSchema))
    queue = fields.Function(
        lambda a: "ok" if a.queue_available else "unavailable",
        metadata={"type": "string", "enum": ["ok", "unavailable"],
                  "description": "`unavailable`: the files are stored and stay `queued`; processing starts when the queue is back"},
    )
    message = fields.Function(
        lambda a: "Queued; processing has started." if a.queue_available
        else "Safely stored; processing starts when the queue is back (it is unavailable right now).",
        metadata={"type": "string"},
    )


class DocumentListSchema(Schema):
    """A category's files with their status."""

    category = fields.Nested(CategorySchema)
    pending = fields.Integer()
    documents = fields.List(fields.Nested(DocumentSchema))


class UploadSchema(Schema):
    """One or more workbooks, each in a part named `file` (at most MAX_FILES_PER_UPLOAD, 100 unless configured)."""

    file = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True, metadata={"minItems": 1})

    @pre_load
    def _refused_after_the_category(self, data, **kwargs):
        """Leave a missing `file` to the upload's own refusal, so an unknown category is a 404 first."""
        return data if "file" in data else {"file": []}


class TypeSumSchema(Schema):
    """sum_type: the exact sum of every counted file in categories of one type."""

    type = fields.String(attribute="key")
    total = fields.Function(lambda g: _exact(g.total), metadata={"type": "string"})
    documents = fields.Integer(metadata={"description": "Files counted in the total"})
    pending = fields.Integer(metadata={"description": "Files still queued or processing"})


# A search needs a word: text that is not only spaces.
_WORDS = {"pattern": r"\S", "example": "widget"}


class RegionsQuerySchema(Schema):
    """find_regions' term."""

    term = fields.String(required=True, error_messages={"required": finder.BLANK_QUERY}, metadata=_WORDS)


class RegionsSchema(Schema):
    """find_regions: regions with at least one file containing the term."""

    term = fields.String()
    regions = fields.List(fields.String())
    files = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "Matching files per region"})
    files_is_estimate = fields.Dict(
        keys=fields.String(), values=fields.Boolean(),
        metadata={"description": "Per region: true when counting stopped early, so at least `files` files match"},
    )


class SearchQuerySchema(Schema):
    """A search and its filters."""

    q = fields.String(required=True, error_messages={"required": finder.BLANK_QUERY}, metadata=_WORDS)
    type = fields.String(load_default="")
    region = fields.String(load_default="")
    category = fields.String(load_default="")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


_HTML = "escaped HTML: `<`, `>`, `&`, quotes written as entities; only <mark>…</mark> is markup"


class HitSchema(Schema):
    """One matching file: `highlights` and `locations` (`cell` and `text`) are escaped HTML; the other fields are plain text."""

    document_id = fields.Function(lambda r: r.document.id)
    filename = fields.Function(lambda r: r.document.filename)
    category = fields.Function(lambda r: r.document.category.name)
    region = fields.Function(lambda r: r.document.category.region)
    type = fields.Function(lambda r: r.document.category.type)
    highlights = fields.Function(
        lambda r: [str(h) for h in r.highlights],
        metadata={"type": "array", "description": f"Snippets around the first matches, {_HTML}",
                  "items": {"type": "string"}},
    )
    locations = fields.Function(
        lambda r: [{"cell": str(loc.cell), "text": str(loc.html)} for loc in r.locations],
        metadata={
            "type": "array",
            "description": "First cells holding the words (anywhere in the file, phrases and exclusions honoured)",
            "items": {"type": "object", "properties": {
                "cell": {"type": "string",
                         "description": "The cell, like `Prices!B7` or `&#39;Q1 &amp; Q2&#39;!B7`: escaped HTML, no markup"},
                "text": {"type": "string", "description": f"The cell's text, {_HTML}"},
            }},
        },
    )


class SearchPageSchema(Schema):
    """One page of search results."""

    query = fields.String()
    total = fields.Integer()
    total_is_estimate = fields.Boolean(metadata={"description": "True when counting stopped early: at least `total` files match"})
    page = fields.Integer()
    hits = fields.List(fields.Nested(HitSchema), attribute="results")

