"""The ASGI entry point uvicorn imports (`wengang serve`, or any ASGI server): settings come from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from wengang.web.app import create_app


def make() -> FastAPI:
    """A fresh app per worker process."""
    return create_app()
