/** HTML tables: validation, failed samples, run metadata. Every value passes through escapeHtml. */
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { escapeHtml } from './escape.js';
import { fmt } from './specs/common.js';
import { degrades } from '../measurements/validation-notes.js';

type Cell = string | number | null | undefined | { html: string; num?: boolean };

/** A table from a header and rows of cells; plain cells are escaped, numbers right-aligned. */
export function htmlTable(header: string[], rows: Cell[][]): string {
  const cell = (c: Cell): string => {
    if (c !== null && typeof c === 'object') return `<td${c.num ? ' class="num"' : ''}>${c.html}</td>`;
    if (typeof c === 'number') return `<td class="num">${escapeHtml(c)}</td>`;
    return `<td>${escapeHtml(c ?? '')}</td>`;
  };
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><tr>${head}</tr>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>`;
}

const okCell = (ok: boolean): Cell => ({ html: ok ? '<span class="ok">ok</span>' : '<span class="bad">NOT OK</span>' });
const numCell = (v: number | null | undefined, digits = 1): Cell => ({ html: escapeHtml(fmt(v, digits)), num: true });

export function validationTable(meta: RunMeta): string {
  if (!meta.validation.length) return '<p class="note">run.json holds no validation entries: the emulated WAN was not checked against its profile.</p>';
  const bad = meta.validation.filter(degrades).length;
  const noted = meta.validation.filter((v) => !v.ok && v.note_only).length;
  const notes = noted
    ? `<p class="note">${noted} check(s) NOT OK only because of this machine's own ceiling on a path no headline depends on: notes, the run is not degraded by them (why: in the note column).</p>`
    : '';
  const lead =
    (bad
      ? `<p class="bad">${bad} of ${meta.validation.length} checks are not ok.</p>`
      : `<p class="ok">${noted ? `${meta.validation.length - noted} of ${meta.validation.length}` : `All ${meta.validation.length}`} checks ok.</p>`) + notes;
  // Real sites: nothing was configured on the network; validation measured its baseline, and the scenario's figures were only expected.
  const baseline = meta.validation.every((v) => v.baseline);
  const real = baseline
    ? '<p class="note">The WAN was not emulated (real sites): these are baseline measurements of the real network. "expected" is the scenario\'s profile, which nothing enforced; results are compared with the measured baseline.</p>'
    : '';
  return (
    lead +
    real +
    htmlTable(
      ['check', 'between', baseline ? 'expected (not enforced)' : 'configured', baseline ? 'measured baseline' : 'measured', 'unit', 'result', 'note'],
      meta.validation.map((v) => [
        v.check,
        `${v.a} – ${v.b}`,
        numCell(v.configured, 2),
        numCell(v.measured, 2),
        v.unit,
        v.baseline && v.ok
          ? { html: '<span class="ok">baseline</span>' }
          : v.note_only && !v.ok
            ? { html: '<span class="warn">NOT OK (note)</span>' }
            : okCell(v.ok),
        v.note_only && !v.ok ? `${v.note}; a note, not degrading: ${v.note_only}` : v.note,
      ]),
    ) +
    wanChangesTable(meta)
  );
}

/** In-place WAN changes (e.g. the RTT sweep of pgbench) and what was measured right after each. */
export function wanChangesTable(meta: RunMeta): string {
  const changes = meta.wan_changes ?? [];
  if (!changes.length) return '';
  const rows = changes.flatMap((c) =>
    (c.validation.length ? c.validation : [null]).map((v): Cell[] => [
      c.at,
      c.what,
      c.wan.map((w) => `${w.a} – ${w.b}: ${w.rtt_ms} ms RTT`).join('; '),
      v ? v.check : '(not validated)',
      v ? numCell(v.configured, 2) : '',
      v ? numCell(v.measured, 2) : '',
      v ? v.unit : '',
      v ? okCell(v.ok) : '',
      v ? v.note : '',
    ]),
  );
  return (
    '<h3>WAN changes during the run</h3>' + htmlTable(['at', 'change', 'profiles in force', 'check', 'configured', 'measured', 'unit', 'result', 'note'], rows)
  );
}

