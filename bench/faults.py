"""The randomized fault schedules of tests/web/test_sync_faults.py, 1,000 of them: clients push
and pull while answers are lost, batches repeat, reorder and split, the server restarts; each
schedule ends checking that the server holds every operation exactly once. A check, timed."""

import os
import random
import time

from bench import Result, Row, progress

TITLE = "1,000 randomized sync fault schedules (exactly once, every one), on SQLite"
COUNT = int(os.environ.get("FIELDCHECK_BENCH_FAULT_SCHEDULES", "1000"))


def run(ctx) -> Result:
    from tests.sync_faults import run_schedules

    seed = int(os.environ.get("FIELDCHECK_FAULT_SEED", random.randrange(1, 10**9)))
    progress(f"{COUNT} schedules from seed {seed} (FIELDCHECK_FAULT_SEED replays them)")
    start = time.perf_counter()

    def report(done, at_seed, summary):
        if done % 100 == 0:
            progress(f"{done} schedules, last seed {at_seed}")

    totals = run_schedules(COUNT, seed, progress=report)
    seconds = time.perf_counter() - start
    result = Result()
    result.rows.append(
        Row("sqlite", f"{COUNT} fault schedules, all exactly once", seconds, rows=COUNT)
    )
    result.notes.append(f"seed {seed}; totals: {totals}")
    return result
