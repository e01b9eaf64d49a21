"""PDF/A-2b: what the copy's metadata says, and what a source keeps it from."""

from __future__ import annotations

import datetime as dt

import pikepdf

from pipelines.core.publish import pdfa


def test_a_source_that_breaks_pdfa_by_itself_is_named():
    """A font the source never embedded keeps a copy from PDF/A: said, not hidden."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.add_resource(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                           BaseFont=pikepdf.Name.Helvetica)), pikepdf.Name.Font, "/F1")
    found = pdfa.make_pdfa(pdf, title="Bản tin", authors=["Hồng Vân"], date=dt.date(2014, 5, 22), subject=None,
                           producer="test", created=dt.datetime(2026, 1, 1))
    assert found == ["page 1: font Helvetica not embedded"]
    meta = pdf.open_metadata()
    assert meta["dc:title"] == "Bản tin" and meta["pdfaid:part"] == "2"
