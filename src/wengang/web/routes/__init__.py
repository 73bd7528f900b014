"""Routes by area: public site, sign-in, employer portal, staff back office, and the /api/v1 JSON API."""
