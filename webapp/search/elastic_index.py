"""The Elasticsearch index layout: versioned indices `<alias>-vN` behind one alias, and the client."""

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError

from webapp.search.base import SearchUnavailable

log = logging.getLogger(__name__)

# A page waits at most this long for an Elasticsearch that stopped answering, then shows "unavailable";
# writes that fail are retried by the sweeper, so no retry on a timeout here.
REQUEST_TIMEOUT = 10
# Wrong credentials, overload and cluster trouble mean "try again later", never "bad input".
_UNAVAILABLE = {401, 403, 408, 429}

# One shard holds tens of millions of these documents; `flask search reindex` can change it later.
SETTINGS = {
    "number_of_shards": 1,
    # A 50 MB workbook is a few thousand chunks; Elasticsearch's default allows 10,000 nested objects.
    "mapping.nested_objects.limit": 100_000,
    "analysis": {
        "analyzer": {"folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]}}
    },
}
# One Elasticsearch document per file; its text in nested chunks (webapp/search/chunks.py) in order, so
# a file of any size is indexed whole and a hit says which chunks hold the words (`_nested.offset`).
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "document_id": {"type": "long"},
        "category_id": {"type": "keyword"},
        "chunks": {
            "type": "nested",
            "properties": {
                "text": {"type": "text", "analyzer": "folded"},
                "numbers": {"type": "text", "analyzer": "folded"},
            },
        },
    },
}


@contextmanager
def reachable(action: str) -> Iterator[None]:
    """Turn "Elasticsearch cannot serve this now" into SearchUnavailable; let real mistakes through."""
    try:
        yield
    except TransportError as exc:
        raise SearchUnavailable(f"Elasticsearch {action}: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status >= 500 or exc.meta.status in _UNAVAILABLE:
            raise SearchUnavailable(f"Elasticsearch {action}: {exc}") from exc
        raise


def connect(config: Mapping) -> Elasticsearch:
    """Build a client from the app's settings; certificates are always verified."""
    ca_certs = config.get("ELASTICSEARCH_CA_CERTS") or None
    if ca_certs and not Path(ca_certs).is_file():
        raise RuntimeError(f"ELASTICSEARCH_CA_CERTS is {ca_certs!r}, which is not a file.")
    password = config.get("ELASTICSEARCH_PASSWORD")
    auth = (config.get("ELASTICSEARCH_USERNAME") or "elastic", password) if password else None
    return Elasticsearch(
        config["ELASTICSEARCH_URL"], basic_auth=auth, ca_certs=ca_certs,
        request_timeout=REQUEST_TIMEOUT, max_retries=1, retry_on_timeout=False,
    )


class VersionedIndices:
    """The alias searches and writes go through, and the numbered indices that can stand behind it."""

    def __init__(self, client: Elasticsearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self._ready = False

    def ensure_alias(self) -> None:
        """Create `<alias>-v1` behind the alias the first time anything is written."""
        if self._ready:
            return
        with reachable("create index"):
            if not self.client.indices.exists_alias(name=self.alias):
                first = f"{self.alias}-v1"
                if not self.create(first, aliases={self.alias: {}}):
                    self.client.indices.put_alias(index=first, name=self.alias)
        self._ready = True

    def forget(self) -> None:
        """Check the alias again before the next write (someone removed it)."""
        self._ready = False

    def create(self, name: str, aliases: dict | None = None) -> bool:
        """Create a versioned index with our analyzer and mapping; return False if it already existed."""
        try:
            self.client.indices.create(index=name, settings=SETTINGS, mappings=MAPPINGS, aliases=aliases or {})
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
            return False
        return True

    def live(self) -> list[str]:
        """Return the indices behind the alias now (none before the first write)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def next_name(self) -> str:
        """Return `<alias>-v{N+1}` for the highest N that exists."""
        pattern = re.compile(rf"^{re.escape(self.alias)}-v(\d+)$")
        try:
            names = self.client.indices.get_alias(index=f"{self.alias}-v*").body
        except NotFoundError:
            names = {}
        versions = [int(m.group(1)) for name in names if (m := pattern.match(name))]
        return f"{self.alias}-v{max(versions, default=0) + 1}"

    def swap(self, old: list[str], new: str) -> None:
        """Point the alias from the old indices to the new one in a single atomic request."""
        self.client.indices.update_aliases(
            actions=[{"remove": {"index": name, "alias": self.alias}} for name in old]
            + [{"add": {"index": new, "alias": self.alias}}]
        )
        self._ready = True

    def drop_quietly(self, names: list[str]) -> None:
        """Delete indices by name, logging (not raising) if that fails."""
        if not names:
            return
        try:
            self.client.indices.delete(index=",".join(names))
        except (TransportError, ApiError) as exc:
            log.warning("job=reindex indices=%s state=left_behind reason=%r", ",".join(names), str(exc))
