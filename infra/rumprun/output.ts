/**
 * Parsers for what Rumprun prints. Pure: no I/O.
 * - the `rumprun` driver script: `xen:<domid>` / `qemu:<pid>` when it started a guest in the
 *   background, `rumprun: error: ...` when it did not, a "!!! NOTE" banner on stderr unless silenced;
 * - `rumprun-bake`: `>> ERROR: ...` or `rumprun-bake: error: ...`;
 * - the unikernel console: `=== calling "APP" main() ===`, `=== main() of "APP" returned N ===`,
 *   `=== _exit(N) called ===`, `rumprun: call to ``X'' ignored`, NetBSD boot lines.
 */

export interface RumprunLaunch {
  platform?: 'xen' | 'qemu';
  domid?: number;
  pid?: number;
  reason?: string;
}

export function parseRumprunLaunch(text: string): RumprunLaunch {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const err = lines.find((l) => /^rumprun: error: /.test(l) || /^Invalid platform /.test(l) || /^usage: rumprun /.test(l));
  if (err) return { reason: err };
  for (const l of lines) {
    const x = /^xen:(\d+)$/.exec(l);
    if (x) return { platform: 'xen', domid: Number(x[1]) };
    const q = /^qemu:(\d+)$/.exec(l);
    if (q) return { platform: 'qemu', pid: Number(q[1]) };
  }
  const rest = lines.filter((l) => !/^!!!/.test(l));
  return {
    reason: rest.length ? `rumprun printed no xen:<domid> or qemu:<pid>; last line: ${JSON.stringify(rest[rest.length - 1])}` : 'rumprun printed nothing',
  };
}

export function parseBakeOutput(text: string): { ok: boolean; reason?: string } {
  const err = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^>> ERROR: /.test(l) || /^rumprun-bake: error: /.test(l) || /^>> max \d+ binaries/.test(l));
  return err ? { ok: false, reason: err } : { ok: true };
}

export interface RumprunConsole {
  /** Programs whose main() was called, in order. */
  started: string[];
  /** main() return values by program. */
  returned: { program: string; code: number }[];
  /** The code passed to _exit(), when the unikernel got that far. */
  exitCode?: number;
  halted: boolean;
  /** Calls the rump kernel ignored (e.g. sigaction): worth a flag on results. */
  ignoredCalls: string[];
  kernel?: string;
  memoryKB?: number;
  /** MAC addresses of the NICs the kernel attached, by interface. */
  interfaces: Record<string, string>;
  /** "could not find start of json. no config?": the unikernel booted without its network/disk config. */
  noConfig: boolean;
  /** Why the run is not a success, if it is not: main() not reached, non-zero exit. */
  problem?: string;
}

const TS = /^\[\s*\d+\.\d+\]\s*/;

export function parseRumprunConsole(text: string): RumprunConsole {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const out: RumprunConsole = { started: [], returned: [], halted: false, ignoredCalls: [], interfaces: {}, noConfig: false };
  for (const raw of lines) {
    const l = raw.replace(TS, '');
    let m: RegExpExecArray | null;
    if ((m = /^=== calling "(.*)" main\(\) ===$/.exec(l))) out.started.push(m[1]);
    else if ((m = /^=== main\(\) of "(.*)" returned (-?\d+) ===$/.exec(l))) out.returned.push({ program: m[1], code: Number(m[2]) });
    else if ((m = /^=== _exit\((-?\d+)\) called ===$/.exec(l))) out.exitCode = Number(m[1]);
    else if ((m = /^rumprun: call to ``(.+)'' ignored$/.exec(l))) {
      if (!out.ignoredCalls.includes(m[1])) out.ignoredCalls.push(m[1]);
    } else if ((m = /^(NetBSD \S+ \(.+\))$/.exec(l))) out.kernel = m[1];
    else if ((m = /^total memory = (\d+) KB$/.exec(l))) out.memoryKB = Number(m[1]);
    else if ((m = /^total memory = (\d+) MB$/.exec(l))) out.memoryKB = Number(m[1]) * 1024;
    else if ((m = /^(\w+\d+): Ethernet address ([0-9a-f:]{17})$/.exec(l))) out.interfaces[m[1]] = m[2];
    else if (/^rumprun: could not find start of json/.test(l)) out.noConfig = true;
    else if (l === 'halted') out.halted = true;
  }
  if (out.started.length === 0) out.problem = 'main() was never called (the unikernel did not finish booting)';
  else if (out.returned.some((r) => r.code !== 0)) out.problem = `main() returned ${out.returned.find((r) => r.code !== 0)!.code}`;
  else if (out.exitCode !== undefined && out.exitCode !== 0) out.problem = `_exit(${out.exitCode})`;
  return out;
}
