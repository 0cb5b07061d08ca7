/**
 * libvirt cloud sites end to end (infra/cloud/libvirt.ts, libvirtd started by scripts/libvirtd.sh):
 * the hokudai-nii scenario on an inventory of two libvirt sites of 2 instances each
 * (test/fixtures/cloud/libvirt-two-sites.inventory.yaml). The harness creates the networks and
 * QEMU (TCG) domains, each with a host key made on the controller, waits for SSH with strict host
 * key checking, hands them to the real-sites provider (vxlan-wireguard, netns nodes), runs iperf3
 * and ping across the sites, tears everything down; then a run killed with SIGKILL once its domains
 * exist, and `icbench clean`: no domain, network or instance folder of either run is left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIBVIRT_DIR, libvirtLeftovers } from '../../infra/cloud/libvirt.js';
import { loadRun } from '../../measurements/reader.js';
import { clean } from '../../session/clean.js';
import { useStateDir } from '../helpers/lab.js';
import { projectRoot } from '../helpers/fixtures.js';
import { runScenario } from '../helpers/scenario.js';
import { runIdOf } from '../helpers/remote-fixture.js';

const suite = test;
const state = useStateDir(suite);
const results = mkdtempSync(join(tmpdir(), 'icb-cloud-results-'));
const INVENTORY = join(projectRoot(), 'test/fixtures/cloud/libvirt-two-sites.inventory.yaml');
const ARGS = ['--inventory', INVENTORY, '--benchmarks', 'iperf3,ping', '--duration', '2', '--repetitions', '1', '--pairs', '1', '--ping-count', '30'];
const URI = 'qemu:///system';

async function nothingLeft(runId: string): Promise<void> {
  assert.equal(await libvirtLeftovers(URI, runId), { domains: [], networks: [] });
  assert.not.ok(existsSync(join(LIBVIRT_DIR, runId)), 'instance folder removed');
  assert.not.ok(existsSync(join(state, `${runId}.journal`)), 'journal removed');
}

suite('two libvirt sites of 2 instances: created, SSH-ready with injected host keys, iperf3 and ping across over vxlan-wireguard, nothing left', async () => {
  const r = await runScenario('hokudai-nii.mjs', ARGS, { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  assert.is(meta.testbed, 'cloud');
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  assert.ok(rows.some((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.status === 'ok' && x.path === 'inter-site'));
  const ready = /(\d+) instances answer SSH \(strict host keys\) ([\d.]+) s after the first create/.exec(r.out);
  assert.ok(ready && ready[1] === '4', 'the 4 instances answered SSH');
  console.log(`libvirt: 4 instances SSH-ready ${ready?.[2]} s after the first create; run ${runId}`);
  await nothingLeft(runId);
});

suite('kill -9 once the domains exist, then clean: no domain, network or folder of the run', async () => {
  let runId = '';
  const r = await runScenario('hokudai-nii.mjs', ARGS, {
    results,
    state,
    onLine: (line, kill) => {
      runId ||= runIdOf(line);
      if (/instances running in/.test(line)) kill('SIGKILL');
    },
  });
  assert.is(r.code, null, `killed (${r.out.slice(-1500)})`);
  const before = await libvirtLeftovers(URI, runId);
  assert.is(before.domains.length, 4, 'the domains were there');
  assert.is(before.networks.length, 2);
  const journal = readFileSync(join(state, `${runId}.journal`), 'utf8');
  assert.match(journal, /"kind":"libvirt"/);
  const c = await clean(runId);
  assert.equal(c.left, []);
  await nothingLeft(runId);
});

suite.run();
