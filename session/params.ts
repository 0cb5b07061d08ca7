/**
 * Scenario parameters from the command line: `npx zx scenarios/x.mjs --wan-rtt 50ms --help`.
 * Every value is parsed here, once, into its typed value (a Duration, a Rate, a number, a
 * PairSelection, ...) with the option named in the error, before anything is created; later
 * stages take the typed value as it is. The result's type follows from the definitions, so a
 * scenario under `// @ts-check` cannot read a parameter it did not define.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, Duration, Percent, positiveInt, positiveNumber, Rate } from '../infra/units.js';
import { parsePairSelection, type PairSelection } from '../runners/pairs.js';
import { checkSpares, MAX_SPARES } from '../infra/config.js';

export type ParamType =
  | 'int-or-auto'
  | 'int'
  | 'number'
  | 'rate'
  | 'rates'
  | 'duration'
  | 'percent'
  | 'string'
  | 'pairs'
  | 'choice'
  | 'ints'
  | 'durations'
  | 'flag'
  | 'set';
export interface ParamDef {
  type: ParamType;
  default: string | number;
  help: string;
  /** The values of a 'choice' or 'set'. */
  choices?: readonly string[];
  /** For 'int' and 'number': 0 is allowed too (default: 1 or more, or greater than 0). */
  zero?: boolean;
}
export type ParamDefs = Record<string, ParamDef>;

/** The typed value of each parameter type; `C` is the union of a choice's or set's choices. */
interface ValueOfType<C> {
  /** 'auto' (e.g. adaptive repetitions, session/adaptive.ts) or a number. */
  'int-or-auto': number | 'auto';
  int: number;
  number: number;
  rate: Rate;
  rates: Rate[];
  duration: Duration;
  durations: Duration[];
  percent: Percent;
  string: string;
  pairs: PairSelection;
  choice: C;
  set: C[];
  ints: number[];
  flag: boolean;
}
type ChoiceOf<D> = D extends { choices: readonly (infer C)[] } ? C : string;
/** The value a parameter definition parses to (e.g. `{ type: 'duration' }` -> Duration). */
export type ParamValue<D extends ParamDef> = ValueOfType<ChoiceOf<D>>[D['type']];
/** What scenarioParams returns for `defs`: one typed, read-only value per definition, plus the reserved options. */
export type Params<Defs extends ParamDefs> = { readonly [K in keyof Defs]: ParamValue<Defs[K]> } & {
  /** --inventory: run on these real hosts over SSH instead of the local lab. */
  readonly inventory?: string;
  /** --dry-run: print the plan, create nothing. */
  readonly 'dry-run'?: boolean;
  /** --spares N: spare nodes per site that take over the role of a lost node of their site (absent: none). */
  readonly spares?: number;
};

