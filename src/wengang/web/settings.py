"""Web settings (env prefix WENGANG_WEB_): cookies, sessions, rate limits; read when the app is made, not at import."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Knobs of the web app; the defaults are the production ones (Secure cookies)."""

    model_config = SettingsConfigDict(env_prefix="WENGANG_WEB_")

    cookie_secure: bool = True            # False only for plain-HTTP loopback (`wengang serve` on 127.0.0.1)
    login_per_minute: int = 10            # sign-in and activation tries per client address and minute
    forms_per_minute: int = 20            # public objections and callback requests per client address and minute
    downloads_per_minute: int = 10        # publicity xlsx downloads per client address and minute
    dashboard_seconds: int = 30           # how long a computed dashboard is reused
