/**
 * VM live migration sections (rows of benchmark 'vm-migration'), per WAN profile: migration time
 * against guest memory with the floor transferred bytes / WAN rate for reference, and downtime
 * against memory as QEMU reports it and as a peer's 10 ms ping saw it. Each point is one
 * migration; the line joins the medians (n per size in the table).
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, hasFlag, median, numParam, type Section } from './common.js';

const isMig = (r: Measurement) => r.benchmark === 'vm-migration';
const ok = (r: Measurement) => r.status === 'ok' && r.value !== null && Number.isFinite(r.value);

export function wanLabel(r: Measurement): string {
  const rate = numParam(r, 'wan_rate_mbps'),
    rtt = numParam(r, 'rtt_ms');
  if (rate === null) return 'same site';
  return `${rate >= 1000 ? `${fmt(rate / 1000, rate % 1000 ? 1 : 0)} Gbit/s` : `${fmt(rate, 0)} Mbit/s`}, RTT ${fmt(rtt, 0)} ms`;
}

export interface MigrationGroup {
  wan: string;
  memMiB: number;
  n: number;
  timeS: number;
  floorS: number | null;
  downtimeMs: number | null;
  peerDowntimeMs: number | null;
  nPeer: number;
  passes: number | null;
  rateMbps: number | null;
  failed: number;
  guestFailed: number;
}

export function migrationSummary(rows: Measurement[]): MigrationGroup[] {
  const mine = rows.filter(isMig);
  const keys = [...new Set(mine.map((r) => `${wanLabel(r)}|${numParam(r, 'mem_mib')}`))];
  const out: MigrationGroup[] = [];
  for (const k of keys) {
    const [wan, mem] = [k.split('|')[0], Number(k.split('|')[1])];
    const g = mine.filter((r) => wanLabel(r) === wan && numParam(r, 'mem_mib') === mem);
    const vals = (m: string) => g.filter((r) => r.metric === m && ok(r)).map((r) => r.value as number);
    const med = (m: string) => (vals(m).length ? median(vals(m)) : null);
    const times = vals('migration_time');
    if (!times.length && !g.length) continue;
    out.push({
      wan,
      memMiB: mem,
      n: times.length,
      timeS: times.length ? median(times) : Number.NaN,
      floorS: med('migration_time_floor'),
      downtimeMs: med('downtime'),
      peerDowntimeMs: med('downtime_peer'),
      nPeer: vals('downtime_peer').length,
      passes: med('dirty_sync_passes'),
      rateMbps: med('effective_rate'),
      failed: g.filter((r) => r.metric === 'migration_time' && r.status !== 'ok').length,
      guestFailed: g.filter((r) => r.metric === 'migration_time' && hasFlag(r, 'guest-failed-after-migration')).length,
    });
  }
  return out.sort((a, b) => a.wan.localeCompare(b.wan) || a.memMiB - b.memMiB);
}

function points(rows: Measurement[], wan: string, metrics: Record<string, string>): Record<string, unknown>[] {
  return rows
    .filter((r) => isMig(r) && ok(r) && wanLabel(r) === wan && r.metric in metrics)
    .map((r) => ({
      mem_mib: numParam(r, 'mem_mib'),
      value: r.value,
      series: metrics[r.metric],
      repetition: r.repetition,
      from: String(r.params.from_host ?? ''),
    }));
}

export function migrationSections(rows: Measurement[], _meta: RunMeta): Section[] {
  const groups = migrationSummary(rows);
  if (!groups.length) return [];
  const tr = groups.map(
    (g) =>
      `<tr><td>${escapeHtml(g.wan)}</td><td class="num">${g.memMiB}</td><td class="num">${g.n}</td><td class="num"><b>${fmt(g.timeS, 2)}</b></td><td class="num">${fmt(g.floorS, 2)}</td>` +
      `<td class="num">${fmt(g.downtimeMs, 0)}</td><td class="num">${fmt(g.peerDowntimeMs, 0)} (n=${g.nPeer})</td><td class="num">${fmt(g.passes, 0)}</td><td class="num">${fmt(g.rateMbps, 0)}</td>` +
      `<td class="num">${g.failed || ''}${g.guestFailed ? ` (${g.guestFailed} guest failed)` : ''}</td></tr>`,
  );
  const sections: Section[] = [
    {
      heading: 'VM live migration',
      html:
        '<p class="note">A qemu VM moved between hosts of the two sites across the L2VPN and back (QEMU over QMP, pre-copy). ' +
        "Time and downtime are QEMU's own figures (query-migrate); the peer downtime is the longest gap between replies to a ping every 10 ms from another node to the VM's address, which answers at the same address after the move. " +
        'Floor = transferred bytes / WAN rate: the time the WAN alone needs. Medians over n migrations.</p>' +
        `<table><tr><th>WAN</th><th>memory MiB</th><th>n</th><th>time s</th><th>floor s</th><th>downtime ms (QEMU)</th><th>downtime ms (peer)</th><th>dirty-sync passes</th><th>effective Mbit/s</th><th>failed</th></tr>${tr.join('')}</table>`,
    },
  ];
  for (const wan of [...new Set(groups.map((g) => g.wan))]) {
    const time = points(rows, wan, { migration_time: 'migration time', migration_time_floor: 'floor: bytes / WAN rate' });
    const down = points(rows, wan, { downtime: 'downtime (QEMU)', downtime_peer: 'downtime seen by the peer (ping gaps)' });
    const layer = (title: string, unit: string, values: Record<string, unknown>[]) => ({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: title, subtitle: `WAN ${wan}; points: each migration, line: median per size` },
      width: 520,
      height: 260,
      data: { values },
      encoding: {
        x: { field: 'mem_mib', type: 'quantitative', title: 'guest memory (MiB)' },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.7 },
          encoding: {
            y: { field: 'value', type: 'quantitative', title: unit },
            tooltip: [{ field: 'series' }, { field: 'mem_mib' }, { field: 'value', format: '.3f' }, { field: 'repetition' }, { field: 'from' }],
          },
        },
        { mark: { type: 'line', point: false }, encoding: { y: { aggregate: 'median', field: 'value', type: 'quantitative', title: unit } } },
      ],
    });
    if (time.length)
      sections.push({ heading: `VM migration time vs memory (WAN ${wan})`, spec: layer('Migration time against guest memory', 'seconds', time) });
    if (down.length)
      sections.push({ heading: `VM migration downtime vs memory (WAN ${wan})`, spec: layer('Downtime against guest memory', 'milliseconds', down) });
  }
  return sections;
}
