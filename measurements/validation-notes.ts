/**
 * Which NOT OK validation checks degrade a run and which are only notes.
 *
 * The headlines compare paths: bandwidth, RTT, TPS and Terasort each put the inter-site WAN paths
 * against intra-site ones. So every check of a site pair's WAN (RTT, loss, throughput, also after
 * an in-place WAN change) is one a headline depends on: a miss there degrades the run, whatever
 * limited it (the emulator, qemu endpoints, the network itself).
 *
 * A site's LAN is different. When its probe missed the configured LAN rate only because of this
 * machine's own ceiling (`limit: 'machine'`, e.g. a 10 Gbit/s LAN that 2 cores carry at 7.8-8.6
 * Gbit/s), the intra-site figures are the machine's, not the profile's; but an inter-vs-intra
 * comparison still holds as long as that LAN stays faster than the WAN: the WAN remains the
 * narrowest part of every inter-site path, and intra-site traffic stays faster than inter-site.
 * The rule: a lan_rate miss with limit 'machine' is a note when the site has at least one WAN
 * pair, every one of its pairs has a rate (not unlimited), and the LAN measured is above the
 * fastest of them. Any other NOT OK degrades the run. A note is kept in run.json on the entry
 * (`note_only`, with the reason) and shown in the report and on the terminal as a note.
 */
import type { RunMeta, ValidationEntry } from './run-meta.js';

/** The run is degraded by this check: NOT OK and not only a note. */
export const degrades = (v: ValidationEntry): boolean => !v.ok && !v.note_only;

/** Why a NOT OK check is only a note (the rule above), or null when it degrades the run. Pure. */
export function noteOnlyReason(v: ValidationEntry, meta: Pick<RunMeta, 'topology' | 'wan'>): string | null {
  if (v.ok || v.check !== 'lan_rate' || v.limit !== 'machine' || v.measured === null) return null;
  const site = meta.topology.sites.find((s) => s.hosts.some((h) => h.name === v.a))?.name;
  const pairs = meta.wan.filter((w) => w.a === site || w.b === site);
  if (!site || !pairs.length || pairs.some((w) => w.rate_mbit === null)) return null;
  const wan = Math.max(...pairs.map((w) => w.rate_mbit as number));
  if (!(v.measured > wan)) return null;
  const mbit = (x: number) => `${Math.round(x)} Mbit/s`;
  return (
    `${site}'s LAN reached ${mbit(v.measured)}, not the configured ${mbit(v.configured ?? Number.NaN)}: this machine's ceiling, ` +
    `but still above the WAN rate (${mbit(wan)}), so the WAN stays the bottleneck of the inter-site paths and the inter- vs intra-site ` +
    `comparisons hold; intra-site figures of ${site} show this machine's ceiling, not the configured LAN`
  );
}

/** The entries with `note_only` set where the rule makes a miss a note (others unchanged). */
export function markNotes(entries: ValidationEntry[], meta: Pick<RunMeta, 'topology' | 'wan'>): ValidationEntry[] {
  return entries.map((v) => {
    const why = noteOnlyReason(v, meta);
    return why ? { ...v, note_only: why } : v;
  });
}
