"""Vietnamese text: legacy encodings (TCVN3, VNI, VIQR), NFC and tone marks, paragraphs, quality."""
