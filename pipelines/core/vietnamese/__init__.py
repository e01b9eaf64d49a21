"""Vietnamese text: normalization, paragraph reconstruction (legacy encodings come later)."""
