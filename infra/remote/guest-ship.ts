/**
 * Shipping a bundle (e.g. the lab Terasort worker) into Xen guests: the same content-addressed
 * cache, check and receive scripts as real hosts (infra/remote/ship.ts), run inside each guest
 * through its executor (ssh into the dom0, ssh from there into the guest), the tar on the
 * command's stdin. The cache lives in the guest's own root (a tmpfs overlay in the lab's and in
 * any guest booted from a read-only image): it goes with the guest, so nothing is journaled here
 * beyond the guest itself.
 */
import { statSync } from 'node:fs';
import type { Bundle } from '../bundle.js';
import { mapLimit } from '../concurrency.js';
import { run, type Executor } from '../exec.js';
import type { Progress } from '../progress.js';
import { runTag } from './plan.js';
import { bundleTar, cacheCheckScript, cacheDirOf, cacheReceiveScript } from './ship.js';
import type { ShippedBundle } from '../testbed.js';

/** Inside a guest: the receive script's journal and state dir (on the guest's tmpfs /run: gone with the guest). */
export const GUEST_SHIP_STATE = '/run/icbench-guest';

export async function shipIntoGuests(o: {
  bundle: Bundle;
  guests: readonly { name: string; exec: Executor }[];
  runId: string;
  /** The controller's private run dir (the tar is made there once). */
  workDir: string;
  progress?: Progress;
}): Promise<ShippedBundle> {
  const b = o.bundle;
  const tar = await bundleTar(o.workDir, b);
  const tarBytes = statSync(tar).size;
  const hosts = await mapLimit([...o.guests], 4, async (g) => {
    const t0 = performance.now();
    const check = await run(g.exec.wrap(['sh', '-s']), { input: cacheCheckScript(b), timeoutMs: 300_000 });
    if (!check.ok || !/^cache=(hit|miss)$/m.test(check.stdout))
      throw new Error(`xen guest ${g.name}: checking the shipped cache for ${b.name} failed: ${(check.stderr || check.stdout).trim().split('\n').pop()}`);
    const hit = /^cache=hit$/m.test(check.stdout);
    if (!hit) {
      const recv = g.exec.wrap(['sh', '-c', cacheReceiveScript(b, runTag(o.runId), `${GUEST_SHIP_STATE}/journal`, GUEST_SHIP_STATE)]);
      const r = await run(['sh', '-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', tar, ...recv], { timeoutMs: 900_000 });
      if (!r.ok || !/^cache=stored$/m.test(r.stdout))
        throw new Error(
          `xen guest ${g.name}: shipping ${b.name} (${Math.ceil(tarBytes / 1024)} kB) failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`,
        );
    }
    const ms = performance.now() - t0;
    o.progress?.info(
      `xen guest ${g.name}: ${b.name} ${hit ? 'reused from' : `shipped (${Math.ceil(tarBytes / 1024)} kB) to`} ${cacheDirOf(b)} in ${(ms / 1000).toFixed(2)} s`,
    );
    return { host: g.name, bundle: b.name, sha256: b.sha256, dir: cacheDirOf(b), copied: !hit, bytesSent: hit ? 0 : tarBytes, ms: Math.round(ms) };
  });
  return { dirs: new Map(o.guests.map((g) => [g.name, cacheDirOf(b)])), hosts };
}
