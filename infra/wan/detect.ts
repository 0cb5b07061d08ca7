/** Does this kernel have netem? Tried for real in a throwaway namespace of the run (journaled by the caller). */
import { run } from '../exec.js';
import { teardownNamespaces } from '../netns.js';

export async function detectNetem(probeNs: string): Promise<boolean> {
  try {
    const add = await run(['ip', 'netns', 'add', probeNs]);
    if (!add.ok) return false;
    await run(['ip', '-n', probeNs, 'link', 'set', 'lo', 'up']);
    const r = await run(['tc', '-n', probeNs, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
    return r.ok;
  } finally {
    await teardownNamespaces([probeNs]);
  }
}
