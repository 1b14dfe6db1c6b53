"""The call store: SQLAlchemy tables, Alembic migrations, and the repository the server writes through."""
