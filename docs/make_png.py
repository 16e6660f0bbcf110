"""Makes docs/table.png, the compiled LaTeX table shown in docs/formats.md:
``python docs/make_png.py`` (needs pdflatex and pdftoppm, from Debian's
texlive-latex-base, texlive-latex-recommended and poppler-utils)."""

import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

import symcnn  # noqa: E402

# The page is cut to the table: the box is measured, the page made its size.
PAGE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{array}
\usepackage{booktabs}
\usepackage{tabularx}
\begin{document}
\setbox0=\vbox{\hsize=\textwidth\parindent=0pt %s}
\pdfpagewidth=\dimexpr\wd0+12pt\relax
\pdfpageheight=\dimexpr\ht0+\dp0+12pt\relax
\pdfhorigin=6pt
\pdfvorigin=6pt
\shipout\box0
\end{document}
"""


def main() -> None:
    net = symcnn.load(DOCS.parent / "examples" / "cifar.cnn")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "table.tex").write_text(PAGE % net.to_latex(), encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
                       cwd=tmp, check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-png", "-gray", "-r", "150", "-singlefile", "table.pdf",
                        str(DOCS / "table")], cwd=tmp, check=True)
    print(DOCS / "table.png")


if __name__ == "__main__":
    main()
