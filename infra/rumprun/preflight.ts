/**
 * What running Rumprun unikernels needs, checked before anything is created. Rumprun runs only on
 * real sites (a Xen host, or a KVM/QEMU host): no Rumprun toolchain is packaged anywhere the project
 * installs from (its source tree is ~270 MB and unmaintained since 2020), so the lab never starts
 * it. The check names every missing piece and where it comes from:
 *   controller (build machine): the toolchain's `<tuple>-gcc` (e.g. x86_64-rumprun-netbsd-gcc),
 *     `rumprun-bake`, and the application's single-process C sources;
 *   each host: the `rumprun` launcher, plus `xl` (Xen) or `qemu-system-x86_64` (KVM/QEMU).
 */
import { existsSync, readFileSync } from 'node:fs';
import { run } from '../exec.js';
import { spawningCalls } from './bake.js';
import type { RumprunPlatform } from './launch.js';

const TOOLCHAIN_HINT =
  'build the Rumprun toolchain (git clone https://github.com/rumpkernel/rumprun; ./build-rr.sh xen, or hw for KVM/QEMU) and put its app-tools directory on PATH; no Debian package ships it';

export interface RumprunNeeds {
  platform: RumprunPlatform;
  /** Toolchain tuple (default x86_64-rumprun-netbsd). */
  tuple?: string;
  /** The application's C sources the scenario builds into the unikernel (single process). */
  sources?: string[];
}

/** Tools the controller must have (name -> why / where from). Pure. */
export function controllerTools(n: RumprunNeeds): Record<string, string> {
  const tuple = n.tuple ?? 'x86_64-rumprun-netbsd';
  return {
    [`${tuple}-gcc`]: `the Rumprun cross-compiler: ${TOOLCHAIN_HINT}`,
    'rumprun-bake': `bakes the application with a board config (${n.platform === 'xen' ? 'xen_pv' : 'hw_virtio'}): ${TOOLCHAIN_HINT}`,
  };
}

/** Tools each host must have (name -> why / where from). Pure. */
export function hostTools(platform: RumprunPlatform): Record<string, string> {
  return {
    rumprun: `the Rumprun launcher script (app-tools/rumprun of the toolchain build): ${TOOLCHAIN_HINT}`,
    ...(platform === 'xen'
      ? { xl: 'the Xen toolstack: apt-get install xen-utils (the host must run Xen as dom0)', 'xenstore-write': 'apt-get install xenstore-utils' }
      : { 'qemu-system-x86_64': 'apt-get install qemu-system-x86 (with /dev/kvm for KVM)' }),
  };
}

/**
 * Problems with the controller for a Rumprun scenario: missing tools (`have` answers whether a
 * command exists), unreadable sources, sources that create processes. Empty when all is there.
 */
export async function rumprunControllerProblems(n: RumprunNeeds, have: (tool: string) => Promise<boolean> = commandExists): Promise<string[]> {
  const problems: string[] = [];
  for (const [tool, why] of Object.entries(controllerTools(n))) if (!(await have(tool))) problems.push(`controller: ${tool} not found (${why})`);
  for (const f of n.sources ?? []) {
    if (!existsSync(f)) {
      problems.push(`controller: application source ${f} not found`);
      continue;
    }
    const calls = spawningCalls(readFileSync(f, 'utf8'));
    if (calls.length) problems.push(`controller: ${f} creates processes (${calls.join(', ')}); Rumprun runs one process, no fork/exec`);
  }
  return problems;
}

export async function commandExists(tool: string): Promise<boolean> {
  return (await run(['sh', '-c', 'command -v "$1" >/dev/null 2>&1', 'sh', tool], { timeoutMs: 10_000 })).ok;
}

/** One error for everything missing, or nothing. */
export async function preflightRumprun(n: RumprunNeeds, have?: (tool: string) => Promise<boolean>): Promise<void> {
  const problems = await rumprunControllerProblems(n, have);
  if (problems.length) throw new Error(`preflight failed for Rumprun (${n.platform}) (nothing was created):\n  - ${problems.join('\n  - ')}`);
}
