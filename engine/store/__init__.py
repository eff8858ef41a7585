"""Persistence: SQLModel tables, the repository, migrations. The only SQL in the project."""
