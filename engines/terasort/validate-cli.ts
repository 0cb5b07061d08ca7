/**
 * node dist/engines/terasort/validate-cli.js [--expect-records N] [--expect-checksum HEX] FILE...
 * Validates sort output (files in order = partitions of one output) and prints a JSON summary:
 * records, checksum, duplicates, firstKey, lastKey, ok, error (+ per-file summaries for > 1 file).
 * Exit status: 0 sorted and complete, 1 unsorted / truncated / not as expected, 2 bad usage or I/O.
 */
import { parseArgs } from 'node:util';
import { validateFile, validatePartitions, type Expected } from './validate.js';

const USAGE = 'usage: validate-cli [--expect-records N] [--expect-checksum HEX] FILE...';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { 'expect-records': { type: 'string' }, 'expect-checksum': { type: 'string' } },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals: files } = args;
  if (files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const expected: Expected = {};
  if (values['expect-records'] !== undefined) {
    const n = Number(values['expect-records']);
    if (!Number.isSafeInteger(n) || n < 0) {
      console.error(`--expect-records: expected a whole number, got ${values['expect-records']}`);
      return 2;
    }
    expected.records = n;
  }
  if (values['expect-checksum'] !== undefined) {
    if (!/^[0-9a-fA-F]{1,32}$/.test(values['expect-checksum'])) {
      console.error(`--expect-checksum: expected 1-32 hex digits, got ${values['expect-checksum']}`);
      return 2;
    }
    expected.checksum = values['expect-checksum'];
  }
  const parts = [];
  for (const f of files) {
    try {
      parts.push({ file: f, ...(await validateFile(f)) });
    } catch (e) {
      console.error(`${f}: ${(e as Error).message}`);
      return 2;
    }
  }
  const total = validatePartitions(parts, expected);
  const out = files.length > 1 ? { ...total, partitions: parts } : { file: files[0], ...total };
  console.log(JSON.stringify(out, null, 2));
  return total.ok ? 0 : 1;
}

process.exitCode = await main();
