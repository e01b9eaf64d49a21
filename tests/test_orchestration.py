"""Per-file partitions, the raw/ sensor, the loader, the nightly schedule and the checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.defs.automation import raw_files_sensor, staged_documents_sensor
from pipelines.defs.documents import (
    document,
    key_to_path,
    path_to_key,
    quality_result,
    source_file_partitions,
)
from pipelines.defs.load import warehouse_tables
from pipelines.defs.resources import Progress, WarehouseResource
from tests.conftest import SAMPLES, open_warehouse

TEXT = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")


@pytest.fixture
def raw(tmp_path, monkeypatch):
    folder = tmp_path / "raw"
    folder.mkdir()
    monkeypatch.setenv("ARCHIVE_RAW", str(folder))
    monkeypatch.delenv("ARCHIVE_WATCH", raising=False)
    return folder


def evaluate(instance, warehouse, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    result = raw_files_sensor(context)
    if isinstance(result, dg.SkipReason):
        return result
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        else:
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result


def _range(request) -> tuple[str, str]:
    return request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]


def _covered(instance, request) -> list[str]:
    keys = instance.get_dynamic_partitions("source_files")
    start, end = _range(request)
    return keys[keys.index(start): keys.index(end) + 1]


def test_partition_keys_round_trip_paths_dagster_would_refuse():
    for path in ["/raw/a b/Thư viện.pdf", "/raw/ghi chú...txt", "/raw/100%.pdf"]:
        key = path_to_key(path)
        assert "..." not in key and key_to_path(key) == Path(path)


def _load(instance, warehouse, keys):
    """What a requested run and the loader sensor's run do."""
    tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
    resources = {"warehouse": warehouse, "progress": Progress()}
    assert defs.resolve_job_def("read_files").execute_in_process(instance=instance, resources=resources, tags=tags).success
    assert dg.materialize([warehouse_tables], instance=instance, resources=resources).success


