"""Access copies: what the archive hands its readers.

In: a document's raw file (only read), its OCR words and page text in force, its metadata in
force (``v_pages``, ``v_articles``, ``documents``). Out: a PDF/A-2b file beside the warehouse
whose pages show the original images unchanged under an invisible, searchable Unicode text
layer, and its row in ``access_copies``.

    geometry.py    word boxes of the cleaned image mapped back to the original page
    textlayer.py   the invisible text: an embedded Vietnamese font subset, words placed on their boxes
    pdfa.py        PDF/A-2b: XMP metadata, the output intent, what PDF/A forbids removed
    copies.py      one document's copy: built, written beside the warehouse, recorded
"""
