/**
 * Parsers for what `xl` prints. Pure: no I/O. Formats follow real captures (test/fixtures/xen/README.md).
 * - `xl list`: a header `Name ID Mem VCPUs State Time(s)` (spaces or tabs), one domain a line.
 * - `xl list -l`: a JSON array of { domid, config: { c_info: { name, type, ... }, b_info, ... } }.
 * - `xl info`: `key : value` lines; long values continue on lines that start with blanks.
 * - `xl migrate`: progress and protocol lines on stderr, ending in "Migration successful." only on success.
 */

export interface XlDomainRow {
  name: string;
  id: number;
  memMiB: number;
  vcpus: number;
  state: string;
  timeS: number;
}

/** State flags of `xl list`: r running, b blocked, p paused, s shutdown, c crashed, d dying. */
export function stateFlags(state: string): Set<string> {
  return new Set(state.replace(/-/g, '').split(''));
}

export function parseXlList(text: string): XlDomainRow[] {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const head = lines.findIndex((l) => /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)/.test(l));
  if (head < 0) throw new Error(`xl list: no "Name ID Mem VCPUs State Time(s)" header in ${JSON.stringify(text.slice(0, 200))}`);
  const rows: XlDomainRow[] = [];
  for (const line of lines.slice(head + 1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) throw new Error(`xl list: cannot read row ${JSON.stringify(line)}`);
    const [id, mem, vcpus, state, time] = f.slice(-5);
    const nums = [id, mem, vcpus, time].map(Number);
    if (nums.some((n) => !Number.isFinite(n)) || !/^[rbpscd-]{6}$/.test(state)) throw new Error(`xl list: cannot read row ${JSON.stringify(line)}`);
    rows.push({ name: f.slice(0, -5).join(' '), id: nums[0], memMiB: nums[1], vcpus: nums[2], state, timeS: nums[3] });
  }
  return rows;
}

export interface XlDomainLong {
  domid: number;
  name: string;
  type?: string;
  config: Record<string, unknown>;
}

/** `xl list -l` JSON. Entries without a domid or a config.c_info.name are an error, not skipped. */
export function parseXlListLong(text: string): XlDomainLong[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`xl list -l: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc)) throw new Error('xl list -l: expected a JSON array of domains');
  return doc.map((d, i) => {
    const config = (d as { config?: unknown })?.config as Record<string, unknown> | undefined;
    const cInfo = config?.c_info as Record<string, unknown> | undefined;
    const domid = (d as { domid?: unknown })?.domid;
    if (typeof domid !== 'number' || !config || typeof cInfo?.name !== 'string') throw new Error(`xl list -l: entry ${i} has no domid or config.c_info.name`);
    return { domid, name: cInfo.name, type: typeof cInfo.type === 'string' ? cInfo.type : undefined, config };
  });
}

export interface XlInfo {
  /** xen_version, or xen_major.xen_minor + xen_extra on releases that print no xen_version. */
  xenVersion: string;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  nrCpus: number;
  fields: Record<string, string>;
}

export function parseXlInfo(text: string): XlInfo {
  const fields: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_]+)\s*:\s?(.*)$/.exec(line);
    if (m) {
      last = m[1];
      fields[last] = m[2].trim();
    } else if (/^\s+\S/.test(line) && last) {
      fields[last] = `${fields[last]} ${line.trim()}`.trim();
    }
  }
  const num = (k: string): number => {
    const n = Number(fields[k]);
    if (fields[k] === undefined || fields[k] === '' || !Number.isFinite(n)) throw new Error(`xl info: no numeric ${k}`);
    return n;
  };
  const xenVersion = fields.xen_version || (fields.xen_major && fields.xen_minor ? `${fields.xen_major}.${fields.xen_minor}${fields.xen_extra ?? ''}` : '');
  if (!xenVersion) throw new Error('xl info: no xen_version (nor xen_major/xen_minor)');
  return { xenVersion, totalMemoryMiB: num('total_memory'), freeMemoryMiB: num('free_memory'), nrCpus: num('nr_cpus'), fields };
}

export interface XlMigrateResult {
  ok: boolean;
  /** The first line that says what went wrong; undefined when ok. */
  reason?: string;
  /** "Migration failed during final handshake": the domain may run at both ends or at neither. */
  stateUndefined: boolean;
  /** What the sender saved, when xc printed it ("Saving domain 28, type x86 PV"). */
  savedDomid?: number;
  guestType?: string;
  /** Protocol steps seen ("migration sender: ..." / "migration target: ..."). */
  steps: string[];
}

const FAILURE_RES = [
  /\*\* Migration failed during final handshake \*\*/,
  /^Migration failed\b.*/,
  /^migration target: Domain creation failed.*/,
  /^migration (sender|target): .*(fail|error|[Ee]rror).*/,
  /^xl: fatal error: .*/,
  /^libxl: error: .*/,
  /^xc: error: .*/,
  /.* is an invalid domain identifier.*/,
  /^ssh: .*/,
  /^.*Permission denied.*/,
];

export function parseXlMigrate(text: string): XlMigrateResult {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const steps = lines.filter((l) => /^migration (sender|target): /.test(l));
  const saved = lines.map((l) => /^xc: info: Saving domain (\d+), type (.+)$/.exec(l)).find(Boolean);
  const base = { steps, savedDomid: saved ? Number(saved[1]) : undefined, guestType: saved?.[2] };
  const stateUndefined = lines.some((l) => /Migration failed during final handshake/.test(l));
  const hit = lines.find((l) => FAILURE_RES.some((re) => re.test(l)));
  if (hit) return { ...base, ok: false, reason: hit, stateUndefined };
  if (!lines.includes('Migration successful.')) {
    const tail = lines.length ? `; last line: ${JSON.stringify(lines[lines.length - 1])}` : '; no output';
    return { ...base, ok: false, reason: `xl migrate did not report "Migration successful."${tail}`, stateUndefined };
  }
  return { ...base, ok: true, stateUndefined: false };
}
