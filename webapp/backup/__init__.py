"""Backups: one archive holding the database, the stored files and a manifest; restore only into an empty installation.

`archive` writes and verifies the archive, `postgres` runs pg_dump, pg_restore and psql, `create` and `restore`
are the two operations the `flask backup …` commands call.
"""
