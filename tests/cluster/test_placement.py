"""Where a chunk task is sent while others of the job render: a worker with a free thread."""

from __future__ import annotations

from studio_render.cluster.attempt import ChunkTasks, ProgressRouter, _Route


class _Client:
    def __init__(self, threads: dict[str, int]) -> None:
        self.threads = threads

    def nthreads(self) -> dict[str, int]:
        return self.threads


def _tasks(threads: dict[str, int], running_on: list[str]) -> ChunkTasks:
    router = ProgressRouter()
    for n, worker in enumerate(running_on):
        route = _Route(lambda r, e: None, lambda pid: None)
        route.deliver({"key": f"k{n}", "run": f"r{n}", "worker": worker, "r": 0, "e": 0})
        router.add(f"k{n}", route)
    return ChunkTasks(_Client(threads), "tcp://scheduler:8786", "topic", {}, router)


def test_a_chunk_split_off_goes_to_the_worker_with_a_free_thread() -> None:
    tasks = _tasks({"tcp://a:1": 1, "tcp://b:1": 1}, running_on=["tcp://a:1"])
    assert tasks._placement() == {"workers": ["tcp://b:1"], "allow_other_workers": True}


def test_no_preference_when_nothing_of_the_job_runs_or_every_thread_is_taken() -> None:
    assert _tasks({"tcp://a:1": 1, "tcp://b:1": 1}, running_on=[])._placement() == {}
    both = _tasks({"tcp://a:1": 1, "tcp://b:1": 1}, running_on=["tcp://a:1", "tcp://b:1"])
    assert both._placement() == {}
    two_threads = _tasks({"tcp://a:1": 2, "tcp://b:1": 1}, running_on=["tcp://a:1", "tcp://b:1"])
    assert two_threads._placement() == {"workers": ["tcp://a:1"], "allow_other_workers": True}
