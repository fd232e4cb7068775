"""Printable documents (PDF) rendered on the server with ReportLab.

The shared machinery of every paper form: the CJK font (WenQuanYi Micro Hei, a TrueType font shipped in
``core/fonts``; ReportLab embeds the glyphs a document uses with a ToUnicode map, so every reader shows it
and its text can be searched and copied), a page with the platform's header, the document's title, and a
footer with who printed it, when (Beijing time) and "第 x 页 共 y 页"; paragraphs that escape whatever a
user typed; a label/value form grid and a data table; ID numbers masked per the registry's rule; and
:class:`PrintView`, the view every app's "打印" link answers through: it reads the object through the app's
scoped selector (another county's record is a 404), renders the document and writes an audit event.

Apps write their documents as lists of flowables (``fanxiang/<app>/printing.py``) and call :func:`render`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fanxiang.core import audit
from fanxiang.core.validators import mask_id_number, mask_mobile

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
FONT = "FxSans"
FALLBACK_FONT = "STSong-Light"  # ReportLab's built-in CID font: not embedded, needs the reader's CJK fonts
PLATFORM = "周口市返乡入乡创业服务平台"
PAGE = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
WIDTH = PAGE[0] - 2 * MARGIN_X  # the frame's width
LINE = colors.HexColor("#333333")
SHADE = colors.HexColor("#f0f0f0")
EMPTY = "—"


@functools.cache
def font_name() -> str:
    """Register the document font once per process; its name for styles and canvases."""
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    except Exception:  # the file is part of the repository; only a broken checkout lacks it
        logger.exception(
            "CJK font %s not usable; falling back to %s (not embedded)", FONT_FILE, FALLBACK_FONT
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT
    # one face serves every style: <b>/<i> in a paragraph map to it instead of failing
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
    return FONT


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    base = ParagraphStyle("fx-body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle("fx-title", base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": ParagraphStyle("fx-subtitle", base, fontSize=10, leading=14, alignment=TA_CENTER),
        "heading": ParagraphStyle(
            "fx-heading", base, fontSize=12.5, leading=18, spaceBefore=10, spaceAfter=4
        ),
        "cell": ParagraphStyle("fx-cell", base, fontSize=9.5, leading=13),
        "label": ParagraphStyle(
            "fx-label", base, fontSize=9.5, leading=13, textColor=colors.HexColor("#222222")
        ),
        "small": ParagraphStyle(
            "fx-small", base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")
        ),
        "right": ParagraphStyle("fx-right", base, fontSize=9.5, leading=13, alignment=TA_RIGHT),
    }


# --------------------------------------------------------------------------- text


def text(value: Any) -> str:
    """A value as printed: dates ISO, times in Beijing time to the minute, booleans 是/否, nothing as —."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return beijing(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def beijing(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware time as Beijing time (Asia/Shanghai, the project's TIME_ZONE)."""
    if value is None:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(fmt)


def para(value: Any, style: str | ParagraphStyle = "cell") -> Paragraph:
    """A paragraph of plain text: markup characters a user typed are escaped, line breaks kept."""
    st = styles()[style] if isinstance(style, str) else style
    return Paragraph(escape(text(value)).replace("\n", "<br/>"), st)


def masked_id_number(value: str | None) -> str:
    """An ID number as a document prints it: always masked (first 4 and last 4 characters kept, as the
    registry stores ``id_number_masked``); an already-masked value passes unchanged."""
    if not value:
        return ""
    return value if "*" in value else mask_id_number(value)


def masked_mobile(value: str | None) -> str:
    if not value:
        return ""
    return value if "*" in value else mask_mobile(value)


def money(value: Any) -> str:
    """Yuan with thousands separators and two decimals (the pages' format)."""
    if value is None or value == "":
        return EMPTY
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


# --------------------------------------------------------------------------- flowables


