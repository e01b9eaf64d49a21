"""A DuckDB session that notes what each statement's table scans read (DuckDB's profiler):
which table, which columns, with which filters. Tests use it to say what a step does not read
(a query's shape), which holds whatever the machine's speed or memory."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Scan:
    table: str  # as the profiler names it: 'articles' (the warehouse), 'search_cache.main.postings', …
    columns: frozenset[str]
    filters: str
    files: frozenset[str]  # the data files a DuckLake scan read (empty for DuckDB's own tables)


def _scans(node: dict, found: list[Scan]) -> list[Scan]:
    if node.get("operator_type") == "TABLE_SCAN":
        info = node.get("extra_info", {})
        columns = info.get("Projections", "")
        columns = columns if isinstance(columns, list) else [c for c in str(columns).split("\n") if c]
        filters = info.get("Filters", "")
        files = info.get("Filename(s)", "")
        files = files if isinstance(files, list) else [f for f in str(files).replace(",", "\n").split("\n") if f.strip()]
        found.append(Scan(info.get("Table", ""), frozenset(c.strip() for c in columns),
                          " AND ".join(filters) if isinstance(filters, list) else str(filters),
                          frozenset(f.strip() for f in files)))
    for child in node.get("children", []):
        _scans(child, found)
    return found


class Profiled:
    """Wraps a connection: ``execute`` as usual, and ``scans`` lists what was read."""

    def __init__(self, con):
        self.con, self.scans = con, []
        con.execute("PRAGMA enable_profiling = 'no_output'")

    def execute(self, sql, *args, **kwargs):
        result = self.con.execute(sql, *args, **kwargs)
        self.scans += _scans(json.loads(self.con.get_profiling_information(format="json")), [])
        return result

    def stop(self) -> None:
        self.con.execute("PRAGMA disable_profiling")

    def __getattr__(self, name):
        return getattr(self.con, name)
