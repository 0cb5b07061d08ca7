/** clean of a run's CloudStack VMs: by journal (ids) and by tag, in each API the journal names. */
import type { JournalEntry } from '../journal.js';
import type { Leftover } from '../testbed.js';
import { CloudStackClient, type CloudStackApi } from './cloudstack.js';

export async function cleanCloudStack(runId: string, entries: JournalEntry[], make = (api: CloudStackApi) => new CloudStackClient(api)): Promise<Leftover[]> {
  const left: Leftover[] = [];
  const apis = new Map<string, { api: CloudStackApi; ids: Set<string> }>();
  for (const e of entries) {
    if (e.kind !== 'cloudstack') continue;
    const k = JSON.stringify(e.api);
    if (!apis.has(k)) apis.set(k, { api: e.api, ids: new Set() });
    if (e.id) apis.get(k)!.ids.add(e.id);
  }
  for (const { api, ids } of apis.values()) {
    const c = make(api);
    try {
      for (const vm of await c.listRunVms(runId)) if (vm.state.toLowerCase() !== 'expunging') ids.add(vm.id);
      for (const id of ids) await c.destroyVm(id);
    } catch (e) {
      left.push({ what: `cloudstack ${api.endpoint}: ${(e as Error).message}` });
    }
  }
  return left;
}
