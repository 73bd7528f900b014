"""The people tables of the web app (users, sessions, callbacks): filled in by the web issue."""

from __future__ import annotations
