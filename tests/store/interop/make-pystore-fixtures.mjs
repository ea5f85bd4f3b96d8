// Writes PyStore-shaped item folders (tests/store/fixtures/pystore) with an
// independent writer, DuckDB: part.N.parquet files carrying pyarrow's
// "pandas" key/value metadata, a pystore_metadata.json with _updated, and
// dask's _common_metadata. Run from tests/store/interop:
//   node make-pystore-fixtures.mjs ../fixtures/pystore
// Item "ticks": index "index" (timestamp ns, UTC) + price (double) + size
// (bigint) + sym (string); 12 parts of 3 rows (part.0 .. part.11, so that
// lexical order differs from numeric), row i at 2024-01-01 + i seconds,
// price i * 0.5, size i, sym 'S' || (i % 3).
// Item "micros": one part, index "__index_level_0__" as timestamp[us] with
// time zone Europe/Paris in the metadata, value (double), legacy
// metadata.json, dask's _metadata too.
// Item "multi": MultiIndex (index, sym): two parts of 4 rows.
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs'

const out = process.argv[2] || '.'
const inst = await DuckDBInstance.create(':memory:')
const c = await inst.connect()

function pandasMeta (index, cols) {
  return JSON.stringify({
    index_columns: index,
    column_indexes: [{ name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: { encoding: 'UTF-8' } }],
    columns: cols.map(([name, pt, nt, meta]) => ({ name, field_name: name, pandas_type: pt, numpy_type: nt, metadata: meta })),
    creator: { library: 'pyarrow', version: '14.0.2' },
    pandas_version: '2.1.4'
  })
}
const sqlString = (s) => "'" + s.replace(/'/g, "''") + "'"

async function part (dir, n, select, meta) {
  await c.run(`COPY (${select}) TO '${dir}/part.${n}.parquet' (FORMAT parquet, KV_METADATA {pandas: ${sqlString(meta)}})`)
}

const updated = '{"source": "pystore", "_updated": "2024-02-01 10:00:00.000000"}\n'
const collection = `${out}/store/coll`
mkdirSync(collection, { recursive: true })
writeFileSync(`${out}/store/pystore_metadata.json`, '{"engine": "pyarrow"}\n')
writeFileSync(`${collection}/pystore_metadata.json`, '{}\n')

// ticks
let dir = `${collection}/ticks`
mkdirSync(dir, { recursive: true })
let meta = pandasMeta(['index'], [
  ['price', 'float64', 'float64', null], ['size', 'int64', 'int64', null],
  ['sym', 'unicode', 'object', null],
  ['index', 'datetimetz', 'datetime64[ns]', { timezone: 'UTC' }]])
for (let n = 0; n < 12; n++) {
  await part(dir, n, `SELECT (i * 0.5)::DOUBLE AS price, i::BIGINT AS size, 'S' || (i % 3) AS sym,
    make_timestamp_ns(1704067200000000000 + i * 1000000000)::TIMESTAMP_NS AS "index"
    FROM range(${n * 3}, ${n * 3 + 3}) t(i) ORDER BY i`, meta)
}
writeFileSync(`${dir}/pystore_metadata.json`, updated)
await c.run(`COPY (SELECT * FROM read_parquet('${dir}/part.0.parquet') LIMIT 0) TO '${dir}/_common_metadata' (FORMAT parquet)`)

// micros
dir = `${collection}/micros`
mkdirSync(dir, { recursive: true })
meta = pandasMeta(['__index_level_0__'], [
  ['value', 'float64', 'float64', null],
  ['__index_level_0__', 'datetimetz', 'datetime64[ns]', { timezone: 'Europe/Paris' }]])
await part(dir, 0, `SELECT (i * 1.25)::DOUBLE AS value,
  make_timestamptz(1704067200000000 + i * 1000) AS "__index_level_0__"
  FROM range(5) t(i) ORDER BY i`, meta)
writeFileSync(`${dir}/metadata.json`, '{"legacy": true, "_updated": "2024-02-01 10:00:00.000000"}\n')
copyFileSync(`${dir}/part.0.parquet`, `${dir}/_metadata`)

// multi
dir = `${collection}/multi`
mkdirSync(dir, { recursive: true })
meta = pandasMeta(['index', 'sym'], [
  ['v', 'int64', 'int64', null],
  ['index', 'datetime', 'datetime64[ns]', null], ['sym', 'unicode', 'object', null]])
for (let n = 0; n < 2; n++) {
  await part(dir, n, `SELECT i::BIGINT AS v,
    make_timestamp_ns(1704067200000000000 + (i // 2) * 1000000000)::TIMESTAMP_NS AS "index",
    CASE WHEN i % 2 = 0 THEN 'b' ELSE 'a' END AS sym
    FROM range(${n * 4}, ${n * 4 + 4}) t(i) ORDER BY i`, meta)
}
writeFileSync(`${dir}/pystore_metadata.json`, updated)
