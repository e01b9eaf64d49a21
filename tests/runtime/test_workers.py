"""Isolation: a hanging, crashing or memory-hungry reader takes only its own worker down."""

import os
from pathlib import Path
import signal
import time

from pipelines.core.runtime.workers import run_isolated


def square(x):
    return x * x


def sleep_forever(_):
    time.sleep(60)


def crash(_):
    os.kill(os.getpid(), signal.SIGSEGV)


def hog_memory(_):
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))


def raise_error(_):
    raise ValueError("bad page tree")


def test_results_come_back_for_every_job():
    outcomes = {o.key: o for o in run_isolated(square, [(i, (i,)) for i in range(5)], workers=2)}
    assert {k: o.value for k, o in outcomes.items()} == {i: i * i for i in range(5)}
    assert all(o.error is None for o in outcomes.values())


def test_a_hang_is_killed_at_the_time_limit_and_the_batch_goes_on():
    jobs = [("hang", (0,)), ("ok", (3,))]
    outcomes = {o.key: o for o in run_isolated(_dispatch, jobs, workers=2, timeout_s=1.5)}
    assert outcomes["hang"].error == "timed out after 1.5 s"
    assert outcomes["ok"].value == 9


def _dispatch(x):
    return sleep_forever(x) if x == 0 else square(x)


def test_a_crash_is_reported_with_its_signal():
    (outcome,) = list(run_isolated(crash, [("c", (0,))]))
    assert outcome.error.startswith("the reader crashed (killed by signal 11")


def test_memory_cap_turns_exhaustion_into_an_error():
    (outcome,) = list(run_isolated(hog_memory, [("m", (0,))], memory_limit_mb=400))
    assert "out of memory" in outcome.error


def test_an_exception_is_reported_not_raised():
    (outcome,) = list(run_isolated(raise_error, [("e", (0,))]))
    assert outcome.error.startswith("worker error: ValueError: bad page tree")


def pid(_):
    return os.getpid()


def _crash_on_zero(x):
    return crash(x) if x == 0 else os.getpid()


def test_a_worker_reads_one_document_after_another():
    """Small files pay for a process start once per worker, not once per file."""
    outcomes = list(run_isolated(pid, [(i, (i,)) for i in range(12)], workers=2))
    assert len(outcomes) == 12 and all(o.error is None for o in outcomes)
    assert len({o.value for o in outcomes}) <= 2


def test_workers_are_replaced_after_a_set_number_of_documents():
    outcomes = list(run_isolated(pid, [(i, (i,)) for i in range(7)], workers=1, jobs_per_worker=3))
    assert len({o.value for o in outcomes}) == 3


def test_after_a_crash_the_next_documents_are_read_by_a_fresh_worker():
    outcomes = {o.key: o for o in run_isolated(_crash_on_zero, [(i, (i,)) for i in range(4)], workers=1)}
    assert outcomes[0].error.startswith("the reader crashed")
    assert all(outcomes[i].error is None for i in (1, 2, 3))
    assert len({outcomes[i].value for i in (1, 2, 3)}) == 1  # one new worker, reused


def test_a_hang_costs_only_its_own_document_in_a_reused_worker():
    jobs = [("a", (2,)), ("hang", (0,)), ("b", (3,)), ("c", (4,))]
    outcomes = {o.key: o for o in run_isolated(_dispatch, jobs, workers=1, timeout_s=1.5)}
    assert outcomes["hang"].error == "timed out after 1.5 s"
    assert [outcomes[k].value for k in "abc"] == [4, 9, 16]


# For scripts run in a child process: this process's forkserver children (the readers' server).
SERVERS = (
    "def servers():\n"
    "    found = []\n"
    "    for stat in Path('/proc').glob('[0-9]*/stat'):\n"
    "        try:\n"
    "            ppid = int(stat.read_text().rsplit(')', 1)[1].split()[1])\n"
    "            cmdline = (stat.parent / 'cmdline').read_bytes()\n"
    "        except (OSError, IndexError, ValueError):\n"
    "            continue\n"
    "        if ppid == os.getpid() and b'forkserver' in cmdline:\n"
    "            found.append(int(stat.parent.name))\n"
    "    return found\n"
)

def test_the_workers_server_can_start_early_and_is_then_used(tmp_path):
    """`archive ingest` starts the workers' server before it loads Dagster, so the readers load
    on another core meanwhile; the workers then come from that server, not from a second one."""
    script = tmp_path / "early.py"
    script.write_text(
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from pipelines.core.runtime import workers\n"
        + SERVERS
        + "def main():\n"
        "    assert servers() == []\n"
        "    workers.start_early()\n"
        "    early = servers()\n"
        "    assert len(early) == 1, early\n"
        "    from tests.runtime.test_workers import square\n"
        "    out = sorted(o.value for o in workers.run_isolated(square, [(i, (i,)) for i in range(4)], workers=2))\n"
        "    assert out == [0, 1, 4, 9], out\n"
        "    assert servers() == early\n"
        "    print('ok')\n"
        "if __name__ == '__main__':\n"
        "    main()\n",
        encoding="utf-8",
    )
    _says_ok(script)


def test_a_celery_pool_process_starts_its_readers_server_as_it_starts(tmp_path):
    """On a deployment each Celery pool process starts its readers' server when it starts, not
    when the first step of a batch needs it."""
    script = tmp_path / "pool.py"
    script.write_text(
        "import os\n"
        "from pathlib import Path\n"
        + SERVERS
        + "if __name__ == '__main__':\n"
        "    from celery.signals import worker_process_init\n"
        "    import pipelines.deploy.worker_app  # noqa: F401  (connects the handlers)\n"
        "    assert servers() == []\n"
        "    worker_process_init.send(sender=None)\n"
        "    assert len(servers()) == 1, servers()\n"
        "    print('ok')\n",
        encoding="utf-8",
    )
    _says_ok(script)


def _says_ok(script: Path) -> None:
    """Run ``script`` in a fresh interpreter from the project's folder; it must print 'ok'."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)})
    assert result.stdout.strip() == "ok", result.stderr
