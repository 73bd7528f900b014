"""The operational store: SQLAlchemy tables, repositories, unit of work, Alembic migrations."""
