"""The web app: public site, employer portal, staff back office and the JSON API (FastAPI + Jinja2 + htmx)."""
