"""The dotted paths that jobs stored by earlier versions name (`webapp.jobs.process_document`).

New jobs are enqueued by reference to the functions in services/pipeline/processing.py; these aliases
keep jobs already waiting in Redis runnable after an upgrade.
"""

from webapp.services.pipeline.processing import process_document, reprocess_document

__all__ = ["process_document", "reprocess_document"]