def test_the_sensor_follows_new_unchanged_changed_and_deleted_files(raw, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    (raw / "a.txt").write_text(TEXT, encoding="utf-8")
    (raw / "b.txt").write_text(TEXT + "\nThêm.", encoding="utf-8")

    first = evaluate(instance, warehouse)
    (request,) = first.run_requests  # both new files in one ranged run
    assert sorted(_covered(instance, request)) == sorted([path_to_key(raw / "a.txt"), path_to_key(raw / "b.txt")])
    assert evaluate(instance, warehouse, first.cursor).run_requests[0].run_key == request.run_key  # the same batch: deduplicated
    _load(instance, warehouse, _covered(instance, request))

    unchanged = evaluate(instance, warehouse, first.cursor)
    assert unchanged.run_requests == [] and unchanged.skip_reason  # loaded: nothing new, nothing even hashed

    (raw / "a.txt").write_text(TEXT.replace("22/ 5/ 2014", "23/ 5/ 2014"), encoding="utf-8")
    os.utime(raw / "a.txt", (1_700_000_000, 1_700_000_000))
    changed = evaluate(instance, warehouse)
    (request,) = changed.run_requests
    assert _covered(instance, request) == [path_to_key(raw / "a.txt")]
    assert request.run_key != first.run_requests[0].run_key  # new bytes: a new run key, so it runs again
    _load(instance, warehouse, [path_to_key(raw / "a.txt")])

    (raw / "b.txt").unlink()
    deleted = evaluate(instance, warehouse)
    assert deleted.run_requests == []
    assert instance.get_dynamic_partitions("source_files") == [path_to_key(raw / "a.txt")]


def test_turning_the_sensor_on_reads_only_what_the_warehouse_lacks_in_few_runs(raw, tmp_path, monkeypatch):
    """An archive already ingested by `archive ingest`: the sensor's first evaluation must not
    start a run per file it has never seen, only batches of what is new; its cursor stays small."""
    from pipelines.config import load_settings
    from pipelines.defs.runner import project_instance, run_ingest

    for i in range(12):
        (raw / f"old-{i:02d}.txt").write_text(TEXT.replace("lần thứ 4", f"lần thứ {i + 10}"), encoding="utf-8")
    settings = load_settings().with_warehouse(tmp_path / "wh")
    assert run_ingest(settings, [raw]).success
    for i in range(7):
        (raw / f"new-{i}.txt").write_text(TEXT.replace("lần thứ 4", f"lần thứ {i + 40}"), encoding="utf-8")
    monkeypatch.setenv("ARCHIVE_SENSOR_BATCH", "3")
    instance = project_instance(settings)
    warehouse = WarehouseResource(path=settings.warehouse)

    result = evaluate(instance, warehouse)
    assert len(result.run_requests) == 3  # 7 new files, at most 3 a run
    covered = [key for request in result.run_requests for key in _covered(instance, request)]
    assert sorted(covered) == sorted(path_to_key(raw / f"new-{i}.txt") for i in range(7))
    assert len(result.cursor) < 200

    # While a batch waits to be loaded, the same files are not requested again.
    _read_only = {"warehouse": warehouse, "progress": Progress()}
    assert defs.resolve_job_def("read_files").execute_in_process(
        instance=instance, resources=_read_only, tags={"dagster/asset_partition_range_start": covered[0],
                                                       "dagster/asset_partition_range_end": covered[-1]}).success
    again = evaluate(instance, warehouse)
    assert isinstance(again, dg.SkipReason) or again.run_requests == []
    instance.dispose()


def test_the_sensor_asks_the_warehouse_what_is_loaded_not_dagster(raw, tmp_path):
    """Partitions materialized and the sensor's own cursor never stand for the warehouse: once
    the warehouse loses its rows, every file it no longer holds is requested again."""
    import shutil

    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    resources = {"warehouse": warehouse, "progress": Progress()}
    for name in ("a.txt", "b.txt"):
        (raw / name).write_text(TEXT.replace("lần thứ 4", name), encoding="utf-8")
    first = evaluate(instance, warehouse)
    (request,) = first.run_requests
    keys = sorted(_covered(instance, request))
    _load(instance, warehouse, keys)
    loaded = evaluate(instance, warehouse, first.cursor)
    assert loaded.run_requests == [] and loaded.skip_reason  # the warehouse holds both

    shutil.rmtree(tmp_path / "wh")  # the warehouse deleted; Dagster still shows both partitions materialized
    assert instance.get_materialized_partitions(dg.AssetKey("document")) == set(keys)
    again = evaluate(instance, warehouse, loaded.cursor)
    (retry,) = again.run_requests
    assert sorted(_covered(instance, retry)) == keys
    assert retry.run_key != request.run_key  # a new run key: Dagster runs it
    assert evaluate(instance, warehouse, again.cursor).run_requests[0].run_key == retry.run_key  # once, not at every tick

    _load(instance, warehouse, keys)  # and the second warehouse holds them again
    assert evaluate(instance, warehouse, again.cursor).run_requests == []


def test_a_partition_materializes_and_the_loader_writes_it(raw, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    (raw / "tin.txt").write_text(TEXT, encoding="utf-8")
    key = path_to_key(raw / "tin.txt")
    instance.add_dynamic_partitions("source_files", [key])
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))

    result = dg.materialize([document], partition_key=key, instance=instance, resources={"warehouse": warehouse, "progress": Progress()})
    assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["document_quality"].passed and checks["files_read"].passed
    metadata = result.asset_materializations_for_node("document")[0].metadata
    assert metadata["status"].value == "ok" and metadata["result"].value["articles"] == 1
    assert "HỘI NGHỊ LẦN THỨ 4" in checks["files_read"].metadata["preview"].value

    context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse, "progress": Progress()})
    assert isinstance(staged_documents_sensor(context), dg.RunRequest)  # something waits to be loaded
    assert dg.materialize([warehouse_tables], instance=instance, resources={"warehouse": warehouse, "progress": Progress()}).success
    with open_warehouse(warehouse.location) as con:
        assert con.execute("SELECT published_date::VARCHAR, authors FROM articles").fetchall() == [("2014-05-22", ["Hồng Vân"])]
        assert con.execute("SELECT source_path FROM files").fetchall() == [(str(raw / "tin.txt"),)]
    assert isinstance(staged_documents_sensor(dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse, "progress": Progress()})), dg.SkipReason)


