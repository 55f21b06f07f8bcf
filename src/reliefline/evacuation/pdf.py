"""A vehicle's manifest as a PDF file: a header on every page, one row per passenger.

fpdf2's core fonts cover Latin-1 only, so DejaVu Sans (shipped in fonts/, see its
README) is embedded and names print in Cyrillic. This module imports fpdf2, and with it
Pillow and fontTools (about a second): only `Manifest.as_pdf` imports it, when a PDF is
asked for, so a web worker starts without them.

The internal manifest has each passenger's code as a QR image (the field page reads it
to mark boarding and arrival). The checkpoint manifest has the columns it is given,
which are the four passage needs, and no image: a QR code would be one more field.
"""

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from reliefline.evacuation.models import ManifestKind

if TYPE_CHECKING:
    from reliefline.evacuation.services.manifests import Manifest

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
SIZE = 8  # points, headings and cells: eleven columns fit across landscape A4
PADDING = 1.0  # mm around a cell's text
QR_SIZE = 16.0  # mm: a phone camera reads it from a hand's length
NAME_MIN = 35.0  # mm


class ManifestDocument(FPDF):
    """An A4 document that repeats the manifest's header and numbers its pages."""

    def __init__(self, *, title: str, lines: Sequence[str], landscape: bool) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=15)
        self.heading = title
        self.lines = list(lines)
        self.set_title(title)
        self.set_creator("reliefline")

    def header(self) -> None:
        self.set_font(FAMILY, "B", 13)
        self.cell(0, 7, self.heading, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 9)
        for line in self.lines:
            self.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        # {nb} is fpdf2's alias for the page count, filled in when the file is written.
        text = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, text, align="R")


def _qr_png(code: str) -> io.BytesIO:
    image = io.BytesIO()
    segno.make(code, error="m").save(image, kind="png", scale=8, border=2)
    image.seek(0)
    return image


def _header_lines(manifest: "Manifest") -> list[str]:
    issue = manifest.issue
    # The printed page's heading (services.manifests.ManifestHeading): the route from the
    # gazetteer in the manifest's language, and every time on the assembly point's
    # clock, named: the checkpoint may keep Moscow time.
    heading = manifest.heading()
    # Whole lines as messages: makemessages cannot see a gettext call inside an f-string.
    return [
        _("Corridor: %(corridor)s · Convoy: %(convoy)s")
        % {"corridor": heading.route, "convoy": issue.vehicle.convoy.name},
        _("Vehicle: %(vehicle)s · Departure: %(departure)s · Assembly point: %(point)s")
        % {
            "vehicle": issue.vehicle.label,
            "departure": heading.departure,
            "point": heading.assembly_point,
        },
        _("No. %(n)s, issued %(at)s to %(to)s")
        % {"n": issue.pk, "at": heading.issued_at, "to": issue.recipient},
    ]


def _words_width(document: FPDF, texts: Iterable[str]) -> float:
    return max((document.get_string_width(word) for t in texts for word in t.split()), default=0)


def _widths(document: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Return each column's width in mm, the first (names) taking what the others leave.

    Every other column is as wide as its longest word, heading or cell, so no word
    (a code, a translated heading) breaks in the middle.
    """
    # fpdf2 keeps its cell margin inside the padding; half a millimetre against rounding.
    around = 2 * (PADDING + document.c_margin) + 0.5
    widths = []
    for i, heading in enumerate(headings):
        document.set_font(FAMILY, "B", SIZE)
        widest = _words_width(document, [heading])
        document.set_font(FAMILY, "", SIZE)
        widths.append(max(widest, _words_width(document, [row[i] for row in rows])) + around)
    widths[1] = max(document.epw - sum(widths) + widths[1], NAME_MIN)
    return widths


def manifest_pdf(manifest: "Manifest") -> bytes:
    """Return the manifest as an A4 PDF in the manifest's language."""
    internal = manifest.issue.kind == ManifestKind.INTERNAL
    with translation.override(manifest.issue.language):
        kind = _("Internal manifest") if internal else _("Checkpoint manifest")
        document = ManifestDocument(
            title=f"{kind} · {manifest.issue.vehicle.label}",
            lines=_header_lines(manifest),
            landscape=internal,
        )
        document.set_lang(manifest.issue.language)
        document.add_page()
        headings = ["#", *(manifest.headers[c] for c in manifest.columns)]
        rows = [
            [str(n), *(row[c] for c in manifest.columns)]
            for n, row in enumerate(manifest.rows, start=1)
        ]
        widths = _widths(document, headings, rows)
        if internal:
            headings.append(_("QR code"))
            widths.append(max(QR_SIZE + 2 * PADDING, _words_width(document, headings[-1:])))
        document.set_font(FAMILY, "", SIZE)
        with document.table(
            col_widths=widths,
            width=min(sum(widths), document.epw),
            align="LEFT",
            text_align="LEFT",
            v_align="MIDDLE",
            line_height=4.5,
            padding=PADDING,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        ) as table:
            table.row(headings)
            for cells, passenger in zip(rows, manifest.rows, strict=True):
                row = table.row()
                for text in cells:
                    row.cell(text)
                if internal:
                    row.cell(img=_qr_png(passenger["code"]), img_fill_width=True)
        if not manifest.rows:
            document.cell(0, 8, _("Nobody on this vehicle."), new_x="LMARGIN", new_y="NEXT")
        document.ln(12)
        document.set_font(FAMILY, "", 10)
        signature = "____________________"
        for line in (
            _("Issued by: %(signature)s") % {"signature": signature},
            _("Received by: %(signature)s") % {"signature": signature},
        ):
            document.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        # Inside the override: writing the file draws the last page's footer.
        return bytes(document.output())
