"""What every PDF the project draws with fpdf2 shares: the fonts and reproducible bytes.

The court documents (exports/court_pdf.py) and the report (exports/report.py) draw in DejaVu Sans
when the Debian fonts are installed (any script a name may be written in), else in the core
Helvetica with the text folded to Latin-1 ('§' and 'é' survive, the rest degrades to its
closest ASCII). Their creation date is the as-of date at midnight UTC, so the same decisions
give the same bytes on every re-run.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # fpdf2 style -> file
FONT_NAME = "DejaVu"
CORE_FONT = "Helvetica"

_LATIN1_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "*",
        "≥": ">=",
        "≤": "<=",
        "×": "x",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Œ": "OE",
        "œ": "oe",
        "ı": "i",
    }
)


def latin1(text: str) -> str:
    """Text the core (Latin-1) fonts can draw: '§' and 'é' survive, the rest degrade."""
    text = text.translate(_LATIN1_MAP)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def unicode_fonts(font_dir: Path | None = FONT_DIR) -> bool:
    """Whether DejaVu Sans (regular and bold) is installed in font_dir."""
    return font_dir is not None and all((font_dir / f).is_file() for f in FONT_FILES.values())


def use_fonts(pdf: Any, font_dir: Path | None = FONT_DIR) -> tuple[str, Callable[[str], str]]:
    """Register DejaVu Sans on `pdf` when installed. Returns the font family to draw in and the
    function every drawn string goes through (unchanged for DejaVu, `latin1` for Helvetica)."""
    if not unicode_fonts(font_dir):
        return CORE_FONT, latin1
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT_NAME, style=style, fname=str(font_dir / file))
    return FONT_NAME, str


def fix_creation_date(pdf: Any, as_of: date) -> None:
    """The document's creation date is the as-of date (midnight UTC): re-runs repeat bytes."""
    pdf.set_creation_date(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC))
