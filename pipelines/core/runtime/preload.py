"""Imported once by the worker processes' forkserver, so that every worker starts warm.

Workers are forked from a server that has already imported the readers and built the caches
below: without this, each worker would pay for them again (the gazetteer's name index alone
takes about half a second to build).
"""

from pipelines.core.metadata import gazetteer
from pipelines.core.runtime import document  # noqa: F401  (the readers, pdfplumber, pdfium, OpenCV)

gazetteer.find_provinces("Thư viện tỉnh Quảng Ninh")  # builds and caches the name index
