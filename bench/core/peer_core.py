#!/usr/bin/python3
"""Python peer of bench_core: the same figures with the tools the original
Python services use (datetime, tomllib, PyYAML, sqlite3), for the ratio that
scripts/bench prints. Output lines match bench_core's: NAME RATE UNIT/s."""
import datetime
import glob
import os
import sqlite3
import tempfile
import time
import uuid


def report(name, count, seconds, unit):
    print(f"{name:<36} {count / seconds:12.0f} {unit}/s  ({count:.0f} in {seconds:.3f} s)")


def bench_time():
    n = 300000
    texts = [f"2022-01-02T{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}.{i % 1000000:06d}+00:00"
             for i in range(n)]
    start = time.perf_counter()
    values = [datetime.datetime.fromisoformat(t) for t in texts]
    report("iso8601 parse", n, time.perf_counter() - start, "ts")
    start = time.perf_counter()
    for v in values:
        v.isoformat()
    report("iso8601 format", n, time.perf_counter() - start, "ts")


def bench_toml():
    import tomllib
    root = os.environ.get("STRATA_TESTDATA") or "../shared/data"
    files = sorted(glob.glob(f"{root}/seismic/noiz/config_examples/*.toml"))
    if not files:
        print(f"{'toml parse (noiz params)':<36} skipped: no files")
        return
    texts = [open(f, encoding="utf-8").read() for f in files]
    rounds = 500
    start = time.perf_counter()
    for _ in range(rounds):
        for t in texts:
            tomllib.loads(t)
    report("toml parse (noiz params)", rounds * len(texts), time.perf_counter() - start, "docs")


DRILL_YAML = """mqtt:
  broker:
    host: localhost
    port: 1883
    username: ""
    password: ""
  listener:
    root: OPCPUBSUB
    result: ResultManagement
    trace: ResultManagement/Trace
    heads: AssetManagement/Heads
    time_window: 30.0
    cleanup_interval: 60
    max_buffer_size: 10000
    duplicate_handling: ignore
  data_ids:
    machine_id: 'ResultManagement.Results.0.ResultMetaData.SerialNumber'
    result_id: 'ResultManagement.Results.0.ResultMetaData.ResultId'
    position: 'ResultManagement.Results.0.ResultContent.Trace.StepResults.0.Position'
  estimation:
    keypoints: 'Estimation/Keypoints'
    depth_estimation: 'Estimation/DepthEstimation'
  processing:
    workers: 4
  depth_validation:
    negative_depth_behavior: warning
"""


def bench_yaml():
    try:
        import yaml
    except ImportError:
        print(f"{'yaml parse (drill config)':<36} skipped: PyYAML not installed")
        return
    n = 2000
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    start = time.perf_counter()
    for _ in range(n):
        yaml.load(DRILL_YAML, Loader=loader)
    report("yaml parse (drill config)", n, time.perf_counter() - start, "docs")


def bench_sqlite():
    n = 200000
    with tempfile.TemporaryDirectory() as d:
        db = sqlite3.connect(os.path.join(d, "bench.db"))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE bench_rows (id TEXT PRIMARY KEY, n BIGINT, v DOUBLE PRECISION)")
        start = time.perf_counter()
        for b in range(0, n, 5000):
            rows = [(str(uuid.uuid4()), i, i * 0.5) for i in range(b, min(b + 5000, n))]
            with db:
                db.executemany("INSERT INTO bench_rows VALUES (?, ?, ?)", rows)
        report("catalog bulk insert (sqlite)", n, time.perf_counter() - start, "rows")
        db.close()


if __name__ == "__main__":
    bench_time()
    bench_toml()
    bench_yaml()
    bench_sqlite()
