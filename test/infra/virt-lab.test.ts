/** Pure parts of container nodes: the docker run line, the lab plan for container nodes, config. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig, ConfigError } from '../../infra/config.js';
import { planLab } from '../../infra/lab/plan.js';
import { dockerRunArgs, DOCKER_INIT } from '../../infra/virt/docker.js';
import { sharedMounts } from '../../infra/virt/mounts.js';
import { mapLimit } from '../../infra/concurrency.js';

const RUN = '20261122-034901-a1b2';
const input = (virtA: string, virtB: string) => ({
  scenario: 't',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: virtA },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: virtB },
  ],
  wan: { rate: '100Mbit', rtt: '5ms' },
});

test('docker node: no network, labelled with the run, host paths at the same place, tini as pid 1', () => {
  const argv = dockerRunArgs({ name: `icb-${RUN}-a-h1-n1`, runId: RUN, hostname: 'a-h1-n1', mounts: sharedMounts(`/run/icbench/${RUN}.d`, ['/opt/icb']) });
  const s = argv.join(' ');
  assert.match(s, /--network none/);
  assert.match(s, new RegExp(`--label icbench\\.run=${RUN}`));
  assert.match(s, /--hostname a-h1-n1/);
  for (const v of ['/usr:/usr:ro', '/etc/passwd:/etc/passwd:ro', '/opt/icb:/opt/icb:ro', `/run/icbench/${RUN}.d:/run/icbench/${RUN}.d`])
    assert.ok(argv.includes(v), v);
  assert.not.ok(argv.includes('/etc:/etc:ro') || argv.includes('/etc/shadow:/etc/shadow:ro'), "never the host's whole /etc, nor its secrets");
  assert.equal(argv.slice(argv.indexOf('--entrypoint')), ['--entrypoint', DOCKER_INIT, 'icbench-node:1', '--', '/usr/bin/sleep', 'infinity']);
});

test('the plan creates namespaces only for netns nodes; container nodes are wired the same way', () => {
  const p = planLab(resolveConfig(input('docker', 'netns')), RUN, 'wanem', '/tmp/x');
  const adds = p.root.filter((l) => l.startsWith('netns add')).map((l) => l.slice('netns add '.length));
  assert.not.ok(adds.includes(`icb-${RUN}-a-h1-n1`), 'docker node namespace comes from its container');
  assert.ok(adds.includes(`icb-${RUN}-b-h1-n1`), 'netns node namespace is created by the batch');
  assert.is(p.namespaces.length, 1 + 2 + 2 + 3, 'every node namespace is still journaled and torn down');
  assert.ok(p.root.includes(`link add n0 netns icb-${RUN}-a-h1 type veth peer name eth0 address 02:1c:00:00:00:00 netns icb-${RUN}-a-h1-n1`));
  assert.equal(
    p.links.get(`icb-${RUN}-a-h1-n1`)!.find((l) => l.op === 'addr'),
    { op: 'addr', dev: 'eth0', cidr: '10.200.0.1/16' },
  );
});

test('lab virts: lxc, docker and xen (nested Xen host) accepted; rumprun refused with the reason', () => {
  assert.is(
    resolveConfig(input('lxc', 'docker'))
      .nodes.map((n) => n.virt)
      .join(','),
    'lxc,lxc,docker',
  );
  assert.is(resolveConfig(input('netns', 'xen')).nodes[2].virt, 'xen', 'the lab makes xen nodes on a nested Xen host');
  for (const v of ['rumprun']) {
    try {
      resolveConfig(input('netns', v));
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, new RegExp(`^sites\\[1\\]\\.virt: expected .*${v} needs a hypervisor host inventory.*got "${v}"`));
    }
  }
  assert.is(resolveConfig(input('netns', 'xen'), { lab: false }).nodes[2].virt, 'xen', 'real sites may name xen');
});

test('mapLimit keeps at most `limit` in flight and stops starting after an error', async () => {
  let inFlight = 0,
    peak = 0;
  const started: number[] = [];
  const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    started.push(x);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return x * 2;
  });
  assert.equal(out, [2, 4, 6, 8, 10, 12, 14]);
  assert.is(peak, 3);
  started.length = 0;
  try {
    await mapLimit([1, 2, 3, 4, 5, 6], 2, async (x) => {
      started.push(x);
      await new Promise((r) => setImmediate(r));
      if (x === 2) throw new Error('boom');
    });
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'boom');
  }
  assert.ok(started.length < 6, `started ${started.join(',')}`);
});

test.run();
