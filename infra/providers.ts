/**
 * The provider registry: every kind of testbed, listed once (one line each). Everything else that
 * depends on the kind of testbed is derived from here: which provider a scenario gets (session),
 * run.json's `testbed` (the provider's name), `clean` (each provider removes the journal entries
 * it owns), orphans (icbench clean --orphans, icbench list). session/ and cli/ reach providers
 * only through this module.
 *
 * Adding a provider: its own folder with a module exporting a ProviderModule (infra/testbed.ts),
 * and one line below. The list is in clean order: a provider whose resources run on another's
 * comes first (ssh hosts may be QEMU processes the lab started, e.g. a nested Xen host, or a
 * cloud's machines), so that its hosts are still there when it cleans them.
 */
import { fileHasCloudSites } from './cloud/inventory.js';
import type { JournalEntry } from './journal.js';
import type { CleanOptions, Leftover, Orphans, Provider, ProviderModule } from './testbed.js';
import { ConfigError } from './units.js';

const MODULES = [
  () => import('./remote/provider.js').then((m) => m.sshProviderModule),
  () => import('./cloud/provider.js').then((m) => m.cloudProviderModule),
  () => import('./lab/provider.js').then((m) => m.labProviderModule),
] as const;

type Listed = Awaited<ReturnType<(typeof MODULES)[number]>>;
type OptionsOf<M> = M extends ProviderModule<infer O> ? O : never;
type Both<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** What a scenario may give that picks and configures its provider: an inventory, and each provider's own options (the lab's wanMode, qemu). */
export type ProviderOptions = { inventory?: string } & Both<OptionsOf<Listed>>;

let loaded: Promise<readonly ProviderModule[]> | null = null;
/** The registered provider modules, in clean order. */
export function providerModules(): Promise<readonly ProviderModule[]> {
  loaded ??= Promise.all(MODULES.map((load): Promise<ProviderModule> => load()));
  return loaded;
}

/**
 * The kinds of testbed an inventory's sites are: 'cloud' when any site is a cloud (its hosts are
 * created; the cloud provider hands them, and the file's SSH sites, to the ssh provider), else 'ssh'.
 */
function inventorySiteKinds(inventory: string): string[] {
  return [fileHasCloudSites(inventory) ? 'cloud' : 'ssh'];
}

/** The provider of a run: the default testbed (the local lab) without an inventory, else the one its sites' kind names. Throws ConfigError. */
export async function chooseProvider(given: ProviderOptions): Promise<Provider> {
  const modules = await providerModules();
  if (!given.inventory) {
    const m = modules.find((x) => x.chosenFor === 'no-inventory');
    if (!m) throw new Error('provider registry: no provider is the default testbed');
    return m.create(given);
  }
  const kinds = [...new Set(inventorySiteKinds(given.inventory))];
  const kinded = modules.flatMap((m) => (m.chosenFor !== 'no-inventory' ? [[m.chosenFor.inventorySites, m] as const] : []));
  if (kinds.length !== 1) throw new ConfigError('inventory', 'sites of one provider kind', kinds.join(' and '));
  const m = kinded.find(([k]) => k === kinds[0])?.[1];
  if (!m) throw new ConfigError('inventory', `sites of a provider kind registered here (${kinded.map(([k]) => k).join(', ')})`, kinds[0]);
  return m.create(given);
}

/** Journal kinds the run itself owns (its head, its files, hosts forgotten on purpose; removed by clean once nothing else is left). */
const RUN_KINDS: readonly string[] = ['run', 'file', 'forgotten'];

/**
 * Each provider removes the entries of one run that it owns, in registry order; returns what
 * could not be removed (with the host it is on, on real sites). An entry no provider owns is
 * reported as left (its journal is kept).
 */
export async function cleanEntries(runId: string, entries: JournalEntry[], o: CleanOptions = {}): Promise<Leftover[]> {
  const modules = await providerModules();
  const left: Leftover[] = [];
  for (const m of modules) {
    const mine = entries.filter((e) => m.owns.includes(e.kind));
    if (mine.length) left.push(...(await m.clean(runId, mine, o)));
  }
  const owned = new Set<string>([...RUN_KINDS, ...modules.flatMap((m) => m.owns)]);
  const unknown = [...new Set(entries.filter((e) => !owned.has(e.kind)).map((e) => e.kind))];
  left.push(...unknown.map((k) => ({ what: `journal entries of kind ${k} (no registered provider owns them)` })));
  return left;
}

/** The hosts a run's journal entries name (real sites), in journal order, each once. */
export async function journaledHosts(entries: JournalEntry[]): Promise<string[]> {
  const modules = await providerModules();
  const hosts = entries.flatMap((e) => modules.find((m) => m.owns.includes(e.kind))?.hosts?.of(e) ?? []);
  return [...new Set(hosts)];
}

/**
 * For `clean --forget-host`: a map over journal entries that drops `hosts` from each (through the
 * provider that owns it; null: nothing of the entry is left); entries on no host pass unchanged.
 */
export async function withoutHosts(hosts: ReadonlySet<string>): Promise<(e: JournalEntry) => JournalEntry | null> {
  const modules = await providerModules();
  return (e) => {
    const m = modules.find((x) => x.owns.includes(e.kind));
    return m?.hosts ? m.hosts.without(e, hosts) : e;
  };
}

/** Orphans of every provider that can find them: `clean --orphans` (see Orphans.clean). */
export async function cleanOrphans(o: Parameters<Orphans['clean']>[0]): ReturnType<Orphans['clean']> {
  const left: string[] = [];
  let removed = 0;
  for (const m of await providerModules()) {
    if (!m.orphans) continue;
    const r = await m.orphans.clean(o);
    left.push(...r.left);
    removed += r.removed;
  }
  return { left, removed };
}

/** `icbench list`'s lines about orphans, from every provider that can find them. */
export async function orphanSummary(): Promise<string[]> {
  const out: string[] = [];
  for (const m of await providerModules()) if (m.orphans) out.push(...(await m.orphans.summary()));
  return out;
}
