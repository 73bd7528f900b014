"""Where the channels' providers call back (issue 16.3): the SMS gateway posts delivery receipts, WeChat pushes the
end of each template message; each is refused unless its signature checks out, and applied once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from wengang import bootstrap
from wengang.services import delivery
from wengang.web.deps import SettingsDep, StoreDep

router = APIRouter(prefix="/api/v1/channels", tags=["channels 渠道回执"], include_in_schema=False)
REFUSED = "签名无效 / bad signature"


@router.post("/sms/receipts")
async def sms_receipts(request: Request, store: StoreDep, settings: SettingsDep,
                       signature: Annotated[str, Header(alias="X-Sms-Signature", max_length=200)] = ""):
    """The SMS gateway's delivery receipts (signed with the callback secret): delivered or failed, each once."""
    receipts = bootstrap.sms_receipts(await request.body(), signature, settings)
    if receipts is None:
        return JSONResponse({"code": 403, "msg": REFUSED}, status_code=403)
    return {"code": 0, "msg": "成功", "applied": delivery.apply_receipts(receipts, store=store)}


@router.get("/wechat/events")
def wechat_check(request: Request, settings: SettingsDep):
    """WeChat's one-time check of this server's address: echo `echostr` when its signature is ours."""
    echo = bootstrap.wechat_echo(dict(request.query_params), settings)
    return PlainTextResponse(REFUSED, status_code=403) if echo is None else PlainTextResponse(echo)


@router.post("/wechat/events")
async def wechat_event(request: Request, store: StoreDep, settings: SettingsDep):
    """An event WeChat pushes: the end of a template message is its receipt; anything else is taken and ignored."""
    signed, receipt = bootstrap.wechat_receipt(dict(request.query_params), await request.body(), settings)
    if not signed:
        return PlainTextResponse(REFUSED, status_code=403)
    if receipt is not None:
        delivery.apply_receipts([receipt], store=store)
    return Response("success", media_type="text/plain")
