"""A pupil's safeguarding chronology as a file to hand over: HTML and PDF.

For a child protection case conference or a transfer to a new school, a DSL needs the
chronology on paper: marked confidential, with the school's name, the pupil's name and date
of birth, dates in words and people by name and role. `services.chronology` gathers it
(checking the policy and writing the audit log); this module only lays it out, so the command
line and the staff web page export the same file.

The HTML comes from a Jinja2 template (package data, autoescaped: what staff wrote is shown
as text, never as markup). The PDF is drawn with fpdf2 in DejaVu Sans, the Unicode font that
ships with matplotlib, so a name like Kacper Wiśniewski or a quotation in any script prints
as written, with no font downloaded at run time.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

import matplotlib
from fpdf import FPDF
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from sendbot.services import chronology
from sendbot.services.actors import StaffActor

Format = Literal["html", "pdf"]
FORMATS: tuple[Format, ...] = ("html", "pdf")
CONFIDENTIAL = (
    "CONFIDENTIAL: child protection record. Share only with those who need it to keep this "
    "child safe, and keep it separately from the pupil's main file."
)
FONT = "DejaVu"


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("sendbot.services", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
    )


def entries_words(record: chronology.Chronology) -> str:
    count = len(record.entries)
    return "1 entry" if count == 1 else f"{count} entries"


def render_html(record: chronology.Chronology) -> str:
    return (
        _templates().get_template("chronology.html").render(c=record, entries=entries_words(record))
    )


def _font_file(name: str) -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


class _Document(FPDF):
    """An A4 page with the confidentiality line at the top and the page number below."""

    def __init__(self, record: chronology.Chronology) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.record = record
        self.add_font(FONT, "", str(_font_file("DejaVuSans.ttf")))
        self.add_font(FONT, "B", str(_font_file("DejaVuSans-Bold.ttf")))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.set_title(f"Safeguarding chronology: {record.pupil_name}")
        self.set_subject("Confidential child protection record")
        self.set_author(record.school_name)
        self.set_creator("sendbot")
        self.set_creation_date(record.prepared_at)

    def header(self) -> None:
        self.set_font(FONT, "B", 8)
        self.set_text_color(139, 0, 0)
        self.multi_cell(
            0,
            4,
            f"CONFIDENTIAL: child protection record. {self.record.pupil_name}, "
            f"{self.record.school_name}",
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    def line_of(self, text: str, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")


def render_pdf(record: chronology.Chronology, *, compress: bool = True) -> bytes:
    """The chronology as a PDF. `compress=False` leaves the page text readable in the file
    (tests read it back without a PDF library)."""
    pdf = _Document(record)
    pdf.set_compression(compress)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.line_of(CONFIDENTIAL, 10, bold=True)
    pdf.ln(3)
    pdf.line_of("Safeguarding chronology", 18, bold=True, height=9)
    pdf.ln(1)
    class_words = f", {record.class_name}" if record.class_name else ""
    left = "" if record.on_roll else " (no longer on roll)"
    for label, value in (
        ("School", record.school_name),
        ("Pupil", record.pupil_name),
        ("Date of birth", record.date_of_birth_words),
        ("Year group", f"{record.year_group}{class_words}{left}"),
        ("Prepared by", record.prepared_by),
        ("Prepared on", record.prepared_when),
    ):
        pdf.line_of(f"{label}: {value}")
    pdf.ln(3)
    pdf.line_of("Concerns", 13, bold=True, height=7)
    if not record.concerns:
        pdf.line_of("No concerns have been recorded about this pupil.")
    for line in record.concerns:
        pdf.line_of(f"Concern {line.number}, logged {line.raised}: {line.status}")
    pdf.ln(3)
    pdf.line_of("Chronology, oldest first", 13, bold=True, height=7)
    for entry in record.entries:
        pdf.ln(2)
        concern = f"  ·  Concern {entry.concern}" if entry.concern else ""
        pdf.line_of(f"{entry.when}{concern}", 10, bold=True)
        pdf.line_of(entry.heading, 10)
        if entry.text:
            pdf.line_of(entry.text, 10)
        for fact in entry.facts:
            pdf.line_of(f"•  {fact}", 9, height=4.5)
    pdf.ln(4)
    pdf.line_of(f"End of chronology: {entries_words(record)}. CONFIDENTIAL.", 9, bold=True)
    return bytes(pdf.output())


def export(
    session: Session, actor: StaffActor, pupil_id: int, now: datetime, fmt: Format
) -> tuple[chronology.Chronology, bytes]:
    """The file's bytes for the DSL or a deputy, audited as an export in the caller's
    transaction (write the file before committing); refused as the chronology is."""
    if fmt not in FORMATS:
        raise ValueError(f"The format must be one of: {', '.join(FORMATS)}.")
    record = chronology.for_pupil(session, actor, pupil_id, now, purpose=fmt)
    data = render_pdf(record) if fmt == "pdf" else render_html(record).encode("utf-8")
    return record, data


def file_name(record: chronology.Chronology, fmt: Format) -> str:
    """A name with no child's name in it (files get listed, mailed and backed up)."""
    return f"chronology-pupil-{record.pupil_id}-{record.prepared_at:%Y%m%d-%H%M}.{fmt}"
