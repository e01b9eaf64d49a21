"""What the Dagster UI shows per file tells the truth: a failed file shows as failed in its
partition (with its reason), a file read well again stops showing its old failure, and each
warehouse has its own history."""

from __future__ import annotations

import dagster as dg

from pipelines.config import load_settings
from pipelines.defs.documents import path_to_key
from pipelines.defs.runner import project_instance, run_ingest
from pipelines.samples import seed_blocks, write_text_pdf
from tests.conftest import SAMPLES

TEXT = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
FILE_READ = dg.AssetCheckKey(dg.AssetKey("document"), "file_read")


def _check_status(instance: dg.DagsterInstance, key: str):
    infos = instance.event_log_storage.get_asset_check_partition_info([FILE_READ], partition_keys=[key])
    return infos[0].latest_execution_status.value if infos else None


def _materialization(instance: dg.DagsterInstance, key: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("document"), asset_partitions=[key]), limit=1).records
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def test_a_failed_file_shows_as_failed_in_its_partition_and_recovers(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text(TEXT, encoding="utf-8")
    (raw / "empty.pdf").write_bytes(b"")
    settings = load_settings().with_warehouse(tmp_path / "wh")

    first = run_ingest(settings, [raw])
    assert first.success and [f[0] for f in first.failures] == [str(raw / "empty.pdf")]
    instance = project_instance(settings)
    empty, good = path_to_key(raw / "empty.pdf"), path_to_key(raw / "good.txt")
    assert _materialization(instance, empty)["status"] == "failed"
    assert "empty file" in _materialization(instance, empty)["reason"]
    assert _check_status(instance, empty) == "FAILED"
    assert _materialization(instance, good)["status"] == "ok"
    assert _check_status(instance, good) in (None, "SUCCEEDED")
    instance.dispose()

    # Nothing new: no run, so nothing overwrites what the partitions show.
    assert run_ingest(settings, [raw]).run_id == ""

    (raw / "empty.pdf").unlink()
    write_text_pdf(raw / "empty.pdf", [seed_blocks(TEXT.replace("lần thứ 4", "lần thứ 5"))])  # replaced by a real PDF
    second = run_ingest(settings, [raw])
    assert second.success and second.failures == []
    instance = project_instance(settings)
    assert _materialization(instance, empty)["status"] == "ok"
    assert _check_status(instance, empty) == "SUCCEEDED"
    instance.dispose()


def test_each_warehouse_has_its_own_run_history(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    runs = {}
    for name in ("a", "b"):
        raw = tmp_path / f"raw-{name}"
        raw.mkdir()
        (raw / f"{name}.txt").write_text(TEXT.replace("lần thứ 4", f"lần thứ {ord(name)}"), encoding="utf-8")
        settings = load_settings().with_warehouse(tmp_path / f"wh-{name}")
        assert settings.dagster_home == tmp_path / f"wh-{name}" / "dagster"
        report = run_ingest(settings, [raw])
        assert report.success
        runs[name] = (settings, raw, report.run_id)
    for name, (settings, raw, run_id) in runs.items():
        instance = project_instance(settings)
        assert instance.get_dynamic_partitions("source_files") == [path_to_key(raw / f"{name}.txt")]
        assert run_id in {r.run_id for r in instance.get_runs()}
        assert all(r.run_id != runs["b" if name == "a" else "a"][2] for r in instance.get_runs())
        instance.dispose()