class DocumentTitle(Flowable):
    """Marks where a document starts: draws the title and tells the page header which document it is on
    (one PDF may hold several, e.g. the application form and its approval sheet)."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.title = title
        self.subtitle = subtitle
        self._parts = [para(title, "title"), *([para(subtitle, "subtitle")] if subtitle else [])]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._sizes = [p.wrap(avail_width, avail_height) for p in self._parts]
        self.width = avail_width
        self.height = sum(h for _, h in self._sizes) + 8
        return self.width, self.height

    def draw(self) -> None:
        self.canv._fx_document = self.title
        y = self.height - 4
        for part, (_, h) in zip(self._parts, self._sizes, strict=True):
            y -= h
            part.drawOn(self.canv, 0, y)


@dataclass(frozen=True)
class Field:
    """One label/value cell pair of a form grid; ``wide`` takes the whole row."""

    label: str
    value: Any
    wide: bool = False


def heading(value: str) -> Paragraph:
    return para(value, "heading")


def form_grid(
    fields: Sequence[Field | tuple[str, Any]], *, columns: int = 2, label_width: float = 28 * mm
) -> Table:
    """A bordered form grid: ``columns`` label/value pairs per row, labels shaded, wide fields span the row."""
    items = [f if isinstance(f, Field) else Field(*f) for f in fields]
    value_width = (WIDTH - columns * label_width) / columns
    widths = [label_width, value_width] * columns
    rows: list[list[Any]] = []
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.6, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    row: list[Any] = []

    def shade(r: int, pairs: int) -> None:
        style.extend(("BACKGROUND", (2 * c, r), (2 * c, r), SHADE) for c in range(pairs))

    def flush() -> None:
        nonlocal row
        if row:
            shade(len(rows), len(row) // 2)
            row += [""] * (2 * columns - len(row))
            rows.append(row)
            row = []

    for item in items:
        cells = [
            para(item.label, "label"),
            item.value if isinstance(item.value, Flowable) else para(item.value),
        ]
        if item.wide:
            flush()
            shade(len(rows), 1)
            style.append(("SPAN", (1, len(rows)), (2 * columns - 1, len(rows))))
            rows.append(cells + [""] * (2 * columns - 2))
            continue
        row += cells
        if len(row) == 2 * columns:
            flush()
    flush()
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle(style))
    return table


def data_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float] | None = None,
    empty: str = "无",
) -> Table:
    """A data table: shaded header row repeated on every page, each cell a wrapping paragraph."""
    body = [[c if isinstance(c, Flowable) else para(c) for c in r] for r in rows]
    if not body:
        body = [[para(empty)] + [""] * (len(headers) - 1)]
        spans = [("SPAN", (0, 1), (-1, 1))]
    else:
        spans = []
    if widths is None:
        widths = [WIDTH / len(headers)] * len(headers)
    else:  # fractions of the frame's width
        total = sum(widths)
        widths = [WIDTH * w / total for w in widths]
    table = Table([[para(h, "label") for h in headers], *body], colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                *spans,
            ]
        )
    )
    return table


def signature_block(*parties: str) -> KeepTogether:
    """Signature and date lines ("申请人（签字/盖章）：______  ____年__月__日"), kept on one page."""
    date = Paragraph("&nbsp;" * 10 + "年" + "&nbsp;" * 5 + "月" + "&nbsp;" * 5 + "日", styles()["right"])
    rows = [[para(f"{p}（签字/盖章）：", "body"), "", date] for p in parties]
    table = Table(rows, colWidths=[WIDTH * 0.3, WIDTH * 0.34, WIDTH * 0.36], rowHeights=[15 * mm] * len(rows))
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LINEBELOW", (1, 0), (1, -1), 0.6, LINE)])
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def note(value: str) -> Paragraph:
    return para(value, "small")


# --------------------------------------------------------------------------- page and document


class _PagedCanvas(Canvas):
    """Draws the header and footer once every page is known, so the footer can say "共 y 页"."""

    def __init__(self, *args: Any, fx_meta: PrintMeta, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fx_meta = fx_meta
        self._fx_document = fx_meta.title
        self._fx_pages: list[dict] = []

    def showPage(self) -> None:  # ReportLab's name
        self._fx_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        # pages count per document: a PDF holding two forms numbers each form's pages from 1
        documents = [state["_fx_document"] for state in self._fx_pages]
        totals = {name: documents.count(name) for name in documents}
        seen: dict[str, int] = {}
        for state in self._fx_pages:
            self.__dict__.update(state)
            name = state["_fx_document"]
            seen[name] = seen.get(name, 0) + 1
            self._decorate(seen[name], totals[name])
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        meta, font = self._fx_meta, font_name()
        width, height = PAGE
        self.saveState()
        self.setStrokeColor(LINE)
        self.setLineWidth(0.5)
        self.setFont(font, 9)
        top = height - MARGIN_TOP + 8 * mm
        self.drawString(MARGIN_X, top, PLATFORM)
        self.drawRightString(width - MARGIN_X, top, self._fx_document)
        self.line(MARGIN_X, top - 2 * mm, width - MARGIN_X, top - 2 * mm)
        bottom = MARGIN_BOTTOM - 10 * mm
        self.line(MARGIN_X, bottom + 4 * mm, width - MARGIN_X, bottom + 4 * mm)
        self.setFont(font, 8)
        self.drawString(
            MARGIN_X, bottom, f"打印人：{meta.printed_by}　打印时间：{beijing(meta.printed_at)}（北京时间）"
        )
        self.drawRightString(width - MARGIN_X, bottom, f"第 {number} 页　共 {total} 页")
        self.restoreState()


@dataclass(frozen=True)
class PrintMeta:
    title: str
    printed_by: str
    printed_at: dt.datetime
    subject: str = ""


def render(
    story: Sequence[Flowable],
    *,
    title: str,
    printed_by: str = "",
    printed_at: dt.datetime | None = None,
    subject: str = "",
) -> bytes:
    """Lay ``story`` out on A4 pages with the platform's header and footer; the PDF's bytes."""
    meta = PrintMeta(
        title=title, printed_by=printed_by or EMPTY, printed_at=printed_at or timezone.now(), subject=subject
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=PLATFORM,
        subject=subject,
        creator=PLATFORM,
        lang="zh-CN",
        # the document font from the start, so no page lists ReportLab's default Helvetica
        initialFontName=font_name(),
    )
    doc.build(list(story), canvasmaker=functools.partial(_PagedCanvas, fx_meta=meta))
    return buf.getvalue()


def pdf_response(data: bytes, filename: str, *, attachment: bool = False) -> HttpResponse:
    """The PDF inline (the browser's viewer prints it); never cached, it carries personal data."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = "no-store"
    return response


class PrintView(LoginRequiredMixin, View):
    """``GET …/print.pdf``: the object through the app's scoped selector (:meth:`get_object` raises 404
    outside the user's scope), its document (:meth:`build`), and one audit event per print (what was
    printed; ID numbers on paper are always masked, so a print is an export, never a reveal)."""

    document = ""  # the document's name, for the audit log

    def get_object(self) -> models.Model:
        raise NotImplementedError

    def build(self, obj: models.Model) -> tuple[bytes, str, str]:
        """The PDF's bytes, its file name and the document name(s) it holds."""
        raise NotImplementedError

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        data, filename, document = self.build(obj)
        audit.record_event(
            event=audit.EVENT_EXPORT,
            actor=request.user,
            obj=obj,
            request=request,
            data={"format": "pdf", "document": document or self.document, "reveal": False},
        )
        return pdf_response(data, filename)

    def printed_by(self) -> str:
        user = self.request.user
        return getattr(user, "display_name", "") or user.get_username()
