"""The people each synthetic unit names for social insurance (DATA.md `contacts`): a legal representative, often a
社保专办员, sometimes finance; some units name nobody, a few have turned texts off."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from wengang.snapshot.generator_codes import DIGITS, digits, fixed_strings
from wengang.snapshot.generator_units import City

NONE_SHARE, SPECIALIST_SHARE, FINANCE_SHARE, OPT_OUT_SHARE, EMAIL_SHARE, WECHAT_SHARE = (
    0.08, 0.45, 0.12, 0.03, 0.3, 0.2)
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强玉兰海燕文斌晓东雪琳")
_OPENID = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", np.uint8)


def contacts_table(rng: np.random.Generator, city: City) -> pa.Table:
    """1 to 3 contacts for most units (a legal representative first), none for about one in twelve; valid mobiles."""
    n = len(city.uscc)
    named = rng.random(n) >= NONE_SHARE
    roles = [("legal_representative", named), ("hr_specialist", named & (rng.random(n) < SPECIALIST_SHARE)),
             ("finance", named & (rng.random(n) < FINANCE_SHARE))]
    units = np.concatenate([np.flatnonzero(has) for _, has in roles])
    role = np.concatenate([np.full(int(has.sum()), r, object) for r, has in roles])
    order = np.argsort(units, kind="stable")
    units, role = units[order], role[order]
    m = len(units)
    surname = np.array(_SURNAMES, object)[rng.integers(0, len(_SURNAMES), m)]
    given = np.array(_GIVEN, object)[rng.integers(0, len(_GIVEN), (m, 2))]
    short = rng.random(m) < 0.3
    names = [s + g[0] + ("" if one else g[1]) for s, g, one in zip(surname, given, short, strict=True)]
    second = rng.integers(3, 10, m)
    phone = fixed_strings(np.column_stack([np.full(m, ord("1"), np.uint8), DIGITS[second],
                                           DIGITS[digits(rng.integers(0, 10**9, m), 9)]]))
    mail = rng.random(m) < EMAIL_SHARE
    email = pa.array([f"hr{i:06d}@unit{u % 997}.example.cn" if has else None
                      for i, (u, has) in enumerate(zip(units, mail, strict=True))], pa.string())
    wechat = rng.random(m) < WECHAT_SHARE
    openid = fixed_strings(np.column_stack([np.full(m, ord("o"), np.uint8),
                                            _OPENID[rng.integers(0, len(_OPENID), (m, 27))]]))
    opt_out = rng.random(m) < OPT_OUT_SHARE
    return pa.table({
        "uscc": city.uscc.take(pa.array(units, pa.int64())),
        "role": pa.array(role.tolist(), pa.string()),
        "name": pa.array(names, pa.string()),
        "phone": phone,
        "email": email,
        "wechat_openid": pa.array(openid.to_pylist(), pa.string(), mask=~wechat),
        "sms_opt_out": pa.array(opt_out),
    })
