"""A process pool over files in which one file can cost only itself.

Python exceptions are contained per file by the function itself; this module handles what it cannot catch: a
worker process that dies (the kernel's OOM killer, a crash in a native extension). ``ProcessPoolExecutor`` then
fails every pending item at once, so the items that were not finished are run again — first in chunks as
before, and after a further death one at a time in a single worker, where the first item that fails is the one
that killed it. That item gets ``crashed(item, error)``; the run goes on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(Exception):
    """What ``crashed`` is told when the worker process died on the item."""


def _start_method() -> str:
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def preload(*modules: str) -> None:
    """Import ``modules`` in this process when the workers will be forked from it: they then share the
    imported code instead of each importing it again (libcst and the analyzer are a third of a second of CPU
    per process). With spawn, workers start from nothing: importing here would only add to the run."""
    if _start_method() == "fork":
        import importlib

        for name in modules:
            importlib.import_module(name)


def map_contained(function: Callable[[list[T]], list[R]], items: Sequence[T], jobs: int,
                  initializer: Callable[..., None], initargs: tuple, crashed: Callable[[T, BaseException], R]
                  ) -> list[R]:
    """``function`` maps a chunk of items to their results, in a pool of ``jobs`` processes; the results come
    back in the order of ``items`` whatever happens to the workers."""
    context = multiprocessing.get_context(_start_method())
    results: list[Any] = [None] * len(items)
    left = list(range(len(items)))
    one_by_one = False
    while left:
        workers = 1 if one_by_one else min(jobs, len(left))
        size = 1 if one_by_one else max(1, len(left) // (workers * 8))
        chunks = [left[i:i + size] for i in range(0, len(left), size)]
        failed: list[int] = []
        with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs) as pool:
            futures = [(chunk, pool.submit(function, [items[i] for i in chunk])) for chunk in chunks]
            for chunk, future in futures:
                try:
                    for index, result in zip(chunk, future.result()):
                        results[index] = result
                except BrokenProcessPool:
                    failed.extend(chunk)
                except Exception as error:  # noqa: BLE001 - e.g. a result that does not pickle
                    if len(chunk) == 1:
                        results[chunk[0]] = crashed(items[chunk[0]], error)
                    else:
                        failed.extend(chunk)
        if not failed:
            break
        if one_by_one:
            # in one worker the items ran in order: the first one that failed is the one the worker died on
            culprit = failed[0]
            results[culprit] = crashed(items[culprit], WorkerDied(
                "the process analysing this file stopped abruptly (killed by the system, or a crash in native code)"))
            left, one_by_one = failed[1:], False
        else:
            left, one_by_one = failed, True
    return results
