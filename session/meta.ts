/** Facts about this machine and this harness for run.json: versions, kernel, commit. */
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { run } from '../infra/exec.js';
import { packageRoot } from '../infra/paths.js';

export function harnessVersion(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version };
}

export async function harnessCommit(): Promise<string> {
  const r = await run(['git', '-C', packageRoot(), 'rev-parse', 'HEAD']);
  if (!r.ok) return 'unknown (not a git checkout)';
  const dirty = await run(['git', '-C', packageRoot(), 'status', '--porcelain', '--untracked-files=no']);
  return r.stdout.trim() + (dirty.ok && dirty.stdout.trim() ? '+dirty' : '');
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .find((l) => l.trim())
    ?.trim() ?? '';

export async function toolVersions(): Promise<Record<string, string>> {
  const probes: Record<string, string[]> = {
    iperf3: ['iperf3', '--version'],
    ping: ['ping', '-V'],
    ip: ['ip', '-V'],
    tc: ['tc', '-V'],
    ethtool: ['ethtool', '--version'],
  };
  const out: Record<string, string> = { node: process.version };
  for (const [k, argv] of Object.entries(probes)) {
    const r = await run(argv, { timeoutMs: 5000 });
    out[k] = r.exitCode === null ? 'not found' : firstLine(r.stdout || r.stderr) || `exit ${r.exitCode}`;
  }
  return out;
}

export function hostFacts(netem: boolean) {
  return { kernel: release(), hostname: hostname(), cpus: cpus().length, memory_mb: Math.round(totalmem() / 2 ** 20), netem };
}
