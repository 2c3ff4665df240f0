"""Figure helpers: matplotlib's object-oriented Agg canvas (no pyplot, no global backend),
imported lazily; every figure is saved as PNG (fixed pixel size) and PDF."""

from __future__ import annotations

from pathlib import Path

from pepcert.pep.errors import BadInput

DPI = 100


def new_figure(width: float, height: float):
    """A matplotlib ``Figure`` of ``width x height`` inches (``DPI`` pixels each) on Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure, out: Path, stem: str) -> tuple[str, str]:
    """Write ``out/stem.png`` and ``out/stem.pdf``; returns their paths."""
    png, pdf = Path(out) / f"{stem}.png", Path(out) / f"{stem}.pdf"
    try:
        figure.savefig(png, format="png", dpi=DPI)
        figure.savefig(pdf, format="pdf")
    except OSError as error:
        raise BadInput(f"cannot write {str(png)!r}: {error.strerror or error}") from None
    return str(png), str(pdf)


def write_csv(frame, out: Path, stem: str) -> str:
    path = Path(out) / f"{stem}.csv"
    try:
        frame.to_csv(path, index=False)  # floats as repr: shortest round-trip
    except OSError as error:
        raise BadInput(f"cannot write {str(path)!r}: {error.strerror or error}") from None
    return str(path)




def plain_log_ticks(axes) -> None:
    """Decimal tick labels on a log y axis (``0.5`` rather than ``5 x 10^-1``)."""
    from matplotlib.ticker import FormatStrFormatter

    axes.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
    axes.yaxis.set_minor_formatter(FormatStrFormatter("%.3g"))
