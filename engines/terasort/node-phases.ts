/**
 * The phases of one node that need no network (teragen, sample, validate): files in config.dir.
 * Shared by the per-node worker (worker.ts) and the worker serving a group of nodes (group-worker.ts).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Checksum } from './checksum.js';
import { generateRange } from './records.js';
import { validateFile } from './validate.js';
import { keyHex, sampleFile } from './sample.js';

export interface NodePhaseConfig {
  dir: string;
  /** teragen: first row (decimal string: rows are 64-bit) and row count. */
  startRow?: string;
  rows?: number;
  /** sample: keys to return at most. */
  samples?: number;
}

export async function teragen(c: NodePhaseConfig): Promise<object> {
  const sum = new Checksum();
  const fh = await open(join(c.dir, 'input.dat'), 'w');
  try {
    await generateRange(BigInt(c.startRow ?? '0'), c.rows ?? 0, 40000, async (b) => {
      sum.addRecords(b);
      await fh.write(b);
    });
  } finally {
    await fh.close();
  }
  return { rows: c.rows ?? 0, bytes: (c.rows ?? 0) * 100, checksum: sum.toHex() };
}

export function sample(c: NodePhaseConfig): object {
  return { keys: sampleFile(join(c.dir, 'input.dat'), c.samples ?? 10000).map(keyHex) };
}

export async function validate(c: NodePhaseConfig): Promise<object> {
  return { summary: await validateFile(join(c.dir, 'output.dat')) };
}
