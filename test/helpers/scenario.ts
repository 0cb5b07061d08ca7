/** Runs a scenario script through zx as a user would, feeding each output line to `onLine`. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './fixtures.js';

export type LineHandler = (line: string, kill: (s: NodeJS.Signals) => void) => void;

export function runScenario(
  script: string,
  args: string[],
  o: { results: string; state: string; onLine?: LineHandler },
): Promise<{ code: number | null; out: string }> {
  const root = projectRoot();
  const zx = join(root, 'node_modules', 'zx', 'build', 'cli.js');
  return new Promise((res) => {
    const p = spawn(process.execPath, [zx, join(root, 'scenarios', script), '--results', o.results, ...args], {
      cwd: root,
      env: { ...process.env, ICBENCH_STATE_DIR: o.state },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const feed = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line) o.onLine?.(line, (sig) => p.kill(sig));
      out += d;
    };
    p.stdout.on('data', feed);
    p.stderr.on('data', feed);
    p.on('exit', (code) => res({ code, out }));
  });
}
