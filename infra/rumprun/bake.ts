/**
 * Building a Rumprun unikernel: cross-compile with the toolchain's <tuple>-gcc, then "bake" the
 * binary with a board configuration (rumprun-bake). Pure argv builders plus a source check.
 *
 * Rumprun limits (rumprun README and wiki): one process only, no fork()/execve() (nor anything that
 * spawns a process: system(), popen(), posix_spawn(), daemon()); the build must support
 * cross-compilation. checkSingleProcess() is a textual scan of C source for those calls: it catches
 * the common cases early, it proves nothing about libraries linked in or calls made via pointers.
 */
import { ConfigError } from '../units.js';

/** Board configs shipped in rumprun's app-tools/rumprun-bake.conf. */
export const BAKE_CONFIGS = ['hw_generic', 'hw_virtio', 'hw_virtio_scsi', 'xen_pv', 'xen_pci'] as const;
export type BakeConfig = (typeof BAKE_CONFIGS)[number];
/** rumprun-bake refuses more than 8 input binaries. */
export const MAX_BAKE_INPUTS = 8;

const PATH_RE = /^[A-Za-z0-9_./+-]+$/;
const TUPLE_RE = /^[a-z0-9_]+-rumprun-netbsd(elf)?[a-z0-9_]*$/;

function path(v: unknown, field: string): string {
  if (typeof v !== 'string' || !PATH_RE.test(v) || v.startsWith('-'))
    throw new ConfigError(field, 'a file path of letters, digits and _ . / + - (not starting with -)', v);
  return v;
}

export interface BakeOptions {
  config: BakeConfig;
  output: string;
  inputs: string[];
}

export function bakeArgv(o: BakeOptions): string[] {
  if (!BAKE_CONFIGS.includes(o.config)) throw new ConfigError('config', `one of ${BAKE_CONFIGS.join(', ')}`, o.config);
  if (!Array.isArray(o.inputs) || o.inputs.length < 1 || o.inputs.length > MAX_BAKE_INPUTS)
    throw new ConfigError('inputs', `1 to ${MAX_BAKE_INPUTS} application binaries`, o.inputs);
  return ['rumprun-bake', o.config, path(o.output, 'output'), ...o.inputs.map((p, i) => path(p, `inputs[${i}]`))];
}

export interface CompileOptions {
  /** Toolchain tuple printed by build-rr.sh, e.g. x86_64-rumprun-netbsd. */
  tuple?: string;
  sources: string[];
  output: string;
  cflags?: string[];
  libs?: string[];
}

/** `<tuple>-gcc [cflags] -o OUTPUT SOURCES [libs]` for a single-process C application. */
export function compileArgv(o: CompileOptions): string[] {
  const tuple = o.tuple ?? 'x86_64-rumprun-netbsd';
  if (!TUPLE_RE.test(tuple)) throw new ConfigError('tuple', 'a rumprun toolchain tuple such as x86_64-rumprun-netbsd', tuple);
  if (!Array.isArray(o.sources) || o.sources.length === 0) throw new ConfigError('sources', 'at least one C source file', o.sources);
  const flag = (f: unknown, field: string) => {
    if (typeof f !== 'string' || !/^-[A-Za-z0-9_=.,/+-]+$/.test(f)) throw new ConfigError(field, 'a compiler flag such as -O2 or -DNAME=1', f);
    return f;
  };
  return [
    `${tuple}-gcc`,
    ...(o.cflags ?? []).map((f, i) => flag(f, `cflags[${i}]`)),
    '-o',
    path(o.output, 'output'),
    ...o.sources.map((s, i) => path(s, `sources[${i}]`)),
    ...(o.libs ?? []).map((f, i) => flag(f, `libs[${i}]`)),
  ];
}

const SPAWNING_CALLS = [
  'fork',
  'vfork',
  'execve',
  'execv',
  'execvp',
  'execvpe',
  'execl',
  'execlp',
  'execle',
  'fexecve',
  'posix_spawn',
  'posix_spawnp',
  'system',
  'popen',
  'daemon',
];

/** Names of process-creating calls in C source (comments and string literals ignored). */
export function spawningCalls(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''");
  const found = SPAWNING_CALLS.filter((name) => new RegExp(`(^|[^A-Za-z0-9_.>])${name}\\s*\\(`).test(code));
  return found;
}

/** Throws a ConfigError naming the file when its source creates processes (unsupported on Rumprun). */
export function checkSingleProcess(file: string, source: string): void {
  const calls = spawningCalls(source);
  if (calls.length) throw new ConfigError(file, 'a single-process program (Rumprun has no fork/exec)', `calls to ${calls.join(', ')}`);
}
