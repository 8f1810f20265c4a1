"""Everything that changes a document or a total, exactly once: uploads, storage, queue, processing,
sweeper, resubmission, removal, reconcile and the test-only fault hooks."""
