"""Every setting in one place, with defaults that work out of the box.

Paths default to the project folder (the checkout this package lives in, or ``$ARCHIVE_HOME``);
each setting can be overridden by an environment variable, and the command line overrides
those. Nothing here imports Dagster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PIPELINE_VERSION = "0.2.0"
"""Bumped when extraction changes what it produces; stored on every document."""


def _project_dir() -> Path:
    if os.environ.get("ARCHIVE_HOME"):
        return Path(os.environ["ARCHIVE_HOME"]).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists():
        return checkout
    return Path.cwd()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"${name} must be a whole number, not {value!r}") from exc


@dataclass(frozen=True)
class ReadOptions:
    """How documents are read: passed to worker processes, so plain values only."""

    ocr_languages: str = "vie"
    ocr_dpi: int = 300
    ocr_timeout_s: float = 120
    # A PDF page whose text layer has fewer non-blank characters than this is read by OCR
    # (when it can be rendered); the reason is recorded on the page.
    min_text_chars: int = 20
    # A text layer scoring below this (0–1) is read by OCR instead.
    min_text_quality: float = 0.5
    # Tesseract processes for the pages of one document (the batch sets it from the cores free).
    ocr_threads: int = 1
    # Deskew, binarization, denoising and upsampling before OCR ...
    cleanup: bool = True
    # ... and turning pages scanned upside down or sideways (Tesseract OSD, about 1 s a page).
    detect_orientation: bool = True


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    raw_dir: Path
    # The warehouse: a folder (catalog.sqlite and data/ inside), a catalog.sqlite file, or
    # 'ducklake:postgres:<connection string>' (pipelines/core/store/location.py).
    warehouse: str
    # The Dagster instance (run history). None: in the warehouse's local folder, so that each
    # warehouse has its own history (``--warehouse`` never mixes two archives' partitions and runs).
    dagster_home_override: Path | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    workers: int = 2
    document_timeout_s: int = 1800
    memory_limit_mb: int = 4096
    # With a PostgreSQL catalog: where the data files are (shared by every machine), and the
    # local folder for staging, the search cache and locks.
    data_path: str | None = None
    state_dir: Path | None = None
    # Days of warehouse snapshots kept for time travel by the maintenance job.
    snapshot_retention_days: float = 30

    @property
    def dagster_home(self) -> Path:
        """``$DAGSTER_HOME`` when set (a deployment's shared instance), else ``dagster/`` in the
        warehouse's local folder (beside its catalog, or ``$ARCHIVE_STATE_DIR``)."""
        if self.dagster_home_override:
            return self.dagster_home_override
        from pipelines.core.store.location import from_settings

        return from_settings(self).home / "dagster"

    def with_warehouse(self, path: str | os.PathLike | None) -> Settings:
        if not path:
            return self
        return replace(self, warehouse=_warehouse_setting(path))


def _warehouse_setting(value: str | os.PathLike) -> str:
    """A path made absolute (the data path is stored absolute); a ducklake: URI as it is."""
    text = str(value)
    return text if text.startswith("ducklake:") else str(Path(text).expanduser().resolve())


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"${name} must be a number, not {value!r}") from exc


def load_settings() -> Settings:
    project = _project_dir()
    warehouse = os.environ.get("ARCHIVE_WAREHOUSE") or project / "warehouse"
    return Settings(
        project_dir=project,
        raw_dir=Path(os.environ.get("ARCHIVE_RAW") or project / "raw").expanduser().resolve(),
        warehouse=_warehouse_setting(warehouse),
        data_path=os.environ.get("ARCHIVE_DATA_PATH") or None,
        state_dir=Path(os.environ.get("ARCHIVE_STATE_DIR") or project / "warehouse").expanduser().resolve(),
        snapshot_retention_days=_env_float("ARCHIVE_SNAPSHOT_RETENTION_DAYS", 30),
        dagster_home_override=Path(os.environ["DAGSTER_HOME"]).expanduser().resolve() if os.environ.get("DAGSTER_HOME") else None,
        read=ReadOptions(
            ocr_languages=os.environ.get("ARCHIVE_OCR_LANG", "vie"),
            ocr_dpi=_env_int("ARCHIVE_OCR_DPI", 300),
            ocr_timeout_s=_env_int("ARCHIVE_OCR_TIMEOUT", 120),
            cleanup=os.environ.get("ARCHIVE_OCR_CLEANUP", "1") != "0",
            detect_orientation=os.environ.get("ARCHIVE_OCR_ORIENTATION", "1") != "0",
        ),
        workers=max(1, _env_int("ARCHIVE_WORKERS", os.cpu_count() or 1)),
        document_timeout_s=_env_int("ARCHIVE_DOCUMENT_TIMEOUT", 1800),
        memory_limit_mb=_env_int("ARCHIVE_MEMORY_LIMIT_MB", 4096),
    )
