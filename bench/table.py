"""The one table every bench script prints (issue 16 "Benchmarks"): measure, size, queries,
min/median time, growth of the median from the smallest size to the largest.

A script measures each figure at every size of `SIZES` (`BENCH_SIZES`, default 1,10,100) with
`measure` and adds it to a `Table`; `Table.print()` prints it. Under `bench/run.py` (make bench)
`BENCH_ROWS` names a file the rows are appended to as JSON lines, and the driver prints the rows
of every script as one table.
"""

import json
import os
import statistics
import time

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1,10,100").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
HEAD = ("measure", "size", "queries", "min ms", "median ms", "growth")


def counting(queries: list):
    """Every statement Django sends (a request resets `connection.queries` when it starts)."""
    from django.db import connection

    return connection.execute_wrapper(lambda run, sql, *a: queries.append(sql) or run(sql, *a))


def measure(func, *, prepare=None, warm: bool = True, repeat: int | None = None):
    """(queries, times in ms) of `func`: once untimed (warm), once under the query counter,
    then `repeat` (BENCH_REPEAT) times timed. `prepare` runs untimed before every run."""
    prepare = prepare or (lambda: None)
    if warm:
        prepare()
        func()
    queries = []
    prepare()
    with counting(queries):
        func()
    times = []
    for _ in range(REPEAT if repeat is None else repeat):
        prepare()
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), times


def once(func):
    """(queries, [time in ms]) of one counted run, for what a run changes (a sweep that
    generates what is due)."""
    queries = []
    with counting(queries):
        started = time.perf_counter()
        func()
        elapsed = (time.perf_counter() - started) * 1000
    return len(queries), [elapsed]


class Table:
    def __init__(self, script: str):
        self.script = script
        self.rows: list[dict] = []

    def add(self, label: str, size: int, figure: tuple[int, list[float]]) -> None:
        queries, times = figure
        row = {"script": self.script, "measure": label, "size": size, "queries": queries}
        row.update(min=min(times), median=statistics.median(times))
        self.rows.append(row)
        if path := os.environ.get("BENCH_ROWS"):
            with open(path, "a") as out:
                out.write(json.dumps(row) + "\n")

    def print(self) -> None:
        """The script's table, unless bench/run.py prints every script's rows together."""
        if not os.environ.get("BENCH_ROWS"):
            print_rows(self.rows)


def print_rows(rows: list[dict]) -> None:
    """The table: each script's measures in the order first seen (a line naming the script
    when there are several), each measure with its sizes in ascending order."""
    by_script: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        by_script.setdefault(row["script"], {}).setdefault(row["measure"], []).append(row)
    print("\n{:<48} {:>5} {:>8} {:>9} {:>10} {:>7}".format(*HEAD))
    for script, by_measure in by_script.items():
        if len(by_script) > 1:
            print(f"-- bench/{script}.py")
        for label, figures in by_measure.items():
            figures.sort(key=lambda row: row["size"])
            first = figures[0]["median"]
            for row in figures:
                growth = f"{row['median'] / first:.1f}x" if row is figures[-1] and first else ""
                print(
                    f"{label:<48} {row['size']:>4}x {row['queries']:>8} {row['min']:>9.1f} "
                    f"{row['median']:>10.1f} {growth:>7}"
                )
