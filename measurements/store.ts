/**
 * results/<run-id>/: raw/ (every tool's output as it came), measurements.csv (appended as rows
 * arrive, so a crash loses nothing already measured) and run.json (rewritten at each stage).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MEASUREMENT_COLUMNS, paramsJson, type Measurement } from './measurement.js';
import type { RunMeta } from './run-meta.js';

export class ResultStore {
  readonly dir: string;
  readonly csvPath: string;
  readonly metaPath: string;
  private rows = 0;

  constructor(resultsRoot: string, readonly runId: string) {
    this.dir = join(resultsRoot, runId);
    this.csvPath = join(this.dir, 'measurements.csv');
    this.metaPath = join(this.dir, 'run.json');
    mkdirSync(join(this.dir, 'raw'), { recursive: true });
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, stringify([MEASUREMENT_COLUMNS]));
  }

  /** Keeps a tool's raw output under raw/; returns the path relative to the run directory. */
  raw(relPath: string, content: string): string {
    const safe = relPath.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/\.\.+/g, '.');
    const p = join(this.dir, 'raw', safe);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    return join('raw', safe);
  }

  add(rows: Measurement[]): void {
    if (rows.length === 0) return;
    const records = rows.map((r) => MEASUREMENT_COLUMNS.map((c) => (c === 'params' ? paramsJson(r.params) : r[c] === null ? '' : r[c])));
    appendFileSync(this.csvPath, stringify(records));
    this.rows += rows.length;
  }

  get rowCount(): number {
    return this.rows;
  }

  writeMeta(meta: RunMeta): void {
    const tmp = this.metaPath + '.tmp';
    writeFileSync(tmp, JSON.stringify(meta, null, 2) + '\n');
    renameSync(tmp, this.metaPath);
  }
}
