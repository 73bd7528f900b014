"""The public site (政策集成主页): guide, Q&A, publicity lists with search and download, objections, callbacks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wengang import bootstrap
from wengang.domain.errors import Refused
from wengang.services import callbacks, objection_follow, public, public_statistics
from wengang.services.activation import CODE_HOURS, CODE_TRIES
from wengang.services.portal import today
from wengang.web.deps import SettingsDep, Signed, StoreDep, is_htmx, limited, render
from wengang.web.guide_plain import plain_guide
from wengang.web.words import OBJECTION_PUBLIC

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Text = Annotated[str, Form(max_length=2000)]


def reference_key(request: Request) -> bytes:
    """The key of objection references (from the key file, read once): one reference per objection, unguessable."""
    state = request.app.state
    if getattr(state, "reference_key", None) is None:
        state.reference_key = bootstrap.keys(state.settings).key("objection-reference")
    return state.reference_key


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep):
    """The policy home page: apply, lists, lookup, guide, Q&A, how it works; the lists open now."""
    lists = [b for b in public.batches(store=store)][:5]
    return render(request, "public/home.html", {"lists": lists, "packs": public.packs()})


@router.get("/guide", response_class=HTMLResponse)
def guide_index(request: Request):
    """Every policy pack, to choose one."""
    return render(request, "public/guide_index.html", {"packs": public.packs()})


@router.get("/guide/{pack_id}", response_class=HTMLResponse)
def guide(request: Request, pack_id: str):
    """One pack in plain words: what, who, how much, how it is paid, the dates, and the documents behind each."""
    return render(request, "public/guide.html", {"guide": plain_guide(pack_id)})


@router.get("/faq", response_class=HTMLResponse)
def faq(request: Request):
    """政策问答: the questions employers ask most."""
    return render(request, "public/faq.html")


@router.get("/howto", response_class=HTMLResponse)
def howto(request: Request):
    """系统操作演示: the journeys a unit and the public take, step by step, with screenshots of the real pages."""
    return render(request, "public/howto.html", {"code_hours": CODE_HOURS, "code_tries": CODE_TRIES})


@router.get("/statistics", response_class=HTMLResponse)
def statistics(request: Request, store: StoreDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    """公开统计: a year's payments by district and programme, small cells withheld."""
    return render(request, "public/statistics.html", {"s": public_statistics.statistics(store=store, year=year)})


@router.get("/publicity", response_class=HTMLResponse)
def lists(request: Request, store: StoreDep):
    """Every publicity list with its period and a download link."""
    return render(request, "public/lists.html", {"lists": public.batches(store=store)})


@router.get("/publicity/objection", response_class=HTMLResponse)
def objection_lookup(request: Request, ref: Annotated[str, Query(max_length=40)] = ""):
    """The box to type a reference in; a typed one goes to its page."""
    if ref.strip():
        return RedirectResponse(f"/publicity/objection/{ref.strip().upper()}", status_code=303)
    return render(request, "public/follow.html", {"found": None})


@router.get("/publicity/objection/{ref}", response_class=HTMLResponse)
def objection_follow_page(request: Request, store: StoreDep, ref: Annotated[str, PathParam(max_length=40)]):
    """Where an objection stands, by its reference: status and the decision's reason in words, contact masked."""
    found = objection_follow.follow(ref, store=store, key=reference_key(request))
    return render(request, "public/follow.html", {"found": found, "status": OBJECTION_PUBLIC[found.status]})


@router.get("/publicity/{number}", response_class=HTMLResponse)
def listing(request: Request, store: StoreDep, number: str, q: Annotated[str, Query(max_length=100)] = "",
            page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    """A list, searchable by name or credit code; htmx asks only for the rows."""
    found = public.list_page(number, store=store, query=q, page=page)
    return render(request, "public/_rows.html" if is_htmx(request) else "public/list.html", {"list": found})


@router.get("/publicity/{number}/download.xlsx", dependencies=[limited("downloads")])
def download(request: Request, store: StoreDep, number: Annotated[str, PathParam(max_length=40)]):
    """The whole list as the xlsx the agency publishes (public columns only): kept per list version and limited per
    client, and not audited (the list is public; staff exports through the CLI are)."""
    found, data = request.app.state.list_files.file(number, store=store)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="publicity-{found}.xlsx"', "Cache-Control": "no-cache"})


@router.get("/publicity/{number}/object", response_class=HTMLResponse)
def objection_form(request: Request, store: StoreDep, number: str, uscc: Annotated[str, Query(max_length=18)]):
    """The form to object to one entry of a list (only entries on the list)."""
    found = public.list_page(number, store=store, query=uscc)
    if not found.rows:
        raise Refused(f"{found.batch.label}公示名单中没有 {uscc} / {uscc} is not on this list")
    return render(request, "public/object.html", {"list": found, "entry": found.rows[0]})


@router.post("/publicity/{number}/object", response_class=HTMLResponse, dependencies=[limited("forms")])
def objection_submit(request: Request, store: StoreDep, number: str, uscc: Annotated[str, Form(max_length=18)],
                     contact: Annotated[str, Form(max_length=40)], text: Text,
                     objector: Annotated[str, Form(max_length=50)] = ""):
    """Anyone may object to an entry during its period: a phone that is no phone stores nothing and says why; a
    recorded objection gives its reference to follow the outcome. The contact is kept private."""
    try:
        done, ref = objection_follow.raise_public(number, uscc, store=store, key=reference_key(request),
                                                  contact=contact, text=text, objector=objector or None,
                                                  raised_on=today(store))
    except Refused as err:
        found = public.list_page(number, store=store, query=uscc)
        if not found.rows:
            raise
        return render(request, "public/object.html", {"list": found, "entry": found.rows[0], "error": str(err),
                                                      "sent": {"text": text, "contact": contact,
                                                               "objector": objector}}, 422)
    return render(request, "public/objected.html", {"reference": ref, "contact": done.contact,
                                                    "number": number})


@router.get("/callback", response_class=HTMLResponse)
def callback_form(request: Request):
    """The “呼我必回” form."""
    return render(request, "public/callback.html")


@router.post("/callback", response_class=HTMLResponse, dependencies=[limited("forms")])
def callback_submit(request: Request, store: StoreDep, settings: SettingsDep, principal: Signed, phone: Annotated[str, Form(max_length=20)],
                    question: Text, name: Annotated[str, Form(max_length=50)] = ""):
    """“呼我必回”: leave a number and a question; staff are told at once and call back."""
    unit = principal.uscc if principal and principal.uscc else None
    done = callbacks.request(phone, question, store=store, uscc=unit, name=name or None,
                             source="portal" if unit else "public", url=settings.public_url)
    return render(request, "message.html", {
        "title": ("已收到", "Received"), "status": 200,
        "message": f"回电请求 #{done.id} 已提交, 工作人员将回电 {done.phone} / callback request #{done.id} "
                   f"is in; staff will call {done.phone} back"})


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request):
    """The OpenAPI reference (Swagger UI served from static/, started by a script file: no CDN, no inline code)."""
    return render(request, "docs.html")