def test_two_partitions_run_in_parallel_processes_without_a_lock_error(raw, tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    env = dict(os.environ, DAGSTER_HOME=str(home), ARCHIVE_WAREHOUSE=str(tmp_path / "wh"))
    names = ["one.txt", "two.txt"]
    for n, name in enumerate(names):
        (raw / name).write_text(TEXT.replace("lần thứ 4", f"lần thứ {n + 5}"), encoding="utf-8")
    instance = dg.DagsterInstance.from_config(str(home))  # not `with`: that would leave it as Dagster's current one
    instance.add_dynamic_partitions("source_files", [path_to_key(raw / n) for n in names])
    instance.dispose()
    dagster = str(Path(sys.executable).with_name("dagster"))
    runs = [
        subprocess.Popen([dagster, "asset", "materialize", "-m", "pipelines.definitions", "--select", "document",
                          "--partition", path_to_key(raw / name)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name in names
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    load = subprocess.run([dagster, "job", "execute", "-m", "pipelines.definitions", "-j", "load_warehouse"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stdout + load.stderr
    with open_warehouse(env["ARCHIVE_WAREHOUSE"]) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (2,)


def test_the_nightly_batch_requests_one_run_over_the_new_files(raw, tmp_path):
    from pipelines.defs.automation import nightly_batch

    for name in ("a.txt", "b.txt"):
        (raw / name).write_text(TEXT, encoding="utf-8")
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    (tmp_path / "dagster").mkdir()
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    context = dg.build_schedule_context(instance=instance, resources={"warehouse": warehouse})
    request = nightly_batch(context)
    assert request.tags["dagster/asset_partition_range_start"] == path_to_key(raw / "a.txt")
    assert request.tags["dagster/asset_partition_range_end"] == path_to_key(raw / "b.txt")
    assert instance.get_dynamic_partitions("source_files") == [path_to_key(raw / "a.txt"), path_to_key(raw / "b.txt")]
    instance.dispose()


def test_the_quality_check_warns_on_poor_reading():
    assert quality_result({"mean_ocr_confidence": 91.0, "min_quality": 0.95}).passed
    poor = quality_result({"mean_ocr_confidence": 41.0, "min_quality": 0.3})
    assert not poor.passed and poor.severity == dg.AssetCheckSeverity.WARN
    assert "confidence 41.0 < 60.0" in poor.description and "quality 0.3 < 0.5" in poor.description


def test_the_nightly_schedule_and_sensors_are_defined_and_off_until_switched_on():
    schedule = defs.resolve_schedule_def("nightly_batch")
    assert schedule.cron_schedule == "0 1 * * *" and schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "read_files"
    for name in ("raw_files_sensor", "staged_documents_sensor"):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.STOPPED
    assert source_file_partitions.name == "source_files"


def test_batch_checks_pass_and_fail(tmp_path):
    from pipelines.core.models import Article, Extraction, Page
    from pipelines.core.store import warehouse as wh
    from pipelines.defs.checks import (
        failures_explained,
        metadata_completeness,
        no_duplicate_articles,
        staging_drained,
    )

    resource = WarehouseResource(path=str(tmp_path / "wh"))
    con = wh.connect(resource.location)
    body = "Ngày 5/3/2015, tại Hà Nội, hội thảo về thư viện số đã diễn ra với nhiều đại biểu. " * 4
    for doc in ("d1", "d2"):
        wh.load_document(con, Extraction(doc, "text/plain", "ok", pages=[Page(1, "text", body)],
                                         articles=[Article(1, "HỘI THẢO", body, 1, 1)]),
                         source_path=f"/raw/{doc}.txt", byte_size=1, pipeline_version="t")
    wh.load_document(con, Extraction("d3", "application/pdf", "failed", error=""), source_path="/raw/x.pdf",
                     byte_size=1, pipeline_version="t")
    con.close()
    (resource.staging_dir).mkdir(parents=True, exist_ok=True)
    (resource.staging_dir / "waiting.json").write_text("{}")

    def run(check):
        return check(warehouse=resource)

    assert not run(no_duplicate_articles).passed  # the same article in d1 and d2
    assert not run(metadata_completeness).passed  # no dates (none attached here), places, authors
    assert not run(failures_explained).passed  # a failed document without a reason
    assert not run(staging_drained).passed

    con = wh.connect(resource.location)
    wh.load_document(con, Extraction("d2", "text/plain", "ok", pages=[Page(1, "text", "x")],
                                     articles=[Article(1, "KHÁC", "Nội dung khác. Tin: Minh Hà", 1, 1, location="Hà Nội",
                                                       authors=["Minh Hà"])]),
                     source_path="/raw/d2.txt", byte_size=1, pipeline_version="t")
    con.execute("UPDATE documents SET error = 'damaged PDF' WHERE document_id = 'd3'")
    con.execute("UPDATE articles SET published_date = DATE '2015-03-05', location = 'Hà Nội', authors = ['Lan']")
    con.close()
    (resource.staging_dir / "waiting.json").unlink()
    assert run(no_duplicate_articles).passed
    assert run(metadata_completeness).passed
    assert run(failures_explained).passed
    assert run(staging_drained).passed


def test_a_new_extractor_version_makes_partitions_stale_until_reprocessed(raw, tmp_path):
    from dagster._core.definitions.data_version import (
        CachingStaleStatusResolver,
        StaleStatus,
    )
    from dagster._core.loader import LoadingContextForTest

    instance = dg.DagsterInstance.ephemeral()
    (raw / "tin.txt").write_text(TEXT, encoding="utf-8")
    key = path_to_key(raw / "tin.txt")
    instance.add_dynamic_partitions("source_files", [key])
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "wh")), "progress": Progress()}

    def status(asset):
        graph = dg.Definitions(assets=[asset], resources=resources).resolve_asset_graph()
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        return resolver.get_status(asset.key, key), resolver.get_stale_causes(asset.key, key)

    assert dg.materialize([document], partition_key=key, instance=instance, resources=resources).success
    assert status(document)[0] == StaleStatus.FRESH

    improved = document.map_asset_specs(lambda spec: spec.replace_attributes(code_version="99.0.0"))
    stale, causes = status(improved)
    assert stale == StaleStatus.STALE and causes[0].reason == "has a new code version"

    assert dg.materialize([improved], partition_key=key, instance=instance, resources=resources).success
    assert status(improved)[0] == StaleStatus.FRESH


def test_a_loader_waits_for_another_writer_instead_of_failing(raw, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    (raw / "tin.txt").write_text(TEXT, encoding="utf-8")
    key = path_to_key(raw / "tin.txt")
    instance.add_dynamic_partitions("source_files", [key])
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    assert dg.materialize([document], partition_key=key, instance=instance, resources={"warehouse": warehouse, "progress": Progress()}).success

    # Another process writing the warehouse (a command-line ingestion's loader, say) for a while.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pipelines.core.runtime.locks import writer_lock\n"
        "from pipelines.core.store import warehouse as wh\n"
        "location = wh.location_of(sys.argv[1])\n"
        "with writer_lock(location.home), wh.connect(location) as con:\n"
        "    con.execute('BEGIN TRANSACTION')\n"
        "    con.execute(\"UPDATE schema_info SET value = value WHERE key = 'created_at'\")\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(2)\n"
        "    con.execute('COMMIT')\n"), str(warehouse.location.home)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    result = dg.materialize([warehouse_tables], instance=instance, resources={"warehouse": warehouse, "progress": Progress()})
    holder.wait()
    assert result.success  # it waited its turn: no DuckDB lock error
    with open_warehouse(warehouse.location) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def test_a_staged_file_the_loader_cannot_read_is_set_aside_with_its_reason_and_the_rest_loaded(tmp_path):
    from pipelines.core.models import Extraction, Page
    from pipelines.core.store import staging
    from pipelines.core.store import warehouse as wh
    from pipelines.defs.checks import staging_drained
    from pipelines.defs.load import load_staged

    resource = WarehouseResource(path=str(tmp_path / "wh"))
    row = wh.FileRow("/raw/good.txt", "good", 4, None)
    staging.write_staged(resource.staging_dir, Extraction("good", "text/plain", "ok", pages=[Page(1, "text", "Tốt")]),
                         source_path="/raw/good.txt", byte_size=4, file_rows=[row])
    (resource.staging_dir / "broken.json").write_text('{"files": [', encoding="utf-8")  # cut short
    outcome = load_staged(resource)
    assert outcome.result.documents == 1 and [name for name, _ in outcome.rejected] == ["broken.json"]
    assert staging.staged_files(resource.staging_dir) == []
    ((kept, reason),) = staging.rejected_files(resource.staging_dir)
    assert kept.read_text(encoding="utf-8") == '{"files": [' and "cannot read the staged result" in reason
    check = staging_drained(warehouse=resource)
    assert not check.passed and check.metadata["rejected"].value[0]["file"] == "broken.json"
    with open_warehouse(resource.location) as con:
        assert con.execute("SELECT source_path FROM files").fetchall() == [("/raw/good.txt",)]


def test_on_a_deployment_the_sensor_splits_its_batch_into_one_run_per_worker(raw, tmp_path, monkeypatch):
    """Under the Celery executor a run's step goes to one worker: the sensor splits what is new
    evenly into one run per worker process (as `archive submit` does), each with a maximum
    runtime for run monitoring, every file in exactly one run."""
    from pipelines.config import load_settings
    from pipelines.defs.runner import project_instance
    from pipelines.deploy import celery

    for i in range(7):
        (raw / f"new-{i}.txt").write_text(TEXT.replace("lần thứ 4", f"lần thứ {i + 40}"), encoding="utf-8")
    monkeypatch.setenv("ARCHIVE_EXECUTOR", "celery")
    monkeypatch.delenv("ARCHIVE_SENSOR_BATCH", raising=False)
    monkeypatch.setattr(celery, "worker_slots", lambda timeout_s=1.0: 2)
    settings = load_settings().with_warehouse(tmp_path / "wh")
    instance = project_instance(settings)
    warehouse = WarehouseResource(path=settings.warehouse)

    result = evaluate(instance, warehouse)
    assert len(result.run_requests) == 2
    runs = [_covered(instance, request) for request in result.run_requests]
    assert sorted(map(len, runs)) == [3, 4]
    assert sorted(key for run in runs for key in run) == sorted(path_to_key(raw / f"new-{i}.txt") for i in range(7))
    assert all(int(request.tags["dagster/max_runtime"]) > 0 for request in result.run_requests)

    monkeypatch.delenv("ARCHIVE_EXECUTOR")  # one machine: runs of ARCHIVE_SENSOR_BATCH, no maximum runtime
    monkeypatch.setenv("ARCHIVE_SENSOR_BATCH", "3")
    alone = project_instance(settings.with_warehouse(tmp_path / "wh2"))
    result = evaluate(alone, WarehouseResource(path=str(tmp_path / "wh2")))
    assert [len(_covered(alone, r)) for r in result.run_requests] == [3, 3, 1]
    assert not any("dagster/max_runtime" in request.tags for request in result.run_requests)
    instance.dispose()
    alone.dispose()


def test_a_deployment_batch_is_split_evenly_into_consecutive_runs():
    """`archive submit`'s runs: one per worker slot by default (at most 50 files each), or of
    at most --files-per-run files; sizes differ by one at most, every file once, in order."""
    from pipelines.deploy.submit import MAX_AUTO_FILES_PER_RUN, split_runs

    keys = [f"k{i:03d}" for i in range(12)]
    assert [len(r) for r in split_runs(keys, None, 2)] == [6, 6]
    assert [len(r) for r in split_runs(keys, None, 1)] == [12]
    assert [len(r) for r in split_runs(keys, None, 5)] == [3, 3, 2, 2, 2]
    assert [len(r) for r in split_runs(keys, 5, 2)] == [4, 4, 4]
    assert [len(r) for r in split_runs(keys[:1], None, 4)] == [1]
    assert split_runs([], None, 2) == []
    many = [f"k{i:04d}" for i in range(1001)]
    runs = split_runs(many, None, 2)
    assert max(map(len, runs)) <= MAX_AUTO_FILES_PER_RUN and max(map(len, runs)) - min(map(len, runs)) <= 1
    for runs in (split_runs(keys, None, 5), split_runs(many, None, 2), split_runs(keys, 5, 1)):
        assert [k for run in runs for k in run] == sorted(k for run in runs for k in run)
        assert sum(map(len, runs)) == len({k for run in runs for k in run})
