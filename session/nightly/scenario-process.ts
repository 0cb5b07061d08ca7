/**
 * A scenario run as its own process, as a user runs it (`npx zx scenarios/x.mjs --opt v`): node
 * with zx's command line, in its own process group (so a hard stop reaches everything it
 * started), its output lines handed to the caller. Values travel as argv, never through a shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function zxCli(): string {
  return fileURLToPath(import.meta.resolve('zx/cli'));
}

export interface ScenarioProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last output lines (stdout and stderr), for an error message. */
  tail(): string[];
}

export function startScenario(
  script: string,
  args: string[],
  o: { cwd: string; env?: Record<string, string>; onLine?: (line: string) => void; tailLines?: number },
): ScenarioProcess {
  const child = spawn(process.execPath, [zxCli(), script, ...args], {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: SIGKILL at a hard stop reaches its children too
  });
  const keep = o.tailLines ?? 20;
  const tail: string[] = [];
  const feed = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        tail.push(l);
        if (tail.length > keep) tail.shift();
        o.onLine?.(l);
      }
    });
    stream.on('end', () => {
      if (rest) {
        tail.push(rest);
        o.onLine?.(rest);
      }
    });
  };
  feed(child.stdout!);
  feed(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('error', (e) => {
      tail.push(`cannot start: ${e.message}`);
      res({ code: 127, signal: null });
    });
    // 'exit', not 'close': a process it left behind may hold the pipes open; give them 2 s to drain.
    child.on('exit', (code, signal) => {
      const t = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 2000);
      child.once('close', () => clearTimeout(t));
      res({ code, signal });
    });
  });
  return { child, exited, tail: () => [...tail] };
}

/** Sends a signal to the process group (or the process); false when it is already gone. */
export function signalGroup(child: ChildProcess, sig: NodeJS.Signals, group: boolean): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
    return true;
  } catch {
    return false;
  }
}
