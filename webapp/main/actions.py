"""Routes that change a document or category after upload (retry, delete): owned by issue 4's work."""
