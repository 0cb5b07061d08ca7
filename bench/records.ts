/**
 * node dist/bench/records.js [--rows N]: how fast are the Sort Benchmark record layer's parts?
 * Prints MB/s (100-byte records; 1 MB = 10^6 bytes) by wall clock and by this process's CPU time
 * (the CPU figure is steadier when other work shares the machine):
 *   generate (limbs) · LCG step with limbs vs with BigInt · checksum (zlib vs table crc32)
 *   · validate in memory · gen-to-file and validate-from-file (streamed, bounded memory).
 */
import { parseArgs } from 'node:util';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_BYTES, generateRange, generateRecords } from '../engines/terasort/records.js';
import { A, C, Rand16 } from '../engines/terasort/rand16.js';
import { MAX128 } from '../engines/terasort/u128.js';
import { Checksum, crc32, crc32Table } from '../engines/terasort/checksum.js';
import { validateBuffer, validateFile } from '../engines/terasort/validate.js';
import { newRunId } from '../infra/run-id.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = Number(values.rows);
const mb = (rows * RECORD_BYTES) / 1e6;

async function measure(label: string, bytes: number, f: () => unknown): Promise<void> {
  const c0 = process.cpuUsage(),
    w0 = performance.now();
  await f();
  const cpu = process.cpuUsage(c0),
    wall = (performance.now() - w0) / 1000;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const rate = (s: number) => (bytes / 1e6 / s).toFixed(1).padStart(8);
  console.log(`${label.padEnd(44)} ${rate(wall)} MB/s wall ${rate(cpuS)} MB/s cpu   (${(bytes / 1e6).toFixed(0)} MB)`);
}

console.log(`records: ${rows} rows = ${mb} MB, node ${process.version}, zlib.crc32: ${crc32 !== crc32Table}`);
let data: Buffer = Buffer.alloc(0);
await measure('generateRecords (16-bit limbs)', rows * RECORD_BYTES, () => {
  data = generateRecords(10n ** 12n, rows);
});
await measure('LCG steps only, limbs (as 100 B/step)', rows * RECORD_BYTES, () => {
  new Rand16(1n).writeTop10Words(new Uint16Array(rows * 5), 0, rows);
});
await measure('LCG steps only, BigInt (as 100 B/step)', rows * RECORD_BYTES, () => {
  let x = 1n;
  const top = Buffer.allocUnsafe(rows * 10);
  for (let i = 0; i < rows; i++) {
    x = (A * x + C) & MAX128;
    top.writeBigUInt64BE(x >> 64n, i * 10);
    top.writeUInt16BE(Number((x >> 48n) & 0xffffn), i * 10 + 8);
  }
});
await measure('checksum, zlib.crc32 per record', data.length, () => new Checksum().addRecords(data));
await measure('checksum, table crc32 per record', data.length, () => {
  for (let off = 0; off < data.length; off += RECORD_BYTES) crc32Table(data.subarray(off, off + RECORD_BYTES));
});
await measure('validateBuffer (checksum + order), unsorted', data.length, () => validateBuffer(data));

const dir = await mkdtemp(join(tmpdir(), `icb-bench-records-${newRunId()}-`)); // removed below
try {
  const f = join(dir, 'gen.dat');
  await measure('generateRange -> file (10,000-row chunks)', rows * RECORD_BYTES, async () => {
    const fh = await open(f, 'w');
    try {
      await generateRange(0n, rows, 10_000, async (b) => {
        await fh.write(b);
      });
    } finally {
      await fh.close();
    }
  });
  await measure('validateFile (streamed, 4 MB reads)', rows * RECORD_BYTES, () => validateFile(f));
} finally {
  await rm(dir, { recursive: true, force: true });
}
