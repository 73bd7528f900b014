"""In-memory fakes of the store's ports (cosmicpython style), for fast service tests: same rules, same errors."""

from tests.fakes.store import FakeStore, FakeUnitOfWork

__all__ = ["FakeStore", "FakeUnitOfWork"]
