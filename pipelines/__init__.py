"""Bulletin archive: files → pages → text → articles → a DuckDB warehouse."""

__version__ = "0.1.0"
