/** results/<sweep-id>/sweep.json: the points of a sweep and their state (written by session/sweep.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type PointStatus = 'pending' | 'running' | 'ok' | 'failed' | 'interrupted';
export interface SweepPoint {
  key: string;
  status: PointStatus;
  run_id?: string;
  run_dir?: string;
  attempts: number;
}
export interface SweepState {
  sweep_id: string;
  scenario: string;
  created_at: string;
  updated_at: string;
  params: Record<string, unknown>;
  points: SweepPoint[];
}

/** The folder is not a sweep (no or malformed sweep.json). */
export class SweepDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepDirError';
  }
}

export function readSweep(dir: string): SweepState {
  const file = join(dir, 'sweep.json');
  if (!existsSync(file)) throw new SweepDirError(`${dir}: expected a sweep directory holding sweep.json`);
  const s = JSON.parse(readFileSync(file, 'utf8')) as SweepState;
  if (!Array.isArray(s.points) || typeof s.sweep_id !== 'string') throw new SweepDirError(`${file}: expected a sweep.json with sweep_id and points`);
  return s;
}
