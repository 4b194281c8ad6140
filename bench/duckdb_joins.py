"""Where the soak's memory goes: `python -m bench.duckdb_joins [--queries 240000]`.

DuckDB alone, no app: two small tables in memory, one query run again and again, and the
memory the C allocator (glibc malloc) hands out in use after every `--every` queries
(`mallinfo2`, Linux only). A query with a join grows it by a few KB a run until DuckDB's buffer
pool purges its eviction queues (a node per temporary buffer a hash join released: "dead
nodes", see duckdb/duckdb#10594 and #20975), then it stays level; the same table read without a
join does not grow. The app's pages run a few such joins per visit, so its resident memory
rises during a soak until the queues reach that level (bench/RESULTS.md, "Soak"). Closing the
database gives the memory back; nothing in our code holds it. Not part of the pytest run.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import sys

import duckdb

QUERIES = {
    "join": "SELECT a.id, b.name FROM a JOIN b ON b.id = a.b_id WHERE a.user_id = ?",
    "no join": "SELECT a.id, a.b_id FROM a WHERE a.user_id = ? ORDER BY a.id",
}


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


_LIBC = ctypes.CDLL("libc.so.6") if sys.platform.startswith("linux") else None
if _LIBC is not None:
    _LIBC.mallinfo2.restype = _MallInfo2


def _in_use_mb() -> float:
    """Bytes glibc's malloc has handed out and not had back (all arenas), in MB."""
    gc.collect()
    info = _LIBC.mallinfo2()
    return (info.uordblks + info.hblkhd) / 2**20


def run(sql: str, queries: int, every: int) -> list[tuple[int, float]]:
    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE a AS SELECT i AS id, i % 10 AS user_id, i AS b_id"
                    " FROM range(3000) r(i)")
        con.execute("CREATE TABLE b AS SELECT i AS id, 'name ' || i AS name FROM range(3000) r(i)")
        samples = [(0, _in_use_mb())]
        for n in range(1, queries + 1):
            con.execute(sql, [n % 10]).fetchall()
            if n % every == 0:
                samples.append((n, _in_use_mb()))
        return samples
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.duckdb_joins", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=240_000, help="runs per query (240000)")
    parser.add_argument("--every", type=int, default=24_000, help="sample interval (24000)")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("mallinfo2 is glibc's: Linux only.")
        return 1
    print(f"DuckDB {duckdb.__version__}: malloc in use (MB) after n runs of one query")
    for name, sql in QUERIES.items():
        samples = run(sql, args.queries, args.every)
        base = samples[0][1]
        line = ", ".join(f"{n:,}: +{mb - base:.1f}" for n, mb in samples[1:])
        print(f"{name:8} {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
