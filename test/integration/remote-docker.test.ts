/**
 * Docker nodes on real sites over SSH: the unchanged hokudai-nii scenario with --inventory on the
 * isolated SSH-sites fixture with an engine per host (`docker: true`: each host a system container
 * on its own Debian tree with docker.io, its own cgroups, running its own dockerd; two sites across
 * the lab's emulated 20 ms WAN). Each host's engine is its own (not this machine's, none of its
 * containers or images); the node image is imported on each host by the run itself; kill -9 + clean
 * empties every engine.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { DOCKER_FUNCTIONS } from '../../infra/remote/plan.js';
import { dockerExecutor } from '../../infra/virt/executors.js';
import { loadRun } from '../../measurements/reader.js';
import { clean } from '../../session/clean.js';
import { useStateDir } from '../helpers/lab.js';
import { runScenario } from '../helpers/scenario.js';
import {
  ARGS,
  dockerLeft as dockerOn,
  killDuringIperf3 as killRun,
  leftOnHosts as left,
  netnsOf as netnsOn,
  runIdOf,
  sshTo as sshOn,
} from '../helpers/remote-fixture.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  results = mkdtempSync(join(tmpdir(), 'icb-remote-docker-'));
  fx = await upSshSites({
    sites: [
      { name: 'NII', hosts: 2 },
      { name: 'Hokudai', hosts: 2 },
    ],
    wanRtt: '20ms',
    stateDir: state,
    isolated: true,
    docker: true,
  });
  console.log(`  isolated fixture with an engine per host ${fx.id} up in ${(fx.upMs / 1000).toFixed(1)} s (rootfs ${(fx.rootfsMs / 1000).toFixed(1)} s)`);
});
suite.after(async () => {
  await fx?.down();
  if (results) rmSync(results, { recursive: true, force: true });
});

const netnsOf = (runId: string) => netnsOn(fx, runId);
const leftOnHosts = (runId: string) => left(fx, runId);
const sshTo = (h: { address: string }, cmd: string) => sshOn(fx, h, cmd);
const killDuringIperf3 = (inventory: string) => killRun(inventory, { results, state });
const dockerLeft = (runId: string) => dockerOn(fx, runId);

suite("each host runs an engine of its own, in the host's own cgroups: not this machine's, none of its containers or images", async () => {
  const ids = await Promise.all(
    fx.hosts.map(async (h) => {
      const r = await sshTo(h, "docker info --format '{{.ID}} {{.Driver}}'");
      assert.ok(r.ok, `${h.name}: ${r.stderr}`);
      return r.stdout.trim();
    }),
  );
  assert.is(new Set(ids).size, fx.hosts.length, `one engine per host: ${ids.join(', ')}`);
  const mine = await run(['docker', 'info', '--format', '{{.ID}} {{.Driver}}']);
  if (mine.ok) assert.not.ok(ids.includes(mine.stdout.trim()), "not this machine's engine");
  const here = (await run(['docker', 'ps', '-a', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
  for (const h of fx.hosts) {
    assert.is((await sshTo(h, 'docker ps -a -q | wc -l')).stdout.trim(), '0', `${h.name}: no container (this machine has ${here.length})`);
    assert.is((await sshTo(h, 'docker images -q | wc -l')).stdout.trim(), '0', `${h.name}: no image`);
    // Its own cgroups (LXC's lxc.payload.<container>, seen from here), mounted read-write at its /sys/fs/cgroup: what its dockerd needs.
    const devices =
      readFileSync(`/proc/${h.sshdPid}/cgroup`, 'utf8')
        .split('\n')
        .find((l) => /^\d+:devices:/.test(l)) ?? '';
    assert.ok(devices.endsWith(`/lxc.payload.${h.container?.name}`), `${h.name}: devices cgroup ${devices}`);
    assert.is((await sshTo(h, 'test -w /sys/fs/cgroup/devices/devices.allow && echo writable')).stdout.trim(), 'writable', h.name);
  }
});

suite("a command entered into a docker node (the nodes' executor) joins the container's cgroups: Java 17 starts there", async () => {
  const h = fx.hosts[0];
  const name = `icbfx-${fx.id}-java`;
  const image = `icbench-node-fixture-java:${fx.id}`;
  try {
    const r = await sshTo(
      h,
      [
        'set -e',
        ...DOCKER_FUNCTIONS,
        `w=$(mktemp -d); docker_image ${image} "$w/skel"; rmdir "$w"`,
        `docker run -d --name ${name} --network none -v /usr:/usr:ro -v /etc/alternatives:/etc/alternatives:ro -v /etc/java-17-openjdk:/etc/java-17-openjdk:ro --entrypoint /usr/bin/docker-init ${image} -- /usr/bin/sleep infinity >/dev/null`,
        `pid=$(docker inspect --format '{{.State.Pid}}' ${name})`,
        `${dockerExecutor(name, 0)
          .wrap(['sh', '-c', 'cat /proc/self/cgroup; java -XshowSettings:system -version 2>&1'])
          .map((a, i, all) => (i === 4 || all[i - 1] === '-t' ? '"$pid"' : `'${a.replaceAll("'", "'\\''")}'`))
          .join(' ')}`,
        'echo "init $(grep :devices: /proc/$pid/cgroup)"',
      ].join('\n'),
    );
    assert.ok(r.ok, r.stderr + r.stdout);
    const own = /^\d+:devices:(\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(own?.startsWith('/docker/'), r.stdout);
    assert.match(r.stdout, `init ${/^\d+:devices:\S+$/m.exec(r.stdout)?.[0]}`);
    assert.match(r.stdout, /Provider: cgroupv1/);
    assert.not.match(r.stdout, /NullPointerException/);
  } finally {
    await sshTo(h, `docker rm -f ${name} >/dev/null 2>&1; docker rmi -f ${image} >/dev/null 2>&1; true`);
  }
});

suite('docker nodes on the hosts: containers of the node image wired like netns nodes, RTT follows the fixture WAN, iperf3, nothing left', async () => {
  const inv = join(results, 'docker.inventory.yaml');
  writeFileSync(inv, readFileSync(fx.inventoryFile, 'utf8').replaceAll('icbench_virt: netns', 'icbench_virt: docker'));
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  const nodes = meta.topology.sites.flatMap((s) => s.hosts.flatMap((h) => h.nodes));
  assert.is(nodes.length, 4);
  assert.ok(
    nodes.every((n) => n.virt === 'docker'),
    JSON.stringify(nodes),
  );
  assert.ok(
    meta.remote_hosts?.every((h) => /^\d/.test((h.tools as Record<string, string>)['docker engine'] ?? '')),
    'engine version recorded per host',
  );
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0, 'inter-site ping between containers');
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `inter-site RTT ${x.value} ms vs fixture ${fx.wanRttMs} ms`);
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  console.log(`docker run ${runId}: inter-site RTT ${rtt.map((x) => x.value).join(', ')} ms`);
  assert.equal(await dockerLeft(runId), []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
  for (const h of fx.hosts)
    assert.is((await sshTo(h, `ls /var/lib/icbench-remote/${runId} 2>/dev/null; true`)).stdout.trim(), '', `${h.name}: run dir removed`);
});

suite('docker: kill -9 of the controller mid-run, then clean, removes the containers', async () => {
  const inv = join(results, 'docker.inventory.yaml');
  const { r, runId } = await killDuringIperf3(inv);
  assert.is(r.code, null, 'killed');
  const made = await dockerLeft(runId);
  assert.is(made.length, 4, `the run had made containers: ${made.join(', ')}`);
  const c = await clean(runId);
  assert.equal(c.left, []);
  assert.equal(await dockerLeft(runId), []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
});

suite('docker: a host without the node image imports it from the skeleton, labelled reusable', async () => {
  // A throwaway tag, so the icbench-node:1 the runs imported stays (the functions' own variables are t, l, d, s, p).
  const image = `icbench-node-fixture:${fx.id}`;
  const h = fx.hosts[0];
  try {
    const r = await sshTo(
      h,
      `set -e\n${DOCKER_FUNCTIONS.join('\n')}\nw=$(mktemp -d)\ndocker_image ${image} "$w/skel"\n[ ! -e "$w/skel" ] && rmdir "$w" && echo imported`,
    );
    assert.is(r.stdout.trim(), 'imported', r.stderr);
    const label = await sshTo(h, `docker image inspect --format '{{index .Config.Labels "icbench.reusable"}}' ${image}`);
    assert.is(label.stdout.trim(), '1');
    const ls = await sshTo(h, `docker run --rm --network none -v /usr:/usr:ro ${image} /usr/bin/ls -a /`);
    assert.ok(ls.ok, ls.stderr);
    for (const x of ['bin', 'etc', 'proc', 'tmp', 'usr', 'var']) assert.ok(ls.stdout.split('\n').includes(x), `${x} in ${ls.stdout}`);
    assert.is((await run(['docker', 'image', 'inspect', image])).ok, false, "not in this machine's engine");
    assert.is(
      (await sshTo(fx.hosts[1], `docker image inspect ${image} >/dev/null 2>&1 && echo there || echo absent`)).stdout.trim(),
      'absent',
      'nor on another host',
    );
  } finally {
    await sshTo(h, `docker rmi -f ${image}`);
  }
});

suite.run();
