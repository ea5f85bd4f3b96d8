// Writes the DuckDB fixtures of tests/store/fixtures (see its README):
//   node make-duckdb-fixtures.mjs OUTDIR
// Every value is a function of the row number i, so the C test
// (tests/store/test_parquet_foreign.c) checks each one without a copy.
import { DuckDBInstance } from '@duckdb/node-api'

const out = process.argv[2] || '.'
const select = `
SELECT
  TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000003) AS ts,
  make_timestamp_ns(1700000000000000000 + i * 1000000007) AS ts_ns,
  CASE WHEN i % 11 = 5 THEN NULL ELSE make_timestamptz(1700000000000000 + i * 1000) END AS tstz,
  CASE WHEN i % 7 = 3 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS i8,
  (i * 7 % 60000 - 30000)::SMALLINT AS i16,
  CASE WHEN i % 5 = 1 THEN NULL ELSE (i * 100003 - 150000000)::INTEGER END AS i32,
  (i * 1000000007 - 1500000000000)::BIGINT AS i64,
  (i % 250)::UTINYINT AS u8,
  (i * 13 % 65000)::USMALLINT AS u16,
  (i * 1000003 % 4000000000)::UINTEGER AS u32,
  (i::UBIGINT * 4000000000000000) AS u64,
  (i / 4)::FLOAT AS f,
  CASE WHEN i % 9 = 4 THEN NULL ELSE i / 8 END::DOUBLE AS d,
  CASE WHEN i % 6 = 2 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 13 = 6 THEN NULL ELSE ['alpha', 'béta', '日本', ''][i % 4 + 1] END AS s,
  'row ' || i AS s_plain
FROM range(4200) t(i)`
const inst = await DuckDBInstance.create(':memory:')
const c = await inst.connect()
await c.run(`CREATE TABLE t AS ${select}`)
// [file, rows, options]: DuckDB's defaults (data page v1, snappy), and
// PARQUET_VERSION V2 (data page v2 with DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT,
// DELTA_LENGTH_BYTE_ARRAY) with snappy and with zstd in 2048-row row groups.
const variants = [
  ['duckdb_v1_snappy.parquet', 1500, 'FORMAT parquet'],
  ['duckdb_v2_snappy.parquet', 1500, 'FORMAT parquet, PARQUET_VERSION V2'],
  ['duckdb_v2_zstd.parquet', 4200,
    'FORMAT parquet, PARQUET_VERSION V2, COMPRESSION zstd, ROW_GROUP_SIZE 2048'],
]
for (const [name, rows, opts] of variants)
  await c.run(`COPY (SELECT * FROM t WHERE rowid < ${rows} ORDER BY rowid) TO '${out}/${name}' (${opts})`)
