"""What pages and the API read: categories, documents, the dashboard, search answers, health; never a writer
of the pipeline."""
