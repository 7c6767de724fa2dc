"""The work shared with a forked copy (tracer.evaluate.workers): the same list as computed in one
process, whichever side computed what, and when the copy fails or this side does."""

from __future__ import annotations

import importlib
import io
import os

import pytest

from tracer import api
from tracer.evaluate import workers
from tracer.evaluate.progress import Bar, reporting

needs_two = pytest.mark.skipif(not workers.can_share(), reason="needs Linux, two cores and one thread")


def _square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@needs_two
def test_both_sides_compute_and_the_order_is_kept() -> None:
    items = list(range(5000))
    out = workers.map_both_ends(_square_with_pid, items, chunk=16)
    assert [v for v, _ in out] == [x * x for x in items]
    pids = [p for _, p in out]
    assert pids[0] == os.getpid() and pids[-1] != os.getpid()  # the copy took the end
    switch = pids.index(pids[-1])
    assert set(pids[:switch]) == {os.getpid()} and set(pids[switch:]) == {pids[-1]}  # one stretch each


def test_short_lists_and_workers_1_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {p for _, p in workers.map_both_ends(_square_with_pid, range(100))} == {os.getpid()}
    monkeypatch.setenv("TRACER_WORKERS", "1")
    assert not workers.can_share()
    out = workers.map_both_ends(_square_with_pid, list(range(3000)), min_items=10)
    assert {p for _, p in out} == {os.getpid()}


@needs_two
def test_a_copy_that_fails_leaves_the_work_to_this_process() -> None:
    parent = os.getpid()

    def fails_in_the_copy(x: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the copy breaks")
        return -x

    assert workers.map_both_ends(fails_in_the_copy, list(range(3000)), min_items=10) == [
        -x for x in range(3000)
    ]

    def dies_in_the_copy(x: int) -> int:
        if os.getpid() != parent:
            os._exit(7)
        return x + 1

    assert workers.map_both_ends(dies_in_the_copy, list(range(3000)), min_items=10) == list(range(1, 3001))


@needs_two
def test_an_error_here_stops_the_copy_and_is_raised() -> None:
    parent = os.getpid()

    def fails_here(x: int) -> int:
        if os.getpid() == parent and x == 100:
            raise ValueError("this side breaks")
        return x

    before = _children()
    with pytest.raises(ValueError, match="this side breaks"):
        workers.map_both_ends(fails_here, list(range(3000)), min_items=10, chunk=8)
    assert _children() <= before  # the copy was stopped and reaped (earlier tests' children may remain)


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux: the parent field of /proc/*/stat)."""
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    stat = f.read()
            except OSError:  # ended meanwhile
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == os.getpid():
                found.add(int(entry))
    return found


@needs_two
def test_a_report_printed_by_two_processes_is_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step block of a 2-sample [3, 5, 4, 2] report printed from both ends of the list
    in chunks of 3 blocks gives byte for byte the report of one process (the blocks are LaTeX
    whatever the format; HTML only converts them further)."""
    spec = {
        "title": "two processes",
        "layers": [
            {"units": 5, "activation": "tanh"},
            {"units": 4, "activation": "relu"},
            {"units": 2, "activation": "softmax"},
        ],
        "loss": "cross_entropy",
        "init": {"method": "uniform", "seed": 7, "low": -1, "high": 1},
        "samples": [
            {"inputs": [0.1, -0.4, 0.7], "targets": [1, 0]},
            {"inputs": [0.5, 0.2, -0.3], "targets": [0, 1]},
        ],
        "learning_rate": 0.5,
    }
    traced = api.trace(spec, iterations=3, detail=(1, 2), check=False)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(workers, "MIN_ITEMS", 10)
    shared_runs = []
    share = workers._shared
    monkeypatch.setattr(workers, "_shared", lambda *a: shared_runs.append(1) or share(*a))
    for fmt in ("md", "tex"):
        shared = traced.render(fmt)
        monkeypatch.setenv("TRACER_WORKERS", "1")
        alone = traced.render(fmt)
        monkeypatch.delenv("TRACER_WORKERS")
        assert shared == alone
    assert len(shared_runs) == 4  # two detailed iterations in each of the two formats


def _pid_or_fail(fail_in_copy: int) -> int:
    if fail_in_copy and os.getpid() != fail_in_copy:
        raise RuntimeError("the copy breaks")
    return os.getpid()


@needs_two
def test_background_work_is_done_by_the_copy_or_else_here() -> None:
    assert workers.Background(_pid_or_fail, 0).result() != os.getpid()
    assert workers.Background(_pid_or_fail, os.getpid()).result() == os.getpid()  # the copy failed


def test_background_work_that_cannot_share_is_done_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACER_WORKERS", "1")
    calls = []
    work = workers.Background(lambda: calls.append(1) or 5)
    assert calls == [1] and work.result() == 5 and calls == [1]
    with pytest.raises(ZeroDivisionError):  # an error is raised where a plain call would raise it
        workers.Background(lambda: 1 / 0)


@needs_two
def test_background_errors_are_raised_when_the_result_is_asked_for() -> None:
    work = workers.Background(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        work.result()


@needs_two
def test_background_work_never_asked_for_is_stopped_and_reaped() -> None:
    import gc
    import time

    before = _children()
    work = workers.Background(time.sleep, 30)
    del work
    gc.collect()
    assert _children() <= before  # stopped and reaped (earlier tests' children may remain)


@needs_two
def test_the_self_check_of_a_large_network_runs_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check made by the copy is the check made here (the bound lowered to a small example)."""
    here = api.trace("sigmoid-222-bias").trace
    monkeypatch.setattr(importlib.import_module("tracer.evaluate.tracing"), "BACKGROUND_CHECK", 1)
    there = api.trace("sigmoid-222-bias").trace
    assert isinstance(there.checked, workers.Background) and not isinstance(here.checked, workers.Background)
    assert there.check == here.check and there.check.passed


@pytest.mark.parametrize("alone", [True, False])
def test_progress_goes_to_the_reporter_set_around_the_work(
    monkeypatch: pytest.MonkeyPatch, alone: bool
) -> None:
    if alone:
        monkeypatch.setenv("TRACER_WORKERS", "1")
    elif not workers.can_share():
        pytest.skip("needs Linux, two cores and one thread")
    calls: list[tuple[int, int]] = []
    with reporting(lambda done, total: calls.append((done, total))):
        assert workers.map_both_ends(abs, list(range(-3000, 0)), chunk=50) == list(range(3000, 0, -1))
    assert calls[-1] == (3000, 3000) and all(total == 3000 for _, total in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done.count(3000) == 1
    if alone:  # 60 stretches of 50; shared, how many this side reports depends on the scheduler
        assert len(calls) == 60
    before = len(calls)
    assert workers.map_both_ends(abs, [-1, -2]) == [1, 2] and len(calls) == before  # no reporter here now


def test_a_finished_bar_is_written_once() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = Bar("report", screen)
    for done in (1000, 2999, 3000, 3000):
        bar(done, 3000)
    assert screen.getvalue().count("100% 3000/3000\n") == 1


def test_background_work_pickles_and_copies_as_its_result() -> None:
    import copy
    import pickle

    work = workers.Background(sum, [1, 2, 3])
    assert pickle.loads(pickle.dumps(work)).result() == 6
    assert copy.deepcopy(work).result() == 6 and work.result() == 6
