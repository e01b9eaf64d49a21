"""The core: plain functions with no Dagster imports.

Each module does one job: ``files`` finds and identifies files, ``pdf``/``images``/``textfile``
read them, ``ocr`` runs Tesseract, ``extract`` routes a file to the right reader,
``vietnamese`` repairs and normalizes text, ``articles`` splits bulletins, ``dates``,
``places`` and ``people`` extract metadata, ``warehouse`` writes DuckDB.
"""
