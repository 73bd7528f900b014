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
    lookups_per_hour: int = 10            # progress look-up codes asked for per client address and hour
    dashboard_seconds: int = 30           # how long a computed dashboard is reused


DEMO = "(演示数据)"


class SiteSettings(BaseSettings):
    """Who runs the public site, as a government service page names it (env prefix WENGANG_SITE_). Every default is a
    demo value and says so on the page: a deployment sets the real authority, hotline and filing numbers."""

    model_config = SettingsConfigDict(env_prefix="WENGANG_SITE_")

    authority: str = f"XX市人力资源和社会保障局 {DEMO}"
    authority_en: str = "XX Municipal Human Resources and Social Security Bureau (demo)"
    hotline: str = "12333"
    office_hours: str = "工作日 9:00-12:00, 13:30-17:00 (法定节假日除外)"
    office_hours_en: str = "working days 9:00-12:00 and 13:30-17:00 Beijing time (public holidays excepted)"
    address: str = f"XX市XX区XX路1号 政务服务中心 {DEMO}"
    site_code: str = f"0000000000 {DEMO}"          # 网站标识码, ten digits issued to government sites
    icp: str = f"京ICP备00000000号 {DEMO}"
    police_record: str = f"京公网安备 00000000000000号 {DEMO}"
