/**
 * The EC2 life cycle against moto (the EC2 API on 127.0.0.1, scripts/moto-server.sh): a per-run
 * VPC, subnet, security group and imported key pair, 4 instances tagged with the run id, described
 * running, terminated; and a process killed with SIGKILL after creating all that, whose run
 * `clean` then empties (found by journal and by tag). moto's instances are records: no guest is
 * booted, nothing answers SSH (docs/clouds.md).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeSecurityGroupsCommand, DescribeTagsCommand } from '@aws-sdk/client-ec2';
import {
  apiOf,
  cleanEc2Api,
  createEc2Network,
  ec2Client,
  ec2Leftovers,
  launchEc2Instances,
  runInstances,
  terminateEc2,
  waitEc2Running,
} from '../../../infra/cloud/ec2.js';
import { Journal } from '../../../infra/journal.js';
import { newRunId } from '../../../infra/run-id.js';
import { cleanRun } from '../../../session/clean.js';
import type { CloudSite } from '../../../infra/cloud/types.js';
import { useStateDir } from '../../helpers/lab.js';

const PORT = process.env.ICBENCH_MOTO_PORT ?? '5757';
const PUBKEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq0GHwTqsBDxr0hsvEapSVqVVlNHAN2qnv6Y8gxYgmU icbench-test';
process.env.ICBENCH_TEST_EC2_KEY = 'testing';
process.env.ICBENCH_TEST_EC2_SECRET = 'testing';

const site = (name: string, count: number, network: string): CloudSite => ({
  name,
  kind: 'ec2',
  endpoint: `http://127.0.0.1:${PORT}`,
  region: 'us-east-1',
  credentials: { accessKeyId: { env: 'ICBENCH_TEST_EC2_KEY' }, secretAccessKey: { env: 'ICBENCH_TEST_EC2_SECRET' } },
  image: 'ami-12c6146b',
  size: 't3.micro',
  count,
  network,
  lifetimeS: 3600,
  user: 'admin',
  sshFrom: '127.0.0.1/32',
});

const suite = test;
useStateDir(suite);
const empty = { instances: [], groups: [], subnets: [], keyPairs: [], vpcs: [] };

suite.before(async () => {
  const r = await fetch(`http://127.0.0.1:${PORT}/moto-api/`).catch((e) => e as Error);
  if (r instanceof Error) throw new Error(`moto does not answer on 127.0.0.1:${PORT} (start it: bash scripts/moto-server.sh): ${r.message}`);
});

test('4 instances in a per-run VPC with a security group and key pair: tagged, described running, terminated, then nothing of the run left', async () => {
  const runId = newRunId();
  const s = site('aws', 4, '10.60.0.0/24');
  const c = ec2Client(apiOf(s));
  const j = new Journal(runId);
  const net = await createEc2Network(c, { runId, site: s, journal: j, publicKey: PUBKEY, overlayUdpPort: 45123 });
  // Each create was journaled before it was made, then again with its id.
  const kinds = j.entries().flatMap((e) => (e.kind === 'ec2' ? [`${e.what}${e.id ? '=id' : ''}`] : []));
  assert.equal(kinds, ['vpc', 'vpc=id', 'subnet', 'subnet=id', 'security-group', 'security-group=id', 'key-pair', 'key-pair=id']);
  // The group opens SSH to the controller only and the overlay's UDP port to its own members only.
  const g = (await c.send(new DescribeSecurityGroupsCommand({ GroupIds: [net.groupId] }))).SecurityGroups![0];
  const perms = g.IpPermissions!.map((p) => ({
    proto: p.IpProtocol,
    port: p.FromPort,
    cidrs: p.IpRanges?.map((r) => r.CidrIp),
    groups: p.UserIdGroupPairs?.map((u) => u.GroupId),
  }));
  assert.equal(
    perms.sort((a, b) => String(a.proto).localeCompare(String(b.proto))),
    [
      { proto: 'tcp', port: 22, cidrs: ['127.0.0.1/32'], groups: [] },
      { proto: 'udp', port: 45123, cidrs: [], groups: [net.groupId] },
    ],
  );

  const made = await launchEc2Instances(c, { runId, site: s, journal: j, net, userData: (k) => `#cloud-config\n# ${k}\n` });
  assert.is(made.length, 4);
  assert.is(new Set(made.map((m) => m.token)).size, 4, 'one ClientToken per instance');
  const running = await waitEc2Running(
    c,
    made.map((m) => m.id),
  );
  assert.equal(
    running.map((r) => r.state),
    ['running', 'running', 'running', 'running'],
  );
  for (const r of running) assert.ok(r.privateIp?.startsWith('10.60.0.'), `${r.id} has an address in the site's network (${r.privateIp})`);
  // Found by tag: exactly these four (another run's instances are not).
  const tagged = await runInstances(c, runId);
  assert.equal(tagged.map((t) => t.id).sort(), made.map((m) => m.id).sort());
  const t = await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [made[0].id] }] }));
  assert.equal(Object.fromEntries(t.Tags!.map((x) => [x.Key, x.Value])), { 'icbench:run': runId, 'icbench:site': 'aws', Name: 'aws-0' });

  await terminateEc2(
    c,
    made.map((m) => m.id),
  );
  assert.equal(
    (await runInstances(c, runId)).map((r) => r.state),
    ['terminated', 'terminated', 'terminated', 'terminated'],
  );
  assert.equal(
    await cleanEc2Api(
      c,
      runId,
      j.entries().flatMap((e) => (e.kind === 'ec2' ? [e] : [])),
    ),
    [],
  );
  assert.equal(await ec2Leftovers(c, runId), empty);
  c.destroy();
});

test('kill -9 of the creating process, then icbench clean: 0 instances, security groups, key pairs, subnets and VPCs of the run', async () => {
  const runId = newRunId();
  const s = site('aws2', 4, '10.62.0.0/24');
  const c = ec2Client(apiOf(s));
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '../../helpers/ec2-launch-child.js')], {
    env: { ...process.env, RUN_ID: runId, SITE: JSON.stringify(s), PUBKEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d) => String(d).includes('launched') && res());
    child.on('exit', (code) => rej(new Error(`child exited ${code}: ${err}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  child.stdout.destroy();
  child.stderr.destroy();
  const before = await ec2Leftovers(c, runId);
  assert.is(before.instances.length, 4);
  assert.equal([before.groups.length, before.subnets.length, before.keyPairs.length, before.vpcs.length], [1, 1, 1, 1]);
  const journal = readFileSync(join(process.env.ICBENCH_STATE_DIR!, `${runId}.journal`), 'utf8');
  assert.not.match(journal, /testing/, 'the journal holds credential references, not their values');
  assert.equal(await cleanRun(runId), []);
  assert.equal(await ec2Leftovers(c, runId), empty);
  c.destroy();
});

test.run();
