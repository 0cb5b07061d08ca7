/**
 * node dist/engines/terasort/gen-cli.js --start R --rows N --out FILE [--chunk-rows K] [--checksum]
 * Writes rows [R, R+N) in gensort's binary format (byte-identical to `gensort -bR N FILE`),
 * streamed in chunks of K rows (bounded memory). Prints a JSON line: start, rows, bytes, out,
 * seconds and, with --checksum, the records' valsort checksum (as `gensort -c` prints it).
 */
import { parseArgs } from 'node:util';
import { open } from 'node:fs/promises';
import { ConfigError } from '../../infra/units.js';
import { RECORD_BYTES, generateRange } from './records.js';
import { Checksum } from './checksum.js';

function parseBig(v: string | undefined, field: string): bigint {
  if (v === undefined || !/^\d+$/.test(v)) throw new ConfigError(field, 'a non-negative whole number of rows', v);
  return BigInt(v);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      start: { type: 'string', default: '0' },
      rows: { type: 'string' },
      out: { type: 'string' },
      'chunk-rows': { type: 'string', default: '10000' },
      checksum: { type: 'boolean', default: false },
    },
  });
  const start = parseBig(values.start, '--start');
  const rows = parseBig(values.rows, '--rows');
  if (rows > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConfigError('--rows', `at most ${Number.MAX_SAFE_INTEGER}`, values.rows);
  const chunkRows = Number(parseBig(values['chunk-rows'], '--chunk-rows'));
  if (!values.out) throw new ConfigError('--out', 'an output file path', values.out);
  const sum = values.checksum ? new Checksum() : null;
  const t0 = performance.now();
  const fh = await open(values.out, 'w');
  try {
    await generateRange(start, Number(rows), chunkRows, async (b) => {
      sum?.addRecords(b);
      for (let off = 0; off < b.length; ) off += (await fh.write(b, off, b.length - off)).bytesWritten;
    });
  } finally {
    await fh.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      start: start.toString(),
      rows: Number(rows),
      bytes: Number(rows) * RECORD_BYTES,
      out: values.out,
      seconds: Number(seconds.toFixed(3)),
      ...(sum ? { checksum: sum.toHex() } : {}),
    }),
  );
  return 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (e as Error).message : e);
  process.exitCode = 2;
}