/** Rows whose status is not ok, with the reason they carry (capped, the CSV keeps them all). */
export function failedRowsTable(rows: Measurement[], limit = 200, meta?: RunMeta): string {
  const bad = rows.filter((r) => r.status !== 'ok');
  if (!bad.length) {
    // A run that failed or stopped must not show a green all-clear above its error.
    if (meta && meta.status !== 'ok' && meta.status !== 'degraded')
      return `<p class="note">No failed sample rows, but the run itself is ${escapeHtml(meta.status)}: see the banner at the top and "Run failures" below.</p>`;
    return '<p class="ok">No failed samples.</p>';
  }
  const more = bad.length > limit ? `<p class="note">Showing ${limit} of ${bad.length}; measurements.csv has all of them.</p>` : '';
  return (
    `<p class="bad">${bad.length} sample(s) did not succeed.</p>` +
    htmlTable(
      ['benchmark', 'metric', 'path', 'from', 'to', 'rep.', 'status', 'started', 'reason'],
      bad
        .slice(0, limit)
        .map((r) => [
          r.benchmark,
          r.metric,
          r.path,
          `${r.src_site}/${r.src_node}`,
          `${r.dst_site}/${r.dst_node}`,
          r.repetition,
          { html: `<span class="bad">${escapeHtml(r.status)}</span>` },
          r.started_at,
          r.reason || '(no reason recorded)',
        ]),
    ) +
    more
  );
}

export function topologyTable(meta: RunMeta): string {
  return htmlTable(
    ['site', 'LAN rate (Mbit/s)', 'host', 'nodes (virt, address)'],
    meta.topology.sites.flatMap((s) =>
      s.hosts.map((h) => [s.name, numCell(s.lan_rate_mbit, 0), h.name, h.nodes.map((n) => `${n.name} (${n.virt}, ${n.address})`).join(', ')]),
    ),
  );
}

export function wanTable(meta: RunMeta): string {
  if (!meta.wan.length) return '<p class="note">No WAN profiles.</p>';
  return htmlTable(
    ['sites', 'rate (Mbit/s)', 'RTT (ms)', 'jitter (ms)', 'loss (%)', 'MTU', 'enforced by'],
    meta.wan.map((w) => [
      `${w.a} – ${w.b}`,
      w.rate_mbit === null ? 'unlimited' : numCell(w.rate_mbit, 0),
      numCell(w.rtt_ms),
      numCell(w.jitter_ms),
      numCell(w.loss_pct, 2),
      w.mtu,
      w.enforced_by === 'none' ? 'none: real WAN, the profile was only expected' : w.enforced_by,
    ]),
  );
}

type Counters = Record<string, unknown>;
const num = (o: unknown, k: string): number | null => {
  const v = o && typeof o === 'object' ? (o as Counters)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const sum = (o: unknown, keys: string[]): number | null => {
  const v = keys.map((k) => num(o, k));
  return v.every((x) => x === null) ? null : v.reduce<number>((a, x) => a + (x ?? 0), 0);
};

/**
 * The WAN emulator's counters per site pair and direction, summarised: packets, drops, late
 * packets (sent more than late_threshold_us after their due time), queue peak; the raw JSON
 * folded away in a <details>. `flagged`: samples the harness flagged emulator-saturated.
 */
export function emulatorTable(meta: RunMeta, flagged = 0): string {
  const pairs = Object.entries(meta.emulator ?? {});
  if (!pairs.length) return '<p class="note">No emulator counters (the WAN was not emulated by wanem, or the run ended before they were read).</p>';
  const thresholds = [...new Set(pairs.map(([, v]) => num(v, 'late_threshold_us')).filter((x): x is number => x !== null))];
  const rows: Cell[][] = [];
  for (const [pair, v] of pairs) {
    for (const dir of ['ab', 'ba']) {
      const d = v && typeof v === 'object' ? (v as Counters)[dir] : undefined;
      if (!d || typeof d !== 'object') continue;
      const tx = num(d, 'tx_pkts');
      const late = num(d, 'late_pkts');
      const sumLate = num(d, 'sum_late_us');
      rows.push([
        pair,
        dir === 'ab' ? 'a → b' : 'b → a',
        numCell(num(d, 'rx_pkts'), 0),
        numCell(tx, 0),
        numCell(sum(d, ['drop_loss']), 0),
        numCell(sum(d, ['drop_queue', 'drop_ring', 'drop_overrun']), 0),
        numCell(late, 0),
        numCell(late !== null && tx ? (late / tx) * 100 : null, 3),
        numCell(late && sumLate !== null ? sumLate / late / 1000 : null, 3),
        numCell(num(d, 'max_late_us') === null ? null : (num(d, 'max_late_us') as number) / 1000, 3),
        numCell(num(d, 'queue_peak_bytes'), 0),
        numCell(sum(d, ['send_errors', 'rx_errors']), 0),
      ]);
    }
  }
  const lead =
    `<p class="note"><b>late</b>: a packet the emulator sent more than ${thresholds.length ? thresholds.map((t) => `${t} µs`).join(' / ') : 'late_threshold_us'} after its due time ` +
    `(the time its configured delay and rate say it should leave); many late packets mean the emulator, not the profile, set the delay. ` +
    `Drops "queue/ring/overrun" are the emulator's own (queue full, receive ring full, CPU overrun); "loss" are the configured random losses. ` +
    `${flagged ? `<b>${flagged}</b> sample(s) were flagged emulator-saturated and are left out of the headline figures.` : 'No sample was flagged emulator-saturated.'}</p>`;
  const table = rows.length
    ? htmlTable(
        [
          'site pair',
          'direction',
          'received pkts',
          'sent pkts',
          'loss drops',
          'queue/ring/overrun drops',
          'late pkts',
          'late %',
          'mean lateness ms',
          'max lateness ms',
          'queue peak bytes',
          'errors',
        ],
        rows,
      )
    : '';
  return `${lead}${table}<details><summary>raw emulator counters (run.json "emulator")</summary><pre>${escapeHtml(JSON.stringify(meta.emulator, null, 2))}</pre></details>`;
}

/** A parameter's value as people write it: strings as is, lists joined, objects as compact JSON. */
function paramText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ');
  return JSON.stringify(v);
}

