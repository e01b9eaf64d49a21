"""`archive submit` watching its runs (pipelines/deploy/submit.py): one query a poll whatever
the number of runs, a failed run followed to its retry, and a batch planned once per job."""

from __future__ import annotations

import dagster as dg
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.storage.tags import ROOT_RUN_ID_TAG, WILL_RETRY_TAG
from dagster._core.test_utils import create_run_for_test

from pipelines.deploy import submit


def _finish(instance: dg.DagsterInstance, run_id: str, status: dg.DagsterRunStatus) -> None:
    kind = {dg.DagsterRunStatus.SUCCESS: DagsterEventType.RUN_SUCCESS,
            dg.DagsterRunStatus.FAILURE: DagsterEventType.RUN_FAILURE}[status]
    instance.handle_run_event(run_id, DagsterEvent(kind.value, job_name="read_files"))


def _counted(monkeypatch, instance: dg.DagsterInstance, method: str, queries: dict[str, int], name: str) -> None:
    """``instance.method`` still answers, and each call is counted in ``queries[name]``."""
    original = getattr(instance, method)

    def counting(*args, **kwargs):
        queries[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(instance, method, counting)


def test_runs_are_watched_with_one_query_a_poll_and_a_failed_run_is_followed_to_its_retry(tmp_path, monkeypatch):
    instance = dg.DagsterInstance.local_temp(str(tmp_path), overrides={"run_retries": {"enabled": True}})
    started = dg.DagsterRunStatus.STARTED
    ok, retried, given_up = (create_run_for_test(instance, job_name="read_files", status=started).run_id for _ in range(3))
    queries = {"records": 0, "retries": 0}
    _counted(monkeypatch, instance, "get_run_records", queries, "records")
    _counted(monkeypatch, instance, "get_runs", queries, "retries")
    retry_holder = {}

    # What the runs do between polls (the daemon and the workers, here played by hand).
    def between_polls(poll: int) -> None:
        if poll == 1:
            _finish(instance, ok, dg.DagsterRunStatus.SUCCESS)
            _finish(instance, retried, dg.DagsterRunStatus.FAILURE)  # no will_retry tag yet: not final
            _finish(instance, given_up, dg.DagsterRunStatus.FAILURE)
            instance.add_run_tags(given_up, {WILL_RETRY_TAG: "false"})
        elif poll == 3:
            instance.add_run_tags(retried, {WILL_RETRY_TAG: "true"})
            retry = create_run_for_test(instance, job_name="read_files", status=started, root_run_id=retried,
                                        parent_run_id=retried, tags={ROOT_RUN_ID_TAG: retried, "dagster/retry_number": "1"})
            retry_holder["id"] = retry.run_id
        elif poll == 5:
            _finish(instance, retry_holder["id"], dg.DagsterRunStatus.SUCCESS)

    polls = iter(range(1, 100))
    monkeypatch.setattr(submit.time, "sleep", lambda _s: between_polls(next(polls)))
    finals = submit.wait_for_runs(instance, [ok, retried, given_up], deadline=submit.time.monotonic() + 60)

    assert {root: run.run_id for root, run in finals.items()} == {ok: ok, retried: retry_holder["id"], given_up: given_up}
    assert finals[retried].status == dg.DagsterRunStatus.SUCCESS and finals[given_up].status == dg.DagsterRunStatus.FAILURE
    # Six polls (the retry seen at the 4th, done at the 6th), each one query for all the runs
    # watched; retries looked for only while the failed run's retry was awaited (polls 2 to 4).
    assert queries["records"] == 6
    assert 1 <= queries["retries"] <= 3


class _Location:
    """A code location that counts the execution plans it is asked for."""

    name = "bulletin_archive"

    def __init__(self):
        self.plans = 0

    def get_repositories(self):
        return {"__repository__": type("Repo", (), {"name": "__repository__", "asset_graph": None})()}

    def get_job(self, selector):
        return selector.job_name

    def get_execution_plan(self, job, *args, **kwargs):
        self.plans += 1
        return f"plan of {job}"


def test_a_batch_asks_the_code_server_for_each_jobs_plan_once():
    location = _Location()
    submitter = submit._Submitter(instance=None, workspace=type("W", (), {"code_locations": [location]})())
    for _ in range(5):
        assert submitter.prepare("read_files") == ("read_files", "plan of read_files")
    submitter.prepare("load_warehouse")
    assert location.plans == 2
