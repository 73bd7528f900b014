"""Business dates are Beijing dates: "today" for a publicity list is the Asia/Shanghai day of the moment (UTC+8)."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")   # no daylight saving since 1991: a fixed offset


def beijing_date(moment: dt.datetime) -> dt.date:
    """The Beijing calendar day of a moment kept as naive UTC (as the store keeps its times) or as an aware one."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).date()
