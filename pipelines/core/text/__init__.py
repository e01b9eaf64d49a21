"""Stage 2, text: the Vietnamese text layer.

In: text as a reader produced it (a PDF text layer, OCR output, a text file's characters). Out:
the same text as Unicode NFC with tone marks in one canonical place, legacy encodings
(TCVN3, VNI, VIQR) detected and converted (``encodings``, ``lines``), paragraphs re-joined
(``normalize``, ``tones``), and a quality score from the syllable rules (``quality``).
``metrics`` measures a text against a known one (character and word error rates).
"""