function parseValue(name: string, d: ParamDef, raw: string): unknown {
  const field = `--${name}`;
  const int = (x: string) => (d.zero && x === '0' ? 0 : positiveInt(/^\d+$/.test(x) ? Number(x) : x, field));
  switch (d.type) {
    case 'int-or-auto':
      if (raw === 'auto') return raw;
      if (!/^\d+$/.test(raw)) throw new ConfigError(field, "'auto' or a whole number, e.g. 5", raw);
      return int(raw);
    case 'int':
      return int(raw);
    case 'number':
      if (d.zero && /^0+(\.0+)?$/.test(raw)) return 0;
      return positiveNumber(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw, field);
    case 'rate':
      return Rate.of(raw, field);
    case 'rates':
      return listOf(raw, field, 'a comma-separated list of rates, e.g. 1Gbit,500Mbit', (x) => Rate.of(x, field));
    case 'duration':
      return Duration.of(raw, field);
    case 'percent':
      return Percent.of(raw, field);
    case 'pairs':
      return parsePairSelection(raw, field);
    case 'ints':
      return listOf(raw, field, 'a comma-separated list of positive integers, e.g. 3,6,12', int);
    case 'durations':
      return listOf(raw, field, 'a comma-separated list of durations, e.g. 0ms,5ms,20ms', (x) => Duration.of(x, field));
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
  return `${description}\n\nUsage: npx zx ${script} [options]\n\nOptions:\n${lines.join('\n')}\n  --${'inventory'.padEnd(w)}run on the real hosts of this inventory (YAML) over SSH instead of the local lab\n  --${'spares'.padEnd(w)}spare nodes per site (0 to ${MAX_SPARES}), stood up with the others: a lost node's role moves to a spare of its site and its cells run there (default: 0)\n  --${'dry-run'.padEnd(w)}print the plan (sites, nodes, WAN, each benchmark with its pairs and samples, an estimate of the time) and create nothing\n  --${'help'.padEnd(w)}show this help\n`;
}

/**
 * What the session knows of parameters that came from scenarioParams (session/check.ts uses it to
 * name the option behind a check-pass error): the definitions, each default's typed value, the
 * options given on the command line, the parameters the scenario's body read, and values put in
 * place of the given ones while the check pass tries what a failure depends on.
 */
export interface ParamsState {
  defs: ParamDefs;
  defaults: Record<string, unknown>;
  given: ReadonlySet<string>;
  reads: Set<string>;
  override: Map<string, unknown>;
  /** The scenario script and its command-line options (run.json `entry`, what `icbench fill` starts again). */
  entry?: { script: string; args: string[] };
}
const STATE = Symbol('intercloud-bench.params');

/** The state of parameters made by scenarioParams (also of a spread copy such as `{ ...p, size }`), or null. */
export function paramsState(params: object | undefined): ParamsState | null {
  return ((params as { [STATE]?: ParamsState } | undefined)?.[STATE] as ParamsState | undefined) ?? null;
}

/** True when the scenario was started with --dry-run (a reserved option of every scenario). */
export function isDryRun(params: Record<string, unknown> | undefined): boolean {
  return params?.['dry-run'] === true;
}

/** --spares: a whole number of spare nodes per site, 0 to MAX_SPARES (checked again by the config). */
export function parseSpares(raw: string): number {
  if (!/^\d{1,3}$/.test(raw.trim())) throw new ConfigError('--spares', `a whole number of spare nodes per site from 0 to ${MAX_SPARES}`, raw);
  return checkSpares(Number(raw.trim()), '--spares');
}

/** Parses and checks; prints usage and exits 0 on --help; throws ConfigError on a bad value. */
export function scenarioParams<const D extends ParamDefs>(scriptUrl: string, description: string, defs: D, argv?: string[]): Params<D> {
  const args = argv ?? scriptArgs(scriptUrl);
  // Every scenario takes --inventory: the same script runs on real sites over SSH instead of the lab.
  // --dry-run too: the session prints the plan from its check pass and creates nothing.
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    inventory: { type: 'string' },
    spares: { type: 'string' },
    'dry-run': { type: 'boolean' },
  };
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
  const out: Record<string | symbol, unknown> = {};
  const defaults: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [k, d] of Object.entries(defs)) {
    const raw = parsed.values[k] as string | undefined;
    defaults[k] = parseValue(k, d, String(d.default));
    if (raw !== undefined) given.add(k);
    out[k] = raw === undefined ? defaults[k] : parseValue(k, d, raw);
  }
  if (!('inventory' in defs)) {
    const inv = parsed.values.inventory as string | undefined;
    if (inv !== undefined && inv.trim() === '') throw new ConfigError('--inventory', 'the path of an inventory file (YAML)', inv);
    if (inv !== undefined) out.inventory = inv;
  }
  if (!('spares' in defs) && parsed.values.spares !== undefined) out.spares = parseSpares(parsed.values.spares as string);
  if (!('dry-run' in defs) && parsed.values['dry-run']) out['dry-run'] = true;
  const state: ParamsState = { defs, defaults, given, reads: new Set(), override: new Map(), entry: { script: fileURLToPath(scriptUrl), args } };
  // A symbol: a spread copy keeps it, JSON ignores it.
  Object.defineProperty(out, STATE, { value: state, enumerable: true });
  // Reads go through the proxy: the check pass learns which parameters the body used, and may put
  // another value in place of one while it finds out which option a failure came from.
  return new Proxy(out, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key in defs) {
        state.reads.add(key);
        if (state.override.has(key)) return state.override.get(key);
      }
      return Reflect.get(target, key, receiver);
    },
    set: () => false,
    deleteProperty: () => false,
  }) as unknown as Params<D>;
}
