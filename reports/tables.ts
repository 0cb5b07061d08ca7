/** HTML tables: validation, failed samples, run metadata. Every value passes through escapeHtml. */
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { escapeHtml } from './html.js';
import { fmt } from './specs/common.js';

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
const pre = (v: unknown): Cell => ({ html: `<pre>${escapeHtml(JSON.stringify(v, null, 2))}</pre>` });

export function validationTable(meta: RunMeta): string {
  if (!meta.validation.length) return '<p class="note">run.json holds no validation entries: the emulated WAN was not checked against its profile.</p>';
  const bad = meta.validation.filter((v) => !v.ok).length;
  const lead = bad ? `<p class="bad">${bad} of ${meta.validation.length} checks are not ok.</p>` : `<p class="ok">All ${meta.validation.length} checks ok.</p>`;
  return (
    lead +
    htmlTable(
      ['check', 'between', 'configured', 'measured', 'unit', 'result', 'note'],
      meta.validation.map((v) => [v.check, `${v.a} – ${v.b}`, numCell(v.configured, 2), numCell(v.measured, 2), v.unit, okCell(v.ok), v.note]),
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
export function failedRowsTable(rows: Measurement[], limit = 200): string {
  const bad = rows.filter((r) => r.status !== 'ok');
  if (!bad.length) return '<p class="ok">No failed samples.</p>';
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
      w.enforced_by,
    ]),
  );
}

export function metaTable(meta: RunMeta): string {
  const h = meta.host;
  const status: Cell = { html: `<span class="${meta.status === 'ok' ? 'ok' : 'bad'}">${escapeHtml(meta.status)}</span>` };
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
  const emu = Object.keys(meta.emulator).length
    ? htmlTable(
        ['site pair', 'counters'],
        Object.entries(meta.emulator).map(([k, v]) => [k, pre(v)]),
      )
    : '<p class="note">No emulator counters.</p>';
  const params = Object.keys(meta.params).length
    ? htmlTable(
        ['parameter', 'value'],
        Object.entries(meta.params).map(([k, v]) => [k, typeof v === 'string' ? v : pre(v)]),
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
