"""Render page 1 of a published court document and of the report to PNGs for the README.

python -m devtools.readme_images data/demo/exports docs/images
"""

import sys
from pathlib import Path


def render_first_page(pdf: Path, png: Path, scale: float = 1.4) -> None:
    import pypdfium2 as pdfium  # dev dependency: only for documentation images

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        page.render(scale=scale).to_pil().save(png, optimize=True)
    finally:
        doc.close()


def main(argv: list[str]) -> int:
    exports, target = Path(argv[0]), Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    court = sorted(exports.glob("*/us_ca_prop64_court_order.pdf"))[0]
    render_first_page(court, target / "court_order_page1.png")
    render_first_page(exports / "report" / "report.pdf", target / "report_page1.png")
    print(f"rendered {court.relative_to(exports)} and report/report.pdf into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
