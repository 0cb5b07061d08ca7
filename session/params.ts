/**
 * Scenario parameters from the command line: `npx zx scenarios/x.mjs --wan-rtt 50ms --help`.
 * Every value is checked here, with the option named in the error, before anything is created.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseDurationMs, parsePercent, parseRate, positiveInt, positiveNumber } from '../infra/units.js';
import { parsePairSelection } from '../runners/pairs.js';

export type ParamType = 'int' | 'number' | 'rate' | 'duration' | 'percent' | 'string' | 'pairs' | 'choice' | 'ints' | 'durations' | 'flag' | 'set';
export interface ParamDef {
  type: ParamType;
  default: string | number;
  help: string;
  choices?: string[];
  /**
   * Benchmark option fields this parameter feeds (e.g. ['iperf3.durationS']): an error the check
   * pass finds in one of them (or below it, e.g. 'terasort.cluster.size') is reported as this option.
   */
  checks?: string[];
}
export type ParamDefs = Record<string, ParamDef>;

function check(name: string, d: ParamDef, raw: string): unknown {
  const field = `--${name}`;
  switch (d.type) {
    case 'int':
      return positiveInt(/^\d+$/.test(raw) ? Number(raw) : raw, field);
    case 'number':
      return positiveNumber(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw, field);
    case 'rate':
      parseRate(raw, field);
      return raw;
    case 'duration':
      parseDurationMs(raw, field);
      return raw;
    case 'percent':
      parsePercent(raw, field);
      return raw;
    case 'pairs':
      return parsePairSelection(raw, field);
    case 'ints':
      return listOf(raw, field, 'a comma-separated list of positive integers, e.g. 3,6,12', (x) => positiveInt(/^\d+$/.test(x) ? Number(x) : x, field));
    case 'durations':
      return listOf(raw, field, 'a comma-separated list of durations, e.g. 0ms,5ms,20ms', (x) => {
        parseDurationMs(x, field);
        return x;
      });
    case 'set': // a comma-separated subset of the choices, in the order given
      return listOf(raw, field, `a comma-separated subset of ${d.choices!.join(', ')}`, (x) => {
        if (!d.choices!.includes(x)) throw new ConfigError(field, `a comma-separated subset of ${d.choices!.join(', ')}`, x);
        return x;
      });
    case 'flag':
      if (!['true', 'false', 'yes', 'no', '1', '0'].includes(raw)) throw new ConfigError(field, 'true or false', raw);
      return ['true', 'yes', '1'].includes(raw);
    case 'choice':
      if (!d.choices!.includes(raw)) throw new ConfigError(field, `one of ${d.choices!.join(', ')}`, raw);
      return raw;
    default:
      return raw;
  }
}

function listOf<T>(raw: string, field: string, expected: string, each: (x: string) => T): T[] {
  const parts = raw.split(',').map((x) => x.trim());
  if (raw.trim() === '' || parts.some((x) => x === '')) throw new ConfigError(field, expected, raw);
  return parts.map(each);
}

/** The arguments after the script's own path (zx and node flags before it are not ours). */
export function scriptArgs(scriptUrl: string, argv = process.argv): string[] {
  const me = fileURLToPath(scriptUrl);
  const i = argv.findIndex((a) => {
    try {
      return resolve(a) === me;
    } catch {
      return false;
    }
  });
  return i >= 0 ? argv.slice(i + 1) : argv.slice(2);
}

export function usage(script: string, description: string, defs: ParamDefs): string {
  const w = Math.max(...Object.keys(defs).map((k) => k.length)) + 4;
  const lines = Object.entries(defs).map(
    ([k, d]) => `  --${k.padEnd(w)}${d.help} (default: ${d.default}${d.choices ? `; one of ${d.choices.join(', ')}` : ''})`,
  );
  return `${description}\n\nUsage: npx zx ${script} [options]\n\nOptions:\n${lines.join('\n')}\n  --${'inventory'.padEnd(w)}run on the real hosts of this inventory (YAML) over SSH instead of the local lab\n  --${'dry-run'.padEnd(w)}print the plan (sites, nodes, WAN, each benchmark with its pairs and samples, an estimate of the time) and create nothing\n  --${'help'.padEnd(w)}show this help\n`;
}

const DEFS = Symbol('intercloud-bench.paramDefs');

/** True when the scenario was started with --dry-run (a reserved option of every scenario). */
export function isDryRun(params: Record<string, unknown> | undefined): boolean {
  return params?.['dry-run'] === true;
}

/** The option (`--name`) whose ParamDef.checks covers `field`, if the params came from scenarioParams. */
export function optionFor(params: Record<string, unknown> | undefined, field: string): string | null {
  const defs = (params as { [DEFS]?: ParamDefs } | undefined)?.[DEFS];
  if (!defs) return null;
  for (const [name, d] of Object.entries(defs)) {
    if ((d.checks ?? []).some((c) => field === c || field.startsWith(c + '.') || field.startsWith(c + '['))) return `--${name}`;
  }
  return null;
}

/** Parses and checks; prints usage and exits 0 on --help; throws ConfigError on a bad value. */
export function scenarioParams(scriptUrl: string, description: string, defs: ParamDefs, argv?: string[]): Record<string, any> {
  const args = argv ?? scriptArgs(scriptUrl);
  // Every scenario takes --inventory: the same script runs on real sites over SSH instead of the lab.
  // --dry-run too: the session prints the plan from its check pass and creates nothing.
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, inventory: { type: 'string' }, 'dry-run': { type: 'boolean' } };
  for (const k of Object.keys(defs)) options[k] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new ConfigError('command line', `options from --help (${(e as Error).message})`, args.join(' '));
  }
  if (parsed.values.help) {
    const script = fileURLToPath(scriptUrl).split('/').slice(-2).join('/');
    process.stdout.write(usage(script, description, defs));
    process.exit(0);
  }
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(defs)) {
    const given = parsed.values[k] as string | undefined;
    out[k] = check(k, d, given ?? String(d.default));
  }
  if (!('inventory' in defs)) {
    const inv = parsed.values.inventory as string | undefined;
    if (inv !== undefined && inv.trim() === '') throw new ConfigError('--inventory', 'the path of an inventory file (YAML)', inv);
    if (inv !== undefined) out.inventory = inv;
  }
  if (!('dry-run' in defs) && parsed.values['dry-run']) out['dry-run'] = true;
  Object.defineProperty(out, DEFS, { value: defs, enumerable: true }); // a symbol: spread copies it, JSON ignores it
  return out;
}
