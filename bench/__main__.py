"""`python -m bench [name ...] [--runs N]`: run the benchmarks in turn, print a table each.

Exit status 0 unless a benchmark failed or a named PostgreSQL server could not be reached; a
benchmark that cannot run here (missing data) is skipped with a line saying why.
"""

import argparse
import importlib
import os
import platform
import sys
import time
import traceback

import bench


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"benchmarks to run (default: all of {', '.join(bench.BENCHMARKS)})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("FIELDCHECK_BENCH_RUNS", bench.DEFAULT_RUNS)),
        help="timed runs per figure, the median printed (default 3, or FIELDCHECK_BENCH_RUNS)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in bench.BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}: choose from {', '.join(bench.BENCHMARKS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    ctx = bench.Context(runs=args.runs)
    status = 0
    print(
        f"FieldCheck benchmarks: Python {platform.python_version()} on {platform.platform()}, "
        f"median of {ctx.runs} run{'s' if ctx.runs != 1 else ''}. Figures only, no assertions."
    )
    if ctx.postgres_error:
        print(f"ERROR: {ctx.postgres_error}; PostgreSQL figures skipped.")
        status = 1
    elif ctx.has_postgres:
        server = bench.describe_server(ctx.postgres_server)
        print(f"PostgreSQL: server {server} (from {ctx.postgres_env}).")
    else:
        print(f"PostgreSQL: not run (set {' or '.join(bench.POSTGRES_ENV)}).")
    try:
        for name in args.names or bench.BENCHMARKS:
            module = importlib.import_module(f"bench.{name}")
            print(f"\n== {name}: {module.TITLE} ==")
            sys.stdout.flush()
            try:
                result = module.run(ctx)
            except bench.Skip as exc:
                print(f"SKIPPED {name}: {exc}")
                continue
            except Exception as exc:  # report it, run the others, exit 1
                traceback.print_exc()
                print(f"FAILED {name}: {type(exc).__name__}: {exc}")
                status = 1
                continue
            if result.rows:
                print(bench.table(result.rows))
            for note in result.notes:
                print(f"  {note}")
    finally:
        print()
        ctx.close()
    rss = bench.max_rss_bytes()
    rss_text = f", process peak RSS {bench.format_bytes(rss)}" if rss else ""
    print(f"Bench done in {time.perf_counter() - started:.1f} s{rss_text}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