/**
 * The TCP stack in one line: each congestion control with its nodes (and qdisc), and what was asked,
 * e.g. "cubic on 4 nodes (default qdisc pfifo_fast, the host's); --tcp-cc cubic".
 */
export function tcpText(tcp: RunMeta['tcp']): string {
  if (!tcp) return 'not recorded';
  const groups = new Map<string, string[]>();
  for (const [node, t] of Object.entries(tcp.nodes)) {
    const k = `${t.congestion_control ?? 'unknown'} on %n (default qdisc ${t.default_qdisc ?? 'unknown'}${t.qdisc_from === 'host' ? ", the host's" : ''})`;
    groups.set(k, [...(groups.get(k) ?? []), node]);
  }
  const parts = [...groups].map(([k, nodes]) => k.replace('%n', nodes.length === 1 ? nodes[0] : `${nodes.length} nodes`));
  return `${parts.join('; ')}; --tcp-cc ${tcp.requested}${tcp.host_changes.length ? ` (${tcp.host_changes.join('; ')})` : ''}`;
}

export function metaTable(meta: RunMeta, flagged = 0): string {
  const h = meta.host;
  const status: Cell = { html: `<span class="${meta.status === 'ok' ? 'ok' : meta.status === 'degraded' ? 'warn' : 'bad'}">${escapeHtml(meta.status)}</span>` };
  const main = htmlTable(
    ['field', 'value'],
    [
      ['run id', meta.run_id],
      ['scenario', meta.scenario],
      ['harness', meta.harness ? `${meta.harness.name} ${meta.harness.version} (commit ${meta.harness.commit || 'unknown'})` : 'unknown'],
      ['testbed', meta.testbed],
      ['status', status],
      ['started', meta.started_at],
      ['ended', meta.ended_at ?? '(not ended)'],
      ['host', h ? `${h.hostname}: ${h.cpus} CPUs, ${h.memory_mb} MB, netem ${h.netem ? 'available' : 'absent'}` : 'unknown'],
      ['kernel', h?.kernel],
      ['cluster subnet', meta.topology.cluster_subnet],
      ['L2VPN', meta.topology.l2vpn],
      ['TCP congestion control', tcpText(meta.tcp)],
    ],
  );
  const tools = Object.keys(meta.tools).length
    ? htmlTable(
        ['tool', 'version'],
        Object.entries(meta.tools).map(([k, v]) => [k, v]),
      )
    : '<p class="note">No tool versions recorded.</p>';
  const failures = meta.failures.length
    ? htmlTable(
        ['stage', 'what', 'error'],
        meta.failures.map((f) => [f.stage, f.what, f.error]),
      )
    : '<p class="ok">No failures recorded.</p>';
  const emu = emulatorTable(meta, flagged);
  const params = Object.keys(meta.params).length
    ? htmlTable(
        ['parameter', 'value'],
        Object.entries(meta.params).map(([k, v]) => [k, paramText(v)]),
      )
    : '';
  return [
    main,
    '<h3>Topology</h3>',
    topologyTable(meta),
    '<h3>WAN profiles</h3>',
    wanTable(meta),
    '<h3>Run failures</h3>',
    failures,
    '<h3>Tool versions</h3>',
    tools,
    '<h3>Emulator counters</h3>',
    emu,
    params && '<h3>Scenario parameters</h3>',
    params,
  ].join('\n');
}
