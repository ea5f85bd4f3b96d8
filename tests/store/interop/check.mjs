// check.mjs - read Parquet files with two independent readers and compare
// them with the rows strata says they hold.
//
//   node check.mjs DIR EXPECTED.jsonl [hyparquet|duckdb|both]
//
// DIR: a strata item folder (its part.N.parquet files, in part order) or one
// .parquet file. EXPECTED.jsonl: one JSON object per row, keyed by column
// name, as `strata store read --format jsonl` prints it (timestamps as ISO
// 8601 text with up to nine fraction digits, or integer nanoseconds as a
// string or number; 64-bit integers may be strings). Values are compared
// after one canonical conversion: timestamps to integer nanoseconds,
// integers to decimal text, floats to JS's shortest round-trip text.
// hyparquet must give the rows in order; DuckDB's read_parquet(DIR/*.parquet)
// the same multiset of rows (it does not promise file order). Exit 0 when
// both agree with EXPECTED, 1 otherwise, printing the first difference.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { DuckDBInstance } from '@duckdb/node-api'

const [dir, expectedFile, which = 'both'] = process.argv.slice(2)

function partFiles(path) {
  if (!statSync(path).isDirectory()) return [path]
  const num = f => Number(/^part\.(\d+)\.parquet$/.exec(f)?.[1] ?? 1e18)
  return readdirSync(path).filter(f => f.endsWith('.parquet'))
    .sort((a, b) => num(a) - num(b) || (a < b ? -1 : 1)).map(f => join(path, f))
}

// Column kinds from a footer's schema: ts (with its unit and UTC flag), int,
// float, bool, str.
function kindsOf(metadata) {
  const kinds = {}
  for (const el of metadata.schema.slice(1)) {
    const lt = el.logical_type
    if (lt?.type === 'TIMESTAMP')
      kinds[el.name] = { kind: 'ts', unit: lt.unit, utc: lt.isAdjustedToUTC }
    else if (el.converted_type?.startsWith('TIMESTAMP_'))
      kinds[el.name] = { kind: 'ts', unit: el.converted_type.slice(10) }
    else if (el.type === 'INT32' || el.type === 'INT64') kinds[el.name] = { kind: 'int' }
    else if (el.type === 'FLOAT' || el.type === 'DOUBLE') kinds[el.name] = { kind: 'float' }
    else if (el.type === 'BOOLEAN') kinds[el.name] = { kind: 'bool' }
    else kinds[el.name] = { kind: 'str' }
  }
  return kinds
}

// ISO 8601 UTC text with up to nine fraction digits to BigInt nanoseconds.
function isoToNs(text) {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(text)
  const ms = Date.parse(m[1] + (m[3] ?? 'Z'))
  if (Number.isNaN(ms)) throw new Error(`bad timestamp ${text}`)
  return BigInt(ms) * 1000000n + BigInt((m[2] ?? '').padEnd(9, '0'))
}

// DuckDB has no nanosecond type with a time zone: it reads UTC NANOS
// timestamps as TIMESTAMPTZ, in microseconds. Its rows are compared at that
// precision (floored) for such columns; hyparquet's always to the nanosecond.
let tzNanosStep = 1n

function floorTo(ns, step) {
  const r = ns % step
  return r < 0n ? ns - r - step : ns - r
}

function canon(kind, v) {
  if (v === null || v === undefined) return null
  switch (kind.kind) {
    case 'ts': {
      const ns = typeof v === 'string' && !/^-?\d+$/.test(v) ? isoToNs(v) : BigInt(v)
      return (kind.utc && kind.unit === 'NANOS' ? floorTo(ns, tzNanosStep) : ns).toString()
    }
    case 'int': return BigInt(typeof v === 'boolean' ? Number(v) : v).toString()
    case 'float': return String(Number(v))
    case 'bool': return String(Boolean(v))
    default: return JSON.stringify(String(v))
  }
}

function canonRow(kinds, names, row) {
  return '[' + names.map(n => canon(kinds[n], row[n])).join(',') + ']'
}

const unitNs = { MILLIS: 1000000n, MICROS: 1000n, NANOS: 1n }

async function readHyparquet(files, kinds) {
  const rows = []
  for (const f of files) {
    const file = await asyncBufferFromFile(f)
    const metadata = await parquetMetadataAsync(file)
    const parsers = {
      timestampFromMilliseconds: v => BigInt(v) * unitNs.MILLIS,
      timestampFromMicroseconds: v => BigInt(v) * unitNs.MICROS,
      timestampFromNanoseconds: v => BigInt(v),
    }
    rows.push(...await parquetReadObjects({ file, metadata, compressors, parsers, utf8: true }))
  }
  return rows
}

async function readDuckdb(path, kinds, names) {
  const inst = await DuckDBInstance.create(':memory:')
  const con = await inst.connect()
  const q = s => '"' + s.replaceAll('"', '""') + '"'
  const cols = names.map(n => {
    const k = kinds[n].kind
    if (k === 'ts') return `epoch_ns(${q(n)})::VARCHAR AS ${q(n)}`
    if (k === 'int') return `${q(n)}::VARCHAR AS ${q(n)}`
    if (k === 'float') return `${q(n)}::DOUBLE AS ${q(n)}`
    return q(n)
  })
  const src = statSync(path).isDirectory() ? join(path, '*.parquet') : path
  const reader = await con.runAndReadAll(
    `SELECT ${cols.join(', ')} FROM read_parquet('${src.replaceAll("'", "''")}')`)
  return reader.getRowObjects()
}

function compare(label, got, want, ordered) {
  if (!ordered) {
    got = [...got].sort()
    want = [...want].sort()
  }
  if (got.length !== want.length) {
    console.log(`${label}: ${got.length} rows, strata has ${want.length}`)
    return false
  }
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) {
      console.log(`${label}: row ${i} differs\n  reader: ${got[i]}\n  strata: ${want[i]}`)
      return false
    }
  }
  console.log(`${label}: ${got.length} rows identical`)
  return true
}

const files = partFiles(dir)
if (files.length === 0) {
  console.log(`${dir}: no .parquet files`)
  process.exit(1)
}
const kinds = kindsOf(await parquetMetadataAsync(await asyncBufferFromFile(files[0])))
const expectedRows = readFileSync(expectedFile, 'utf8').split('\n').filter(l => l.trim())
  .map(l => JSON.parse(l))
const names = Object.keys(kinds)
for (const r of expectedRows)
  if (Object.keys(r).length !== names.length || !Object.keys(r).every(n => n in kinds))
    throw new Error(`expected columns ${Object.keys(r)} differ from ${names} in ${files[0]}`)
const want = expectedRows.map(r => canonRow(kinds, names, r))
let ok = true
if (which !== 'duckdb') {
  const rows = await readHyparquet(files, kinds)
  ok = compare('hyparquet', rows.map(r => canonRow(kinds, names, r)), want, true) && ok
}
if (which !== 'hyparquet') {
  const rows = await readDuckdb(dir, kinds, names)
  tzNanosStep = 1000n
  const wantUs = expectedRows.map(r => canonRow(kinds, names, r))
  ok = compare('duckdb', rows.map(r => canonRow(kinds, names, r)), wantUs, false) && ok
}
process.exit(ok ? 0 : 1)
