"""Run one function over many inputs in worker processes, where a dying worker costs one input.

A worker that dies (a segfault in a C extension, the out-of-memory killer) breaks a
``ProcessPoolExecutor``: every result not yet delivered is lost, and nothing says which input
killed it. The inputs left over are then run again in fresh pools, split in halves whenever a
pool breaks, until the input that kills a worker is alone; it gets the ``crashed`` result and
every other input its real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_in_processes(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int,
    chunksize: int,
    context: BaseContext,
    crashed: Callable[[Item], Result],
    initializer: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """``work`` of each item, in order; ``crashed(item)`` for an item whose worker died.

    On Ctrl-C (or when the caller stops early) the work not started is dropped at once; the
    workers finish what they have (``initializer`` can make them ignore SIGINT).
    """
    delivered = 0
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=initializer)
    try:
        for result in pool.map(work, items, chunksize=chunksize):
            yield result
            delivered += 1
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown()
        return
    yield from _isolate(work, items[delivered:], jobs, context, crashed, initializer)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Drop the work not started (terminating workers makes Python 3.11's pool fail instead)."""
    pool.shutdown(wait=False, cancel_futures=True)


def _isolate(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int,
    context: BaseContext,
    crashed: Callable[[Item], Result],
    initializer: Callable[[], None] | None,
) -> Iterator[Result]:
    """Run ``items`` one per task in fresh pools, halving the unfinished ones after each break."""
    results: dict[int, Result] = {}
    groups = [list(range(len(items)))]
    while groups:
        group = groups.pop()
        if not _run_group(work, items, group, jobs, context, results, initializer):
            continue
        unfinished = [index for index in group if index not in results]
        if len(unfinished) == 1:
            results[unfinished[0]] = crashed(items[unfinished[0]])
        elif unfinished:
            half = len(unfinished) // 2
            groups += [unfinished[half:], unfinished[:half]]
    for index in range(len(items)):
        yield results[index]


def _run_group(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    group: list[int],
    jobs: int,
    context: BaseContext,
    results: dict[int, Result],
    initializer: Callable[[], None] | None,
) -> bool:
    """Run ``group`` in a fresh pool, storing what finishes; True when the pool broke."""
    broken = False
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(group)), mp_context=context, initializer=initializer
    )
    try:
        futures = []
        try:
            for index in group:
                futures.append((index, pool.submit(work, items[index])))
        except BrokenProcessPool:  # it broke while tasks were still being handed out
            broken = True
        for index, future in futures:
            try:
                results[index] = future.result()
            except BrokenProcessPool:
                broken = True
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    return broken
