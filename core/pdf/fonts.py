"""The Unicode fonts every PDF embeds: DejaVu Sans (regular, bold, mono) with a CJK fallback.

reportlab's built-in Helvetica is not embedded and has no glyphs past Latin-1, so "Łukasiewicz"
or "王芳" printed as boxes. DejaVu Sans (Debian `fonts-dejavu-core`) covers Latin Extended, Greek
and Cyrillic; Droid Sans Fallback (Debian `fonts-droid-fallback`) covers CJK with TrueType
outlines, which reportlab can embed (Noto CJK is CFF-based, which it cannot). reportlab has no
automatic fallback, so `markup()` wraps each run of characters the main family lacks in the
fallback font, and `draw_string()` does the same on a canvas.

Fonts are looked up in PDF_FONT_DIRS (colon-separated) and then the Debian locations.
"""

from __future__ import annotations

import os
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from reportlab.graphics import shapes
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import tables

SANS = "PortalSans"
SANS_BOLD = "PortalSans-Bold"
MONO = "PortalMono"
CJK = "PortalCJK"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
    CJK: "DroidSansFallbackFull.ttf",
}
_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/droid",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
)


class FontMissingError(RuntimeError):
    """A font file the PDFs need is not installed (see the README: Fonts)."""


def _find(file_name: str) -> Path:
    extra = [d for d in os.environ.get("PDF_FONT_DIRS", "").split(":") if d]
    for directory in (*extra, *_DIRS):
        for candidate in (Path(directory) / file_name, *Path(directory).glob(f"*/{file_name}")):
            if candidate.is_file():
                return candidate
    raise FontMissingError(
        f"font {file_name} not found in {', '.join((*extra, *_DIRS))}: install the Debian packages "
        "fonts-dejavu-core and fonts-droid-fallback (or set PDF_FONT_DIRS)"
    )


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the families once per process (idempotent)."""
    for name, file_name in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(_find(file_name))))
    # <b> inside a Paragraph picks the bold face; the CJK fallback has one weight for both.
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
    pdfmetrics.registerFontFamily(CJK, normal=CJK, bold=CJK, italic=CJK, boldItalic=CJK)
    # A table cell starts in the cell style's font even when it holds a Paragraph or an image, and
    # reportlab's default is Helvetica: that alone put an unembedded font in every document.
    tables.CellStyle.fontname = SANS
    # The same for drawings: the renderer starts every chart by selecting its default font.
    shapes.STATE_DEFAULTS["fontName"] = SANS
    addMapping(MONO, 1, 0, MONO)
    addMapping(MONO, 0, 1, MONO)
    addMapping(MONO, 1, 1, MONO)


@lru_cache(maxsize=4)
def _coverage(font_name: str) -> frozenset[int]:
    register_fonts()
    font: Any = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)


def canvas_maker(*args: Any, **kwargs: Any) -> Canvas:
    """A canvas whose initial font is ours: reportlab's default preamble names Helvetica, unembedded."""
    register_fonts()
    return Canvas(*args, **{**kwargs, "initialFontName": SANS})


def runs(text: str, font_name: str = SANS) -> list[tuple[str, str]]:
    """Split `text` into (font, chunk) runs: the main font where it has the glyph, else the CJK fallback."""
    covered = _coverage(font_name)
    fallback = _coverage(CJK)
    result: list[tuple[str, str]] = []
    for char in text:
        code = ord(char)
        font = font_name if code in covered or code not in fallback or char.isspace() else CJK
        if result and result[-1][0] == font:
            result[-1] = (font, result[-1][1] + char)
        else:
            result.append((font, char))
    return result


def markup(text: object, font_name: str = SANS) -> str:
    """`text` escaped for a Paragraph, with runs the main font lacks set in the CJK fallback."""
    return "".join(
        escape(chunk, quote=False) if font == font_name else f'<font name="{CJK}">{escape(chunk, quote=False)}</font>'
        for font, chunk in runs(str(text), font_name)
    )


def string_width(text: str, font_name: str, size: float) -> float:
    """The printed width of `text`, fallback runs included."""
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs(text, font_name))


def draw_string(
    canvas: Any, x: float, y: float, text: str, *, font: str = SANS, size: float = 8, right: bool = False
) -> None:
    """Draw `text` on a canvas at (x, y), left- or right-aligned, switching to the fallback per run."""
    if right:
        x -= string_width(text, font, size)
    for run_font, chunk in runs(text, font):
        canvas.setFont(run_font, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, run_font, size)
