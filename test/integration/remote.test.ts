/**
 * Real sites over SSH, for real: the unchanged hokudai-nii scenario with --inventory against the
 * SSH-sites fixture (hosts = namespaces running real sshd, two sites joined across the lab's
 * emulated WAN at 20 ms). Checks the run, kill -9 + clean on every host, and that a changed host
 * key or a missing tool stops the run before anything is created on any host.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { DOCKER_FUNCTIONS, runTag } from '../../infra/remote/plan.js';
import { loadRun } from '../../measurements/reader.js';
import { clean } from '../../session/clean.js';
import { useStateDir } from '../helpers/lab.js';
import { runScenario } from '../helpers/scenario.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  results = mkdtempSync(join(tmpdir(), 'icb-remote-'));
  try {
    fx = await upSshSites({
      sites: [
        { name: 'NII', hosts: 2 },
        { name: 'Hokudai', hosts: 2 },
      ],
      wanRtt: '20ms',
      stateDir: state,
    });
  } catch (e) {
    console.error('fixture up failed:', e);
    throw e;
  }
});
suite.after(async () => {
  await fx?.down();
  if (results) rmSync(results, { recursive: true, force: true });
});

const ARGS = ['--virt', 'netns', '--benchmarks', 'iperf3,ping', '--duration', '2', '--repetitions', '1', '--pairs', '1', '--ping-count', '30'];
/** The run's node namespaces on the fixture hosts (each host has its own /run/netns), seen over SSH. */
const sshTo = (h: { address: string }, cmd: string) =>
  run([
    'ssh',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${fx.knownHostsFile}`,
    '-i',
    fx.identityFile,
    `root@${h.address}`,
    cmd,
  ]);
async function netnsOf(runId: string): Promise<string[]> {
  const out: string[] = (await run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .filter((l) => l.includes(runId))
    .map((l) => l.split(' ')[0]);
  for (const h of fx.hosts) {
    const r = await sshTo(h, 'ip netns list');
    out.push(
      ...r.stdout
        .split('\n')
        .filter((l) => l.includes(runId))
        .map((l) => `${h.name}:${l.split(' ')[0]}`),
    );
  }
  return out;
}
/** What a run left inside the fixture hosts: links with its tag, and its journal (over the host's own view). */
async function leftOnHosts(runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const links = (await run(['ip', '-n', h.ns, '-o', 'link'])).stdout.split('\n').filter((l) => l.includes(runTag(runId)));
    out.push(...links.map((l) => `${h.name}: ${l.split(':')[1]}`));
    const ssh = await sshTo(h, 'ls /run/icbench-remote');
    if (ssh.stdout.includes(runId)) out.push(`${h.name}: journal`);
    const nft = await run(['ip', 'netns', 'exec', h.ns, 'nft', 'list', 'tables']);
    if (nft.stdout.includes(`icb_${runTag(runId)}`)) out.push(`${h.name}: nft table icb_${runTag(runId)}`);
  }
  return out;
}
/** A run's lxc containers and files on the fixture hosts (lxc-ls over ssh), and container inits on this machine. */
async function lxcLeft(runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const r = await sshTo(
      h,
      `lxc-ls -P /var/lib/icbench-remote/${runId}/${h.name}/lxc 2>/dev/null; ls -d /var/lib/icbench-remote/${runId}/${h.name} 2>/dev/null; true`,
    );
    out.push(
      ...r.stdout
        .split(/\s+/)
        .filter(Boolean)
        .map((x) => `${h.name}: ${x}`),
    );
  }
  const inits = (await run(['pgrep', '-f', `init.lxc --name icb-${runId}`])).stdout.trim();
  if (inits) out.push(`container init pids ${inits.split('\n').join(' ')}`);
  return out;
}
/** A run's Docker containers (any state) on the engine the fixture hosts share, by the run label. */
async function dockerLeft(runId: string): Promise<string[]> {
  const r = await run(['docker', 'ps', '-a', '--filter', `label=icbench.run=${runId}`, '--format', '{{.Names}}']);
  assert.ok(r.ok, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}
const runIdOf = (out: string) => /hokudai-nii (\d{8}-\d{6}-[0-9a-f]{4})/.exec(out)?.[1] ?? '';

/** Runs hokudai-nii on `inventory` and kills the controller with SIGKILL once the first iperf3 sample is done. */
async function killDuringIperf3(inventory: string): Promise<{ r: { code: number | null; out: string }; runId: string }> {
  let runId = '';
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--duration', '5', '--inventory', inventory], {
    results,
    state,
    onLine: (line, kill) => {
      runId ||= runIdOf(line);
      if (/\[iperf3\] 1\//.test(line)) kill('SIGKILL');
    },
  });
  return { r, runId };
}

suite('hokudai-nii runs unchanged on the inventory: real WAN recorded, RTT follows the fixture WAN, nothing left', async () => {
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', fx.inventoryFile], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  assert.is(meta.testbed, 'ssh');
  assert.is(meta.status, 'ok');
  assert.equal(
    meta.wan.map((w) => w.enforced_by),
    ['none'],
  );
  assert.ok(
    meta.validation.length > 0 && meta.validation.every((v) => v.baseline && v.measured !== null),
    'validation recorded as the baseline of the real WAN',
  );
  assert.is(meta.remote_hosts?.length, 4);
  // Each host's overlay firewall is recorded as applied (and the run's own traffic below still crossed it).
  for (const h of meta.remote_hosts ?? []) {
    const fw = h.firewall as { table: string; ruleset: string } | null;
    assert.ok(fw && /^icb_i[0-9a-f]{6}$/.test(fw.table) && fw.ruleset.includes('ip saddr != @peers'), JSON.stringify(h.firewall));
  }
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0, 'inter-site ping');
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `inter-site RTT ${x.value} ms vs fixture ${fx.wanRttMs} ms`);
  const intra = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'intra-site' && x.status === 'ok');
  for (const x of intra) assert.ok((x.value as number) < 3, `intra-site RTT ${x.value} ms does not cross the WAN`);
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
  assert.not.ok(
    readdirSync(state).some((f) => f.startsWith(runId)),
    'controller journal removed',
  );
});

suite('kill -9 of the controller mid-run, then clean, leaves nothing on any host', async () => {
  const { r, runId } = await killDuringIperf3(fx.inventoryFile);
  assert.is(r.code, null, 'killed');
  assert.ok((await netnsOf(runId)).length > 0, 'the run had made nodes');
  const c = await clean(runId);
  assert.equal(c.left, []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
});

suite('a changed host key stops the run before anything is created, naming host and fingerprint', async () => {
  await fx.changeHostKey(fx.hosts[1].name);
  try {
    const before = (await run(['ip', 'netns', 'list'])).stdout;
    const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', fx.inventoryFile], { results, state });
    assert.is.not(r.code, 0);
    assert.ok(
      r.out.includes(fx.hosts[1].name) &&
        /SHA256:/.test(r.out) &&
        /differs|changed/i.test(r.out) &&
        /nothing was run on any host/.test(r.out) &&
        !/teardown/.test(r.out),
      r.out.slice(-2500),
    );
    assert.is((await run(['ip', 'netns', 'list'])).stdout, before, 'no namespace created');
  } finally {
    // Put the fixture back: accept the new key for the following tests.
    const scan = await run(['ssh-keyscan', '-T', '5', fx.hosts[1].address]);
    const kh = readFileSync(fx.knownHostsFile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith(`${fx.hosts[1].address} `));
    writeFileSync(fx.knownHostsFile, `${[...kh, ...scan.stdout.split('\n').filter((l) => l && !l.startsWith('#'))].join('\n')}\n`);
  }
});

suite('a missing tool on the hosts stops the run before anything is created, one line per host and tool', async () => {
  const inv = join(results, 'xen.inventory.yaml');
  // xen nodes need the guest kernel's path on the host (an inventory field); the hosts then lack xl.
  const xen = readFileSync(fx.inventoryFile, 'utf8').replace(/^(\s*)icbench_virt: netns$/gm, '$1icbench_virt: xen\n$1icbench_xen_kernel: /boot/vmlinuz-guest');
  assert.match(xen, 'icbench_xen_kernel');
  writeFileSync(inv, xen);
  const before = (await run(['ip', 'netns', 'list'])).stdout;
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  assert.is.not(r.code, 0);
  assert.match(r.out, 'preflight failed on the hosts');
  // Named as the package to install (infra/host-prerequisites.ts), with the command the harness runs from it.
  for (const h of fx.hosts)
    assert.match(
      r.out,
      new RegExp(`${h.name}: missing packages? [^\\n]*xen-utils-common \\([^)]*xl not found\\)[^\\n]*: apt-get install -y [^\\n]*xen-utils-common`),
    );
  assert.is((await run(['ip', 'netns', 'list'])).stdout, before, 'no namespace created');
});

suite('vxlan-wireguard: the same run over an encrypted underlay, MTUs recorded, nothing left', async () => {
  const inv = join(results, 'wg.inventory.yaml');
  writeFileSync(inv, readFileSync(fx.inventoryFile, 'utf8').replace(/icbench_l2vpn: \S+/, 'icbench_l2vpn: vxlan-wireguard'));
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--benchmarks', 'ping,iperf3', '--inventory', inv], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  assert.is(meta.topology.l2vpn, 'vxlan-wireguard');
  assert.is(meta.topology.segment?.mtu, 1370);
  assert.is(meta.topology.segment?.wireguard_mtu, 1420);
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0);
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `RTT ${x.value}`);
  assert.ok(
    rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'),
    'TCP over VXLAN over WireGuard',
  );
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
  assert.is((await run(['pgrep', '-f', `wireguard-go ${runTag(runId)}`])).stdout.trim(), '', 'no wireguard-go left');
});

suite('lxc nodes on the hosts: real containers wired like netns nodes, RTT follows the fixture WAN, iperf3, nothing left', async () => {
  const inv = join(results, 'lxc.inventory.yaml');
  writeFileSync(inv, readFileSync(fx.inventoryFile, 'utf8').replaceAll('icbench_virt: netns', 'icbench_virt: lxc'));
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  const nodes = meta.topology.sites.flatMap((s) => s.hosts.flatMap((h) => h.nodes));
  assert.is(nodes.length, 4);
  assert.ok(
    nodes.every((n) => n.virt === 'lxc'),
    JSON.stringify(nodes),
  );
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0, 'inter-site ping between containers');
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `inter-site RTT ${x.value} ms vs fixture ${fx.wanRttMs} ms`);
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  console.log(
    `lxc run ${runId}: inter-site RTT ${rtt.map((x) => x.value).join(', ')} ms; node start ms ${rows
      .filter((x) => x.metric === 'node_start' || x.benchmark === 'node-start')
      .map((x) => Math.round(x.value as number))
      .join(', ')}`,
  );
  assert.equal(await lxcLeft(runId), []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
});

suite('lxc: kill -9 of the controller mid-run, then clean, removes the containers from every host', async () => {
  const inv = join(results, 'lxc.inventory.yaml');
  const { r, runId } = await killDuringIperf3(inv);
  assert.is(r.code, null, 'killed');
  const made = await lxcLeft(runId);
  assert.ok(made.filter((x) => x.includes(`icb-${runId}`)).length >= 4, `the run had made containers: ${made.join(', ')}`);
  const c = await clean(runId);
  assert.equal(c.left, []);
  assert.equal(await lxcLeft(runId), []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
});

suite('lxc nodes over vxlan-wireguard: containers on the encrypted underlay, RTT follows the fixture WAN, nothing left', async () => {
  const inv = join(results, 'lxc-wg.inventory.yaml');
  writeFileSync(
    inv,
    readFileSync(fx.inventoryFile, 'utf8')
      .replaceAll('icbench_virt: netns', 'icbench_virt: lxc')
      .replace(/icbench_l2vpn: \S+/, 'icbench_l2vpn: vxlan-wireguard'),
  );
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  assert.is(meta.topology.l2vpn, 'vxlan-wireguard');
  assert.is(meta.topology.segment?.mtu, 1370);
  assert.ok(meta.topology.sites.every((s) => s.hosts.every((h) => h.nodes.every((n) => n.virt === 'lxc'))));
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0);
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `RTT ${x.value}`);
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  assert.equal(await lxcLeft(runId), []);
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
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
  // A throwaway tag, so the shared icbench-node:1 of this engine is left alone (the functions' own variables are t, l, d, s, p).
  const image = `icbench-node-fixture:${fx.id}`;
  const h = fx.hosts[0];
  try {
    const r = await sshTo(
      h,
      `set -e\n${DOCKER_FUNCTIONS.join('\n')}\nw=$(mktemp -d)\ndocker_image ${image} "$w/skel"\n[ ! -e "$w/skel" ] && rmdir "$w" && echo imported`,
    );
    assert.is(r.stdout.trim(), 'imported', r.stderr);
    const label = await run(['docker', 'image', 'inspect', '--format', '{{index .Config.Labels "icbench.reusable"}}', image]);
    assert.is(label.stdout.trim(), '1');
    const ls = await run(['docker', 'run', '--rm', '--network', 'none', '-v', '/usr:/usr:ro', image, '/usr/bin/ls', '-a', '/']);
    assert.ok(ls.ok, ls.stderr);
    for (const x of ['bin', 'etc', 'proc', 'tmp', 'usr', 'var']) assert.ok(ls.stdout.split('\n').includes(x), `${x} in ${ls.stdout}`);
  } finally {
    await run(['docker', 'rmi', '-f', image]);
  }
});

suite('provided L2: each bridge enslaves the host interface on the shared segment, adjacency and MTU checked and recorded, nothing left', async () => {
  const inv = join(results, 'provided.inventory.yaml');
  writeFileSync(inv, readFileSync(fx.inventoryFile, 'utf8').replace(/icbench_l2vpn: \S+/, 'icbench_l2vpn: provided'));
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const { rows, meta } = await loadRun(join(results, runId));
  assert.is(meta.topology.l2vpn, 'provided');
  assert.is(meta.topology.segment?.mtu, 1500, JSON.stringify(meta.topology.segment));
  assert.is(meta.topology.segment?.l2_adjacent_pairs, 4, 'every node pinged a node of the other site');
  assert.is(meta.topology.segment?.vni, undefined, 'no VXLAN');
  const rtt = rows.filter((x) => x.benchmark === 'ping' && x.metric === 'rtt_median' && x.path === 'inter-site' && x.status === 'ok');
  assert.ok(rtt.length > 0);
  for (const x of rtt) assert.ok(Math.abs((x.value as number) - fx.wanRttMs) < 3, `RTT ${x.value}`);
  assert.ok(rows.some((x) => x.benchmark === 'iperf3' && x.metric === 'throughput' && x.status === 'ok' && x.path === 'inter-site'));
  assert.equal(await netnsOf(runId), []);
  assert.equal(await leftOnHosts(runId), []);
  for (const h of fx.hosts) assert.not.match((await run(['ip', '-n', h.ns, '-o', 'link', 'show', 'eth1'])).stdout, 'master', `${h.name}: eth1 released`);
});

suite('provided L2 on the interface that carries SSH is refused before anything is created', async () => {
  const inv = join(results, 'provided-eth0.inventory.yaml');
  writeFileSync(
    inv,
    readFileSync(fx.inventoryFile, 'utf8')
      .replace(/icbench_l2vpn: \S+/, 'icbench_l2vpn: provided')
      .replaceAll('icbench_l2_interface: eth1', 'icbench_l2_interface: eth0'),
  );
  const before = await Promise.all(fx.hosts.map((h) => run(['ip', '-n', h.ns, '-o', 'link']).then((x) => x.stdout)));
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--inventory', inv], { results, state });
  assert.is.not(r.code, 0);
  assert.match(r.out, 'preflight failed on the hosts');
  for (const h of fx.hosts) assert.match(r.out, `${h.name}: icbench_l2_interface eth0 holds ${h.address}, the address SSH uses`);
  const after = await Promise.all(fx.hosts.map((h) => run(['ip', '-n', h.ns, '-o', 'link']).then((x) => x.stdout)));
  assert.equal(after, before, 'no link created or moved');
});

suite('a host that stops answering mid-run: failed rows with the reason, the rest torn down, report written', async () => {
  let runId = '';
  const dead = fx.hosts[3];
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--benchmarks', 'ping', '--pairs', 'all', '--ping-count', '20', '--inventory', fx.inventoryFile], {
    results,
    state,
    onLine: (line) => {
      runId ||= runIdOf(line);
      if (/\[ping\] 1\//.test(line)) void fx.stopHost(dead.name);
    },
  });
  assert.ok(runId, r.out.slice(-2000));
  const { rows, meta } = await loadRun(join(results, runId));
  const bad = rows.filter((x) => x.status !== 'ok' && (x.src_node.startsWith(dead.name) || x.dst_node.startsWith(dead.name)));
  assert.ok(bad.length > 0, 'samples touching the dead host failed');
  assert.ok(
    bad.every((x) => x.reason.length > 0),
    'with a reason',
  );
  assert.not.equal(meta.status, 'running');
  assert.ok(meta.ended_at);
  assert.ok(readdirSync(join(results, runId)).includes('report.html'));
  assert.ok(
    meta.failures.some((f) => f.stage === 'teardown' && f.error.includes(dead.name)),
    JSON.stringify(meta.failures),
  );
  // The reachable hosts were cleaned; the dead one stays journaled for a later clean.
  const others = fx.hosts.filter((h) => h !== dead);
  for (const h of others) {
    const links = (await run(['ip', '-n', h.ns, '-o', 'link'])).stdout;
    assert.not.match(links, runTag(runId), `${h.name} cleaned`);
  }
  assert.ok(
    readdirSync(state).some((f) => f === `${runId}.journal`),
    'controller journal kept for the unreachable host',
  );
  // The dead host's namespaces go with the fixture (they live in its private /run/netns).
  rmSync(join(state, `${runId}.journal`), { force: true });
});

suite.run();
