// peer_store.mjs - DuckDB (npm @duckdb/node-api, from tests/store/interop)
// writing and reading the data bench_store.c uses: STRATA_BENCH_ROWS
// (default 10,000,000) rows of a nanosecond timestamp key, four float64, one
// int64 and one dictionary string, Parquet with snappy (DuckDB's default), on
// two threads. Lines match bench_store's names: NAME RATE rows/s (...).
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const here = new URL('.', import.meta.url).pathname
const require = createRequire(join(here, '../../tests/store/interop/package.json'))
let duckdb
try {
  duckdb = await import(pathToFileURL(require.resolve('@duckdb/node-api')))
} catch {
  console.log(`${'duckdb'.padEnd(36)} skipped: run scripts/install-deps bench (npm ci)`)
  process.exit(0)
}

const n = Number(process.env.STRATA_BENCH_ROWS || 10000000)
const T0 = 1600000000000000000n
const STEP = 1000000000n
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-duckdb-'))
const file = join(dir, 'item.parquet')
const inst = await duckdb.DuckDBInstance.create(':memory:', { threads: '2' })
const con = await inst.connect()

function report(what, rows, bytes, seconds, extra = '') {
  const rate = (rows / seconds).toFixed(0).padStart(12)
  console.log(`${what.padEnd(36)} ${rate} rows/s  (${(bytes / seconds / 1e6).toFixed(0)} MB/s, ` +
    `${rows} rows in ${seconds.toFixed(3)} s${extra})`)
}

async function timed(sql) {
  const start = process.hrtime.bigint()
  await con.run(sql)
  return Number(process.hrtime.bigint() - start) / 1e9
}

// The same formulas as bench_store.c's make_rows.
await con.run(`CREATE TABLE src AS SELECT
  make_timestamp_ns(${T0} + i * ${STEP}) AS "index",
  100.0 + ((i * 2654435761) % 100000) / 1000.0 AS open,
  100.0 + ((i * 2654435761 + 97) % 100000) / 1000.0 AS high,
  100.0 + ((i * 2654435761 + 194) % 100000) / 1000.0 AS low,
  100.0 + ((i * 2654435761 + 291) % 100000) / 1000.0 AS close,
  (i * 7919) % 100000 AS volume,
  ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'META', 'NVDA', 'TSLA', 'BRK.B'][(i * 31) % 8 + 1] AS symbol
  FROM range(${n}) t(i)`)
const symBytes = Number((await con.runAndReadAll('SELECT sum(strlen(symbol)) FROM src'))
  .getRows()[0][0])
const bytes = n * 56 + symBytes

report('write', n, bytes, await timed(`COPY src TO '${file}' (FORMAT parquet)`),
  `; ${(statSync(file).size / 1e6).toFixed(0)} MB file`)
report('full read', n, bytes,
  await timed(`CREATE TABLE r1 AS SELECT * FROM read_parquet('${file}')`))
report('read 1 column', n, 16 * n,
  await timed(`CREATE TABLE r2 AS SELECT "index", close FROM read_parquet('${file}')`),
  ' (key + close)')
const lo = T0 + BigInt(Math.floor(n / 2)) * STEP
const hi = lo + BigInt(Math.floor(n / 100)) * STEP - 1n
const rangeSeconds = await timed(`CREATE TABLE r3 AS SELECT * FROM read_parquet('${file}')
  WHERE "index" BETWEEN make_timestamp_ns(${lo}) AND make_timestamp_ns(${hi})`)
const rangeRows = Number((await con.runAndReadAll('SELECT count(*) FROM r3')).getRows()[0][0])
report('read 1% range', rangeRows, bytes / 100, rangeSeconds)
con.closeSync()
rmSync(dir, { recursive: true, force: true })
