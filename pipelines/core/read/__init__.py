"""Stage 1, read: a file in, pages out.

In: a path and its media type (identified from the bytes by ``files``). Out: a list of
``models.Page``, each with its text and how it was read: a PDF page from its text layer
(``pdf``, repaired by the text stage) or rendered and read by OCR after clean-up (``routing``
decides, ``cleanup`` prepares, ``ocr`` runs Tesseract), image frames (``images``) by OCR, text
files (``textfile``) as one page. ``pages`` puts them together.
"""
