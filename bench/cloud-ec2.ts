/**
 * npm run bench:cloud-ec2: the EC2 life cycle of N instances (default 100) against moto on
 * 127.0.0.1 (scripts/moto-server.sh): a per-run VPC, subnet, security group and key pair, N
 * RunInstances calls in parallel (each journaled first, with its ClientToken and run tags),
 * describe until running, terminate until terminated, then clean (by journal and tag) to nothing.
 * Prints each phase's time and the load average. This times the harness and the API emulator only:
 * moto's instances are records, no guest boots (Amazon's own boot time is not measured here).
 * Options: --count N (1..500), --parallel P (RunInstances in flight, default 8).
 */
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apiOf, cleanEc2Api, createEc2Network, ec2Client, ec2Leftovers, launchEc2Instances, terminateEc2, waitEc2Running } from '../infra/cloud/ec2.js';
import type { CloudSite } from '../infra/cloud/types.js';
import { Journal } from '../infra/journal.js';
import { newRunId } from '../infra/run-id.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100' }, parallel: { type: 'string', default: '8' } } });
const count = Number(values.count);
const parallel = Number(values.parallel);
if (!Number.isInteger(count) || count < 1 || count > 500) throw new Error(`--count: expected 1 to 500, got ${values.count}`);
if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new Error(`--parallel: expected 1 to 64, got ${values.parallel}`);

const port = process.env.ICBENCH_MOTO_PORT ?? '5757';
process.env.ICBENCH_BENCH_EC2_KEY = 'testing';
process.env.ICBENCH_BENCH_EC2_SECRET = 'testing';
const state = mkdtempSync(join(tmpdir(), 'icb-bench-ec2-'));
process.env.ICBENCH_STATE_DIR = state;
const site: CloudSite = {
  name: 'bench',
  kind: 'ec2',
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: { env: 'ICBENCH_BENCH_EC2_KEY' }, secretAccessKey: { env: 'ICBENCH_BENCH_EC2_SECRET' } },
  image: 'ami-12c6146b',
  size: 't3.micro',
  count,
  network: '10.63.0.0/16',
  lifetimeS: 3600,
  user: 'admin',
  sshFrom: '127.0.0.1/32',
};
const runId = newRunId();
const journal = new Journal(runId);
const c = ec2Client(apiOf(site));
const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq0GHwTqsBDxr0hsvEapSVqVVlNHAN2qnv6Y8gxYgmU bench';
const t = (t0: number) => (performance.now() - t0) / 1000;
const la0 = loadavg()[0];
const t0 = performance.now();
const net = await createEc2Network(c, { runId, site, journal, publicKey: pub, overlayUdpPort: 45000 });
const tNet = t(t0);
const t1 = performance.now();
const made = await launchEc2Instances(c, { runId, site, journal, net, userData: () => '#cloud-config\n', parallel });
const tLaunch = t(t1);
const t2 = performance.now();
const running = await waitEc2Running(
  c,
  made.map((m) => m.id),
);
const tRunning = t(t2);
const t3 = performance.now();
await terminateEc2(
  c,
  made.map((m) => m.id),
);
const tTerm = t(t3);
const t4 = performance.now();
const left = await cleanEc2Api(
  c,
  runId,
  journal.entries().flatMap((e) => (e.kind === 'ec2' ? [e] : [])),
);
const tClean = t(t4);
const after = await ec2Leftovers(c, runId);
c.destroy();
const total = t(t0);
const ok = running.filter((r) => r.state === 'running').length === count && left.length === 0 && Object.values(after).every((x) => x.length === 0);
console.log(`EC2 life cycle of ${count} instances against moto on 127.0.0.1:${port} (run ${runId}, ${parallel} RunInstances in flight)`);
console.log(`  network (VPC, subnet, security group + rules, key pair): ${tNet.toFixed(2)} s`);
console.log(`  launch (${count} RunInstances, each journaled first):     ${tLaunch.toFixed(2)} s (${((tLaunch / count) * 1000).toFixed(0)} ms per instance)`);
console.log(`  describe until running:                                ${tRunning.toFixed(2)} s`);
console.log(`  terminate until terminated:                            ${tTerm.toFixed(2)} s`);
console.log(`  clean (by journal and tag: SG, subnet, key pair, VPC):  ${tClean.toFixed(2)} s`);
console.log(`  total: ${total.toFixed(2)} s; left after clean: ${JSON.stringify(after)}; load average ${la0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
journal.remove();
rmSync(state, { recursive: true, force: true });
if (!ok) process.exit(1);
