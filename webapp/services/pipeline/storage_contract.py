"""What every storage backend shares: how a key looks, how temporary copies are named, the two ways a store fails."""

import re

DIGEST = re.compile(r"[0-9a-f]{64}")
# Temporary copies made beside the system's temp folder carry these prefixes, so stale ones can be found.
UPLOAD_PREFIX, FETCH_PREFIX = "workbooks-upload-", "workbooks-fetch-"


class StorageUnavailable(Exception):
    """The file store did not answer (down, unreachable, or refusing the credentials); try again later."""


class ObjectMissing(Exception):
    """No stored file has this digest."""
