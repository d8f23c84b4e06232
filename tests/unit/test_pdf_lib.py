"""lib/pdf.py: the fonts every PDF draws in, and the Latin-1 fold when DejaVu is missing."""

from fpdf import FPDF

from orchestration.lib.pdf import CORE_FONT, FONT_DIR, FONT_NAME, latin1, unicode_fonts, use_fonts


def test_latin1_keeps_what_the_core_font_draws_and_folds_the_rest():
    assert latin1("§ 11357(b) JOSÉ") == "§ 11357(b) JOSÉ"
    assert latin1("“Q” – ŁUKASZ ≥ 21 × 2…") == '"Q" - LUKASZ >= 21 x 2...'
    assert latin1("Nguyễn") == "Nguyen"  # accents outside Latin-1 lose the accent only
    assert latin1("李") == "?"  # nothing close: a visible mark, never a dropped character


def test_without_dejavu_the_core_font_and_the_fold(tmp_path):
    pdf = FPDF()
    family, text = use_fonts(pdf, tmp_path / "no-fonts")
    assert (family, text) == (CORE_FONT, latin1)
    assert not unicode_fonts(None)


def test_with_dejavu_text_is_drawn_unchanged():
    if not unicode_fonts(FONT_DIR):  # scripts/ensure_chromium.sh installs fonts-dejavu-core
        family, _ = use_fonts(FPDF(), FONT_DIR)
        assert family == CORE_FONT
        return
    pdf = FPDF()
    family, text = use_fonts(pdf, FONT_DIR)
    assert family == FONT_NAME and text("李 “Q”") == "李 “Q”"
    pdf.add_page()
    pdf.set_font(family, "B", 10)  # both styles registered
    pdf.cell(text="李 “Q”")
