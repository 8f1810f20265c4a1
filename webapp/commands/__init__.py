"""`flask …` command groups, one module each."""
