"""`python worker.py` with the ledger taken out, for bench/ledger.py's baseline: the count's increment is the
plain `UPDATE categories SET total = total + :amount` the product ran before the ledger, and no row is written.
Bench-only: nothing here is reachable from the product.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

PLAIN_INCREMENT = text("""
    UPDATE categories SET total = total + CAST(:amount AS numeric), documents = documents + :files, updated_at = now()
     WHERE id = :category_id
 RETURNING name, total
""")


def take_out_ledger():
    """Make every change of a total the plain increment, writing no ledger row; return the product's statement."""
    from webapp.services.pipeline import ledger

    product, ledger._CHANGE = ledger._CHANGE, PLAIN_INCREMENT
    return product


def put_back_ledger(product) -> None:
    """Undo take_out_ledger()."""
    from webapp.services.pipeline import ledger

    ledger._CHANGE = product


if __name__ == "__main__":
    take_out_ledger()
    sys.argv[0] = str(ROOT / "worker.py")
    runpy.run_path(str(ROOT / "worker.py"), run_name="__main__")
