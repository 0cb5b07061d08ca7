/**
 * What a real host must have installed, as ONE list of Debian packages per feature: the base set
 * every host needs, then what a node type, an L2 mode or a benchmark adds. Preflight checks only
 * the features of the run (its node type, L2 mode and the benchmarks its scenario will call), over
 * the run's SSH session, with one command per host (dpkg-query for the packages, `command -v` for
 * the commands the harness runs); docs/real-sites.md's table is generated from this list and a test
 * keeps the two equal. Whatever a benchmark needs that is not here is shipped by the harness
 * (infra/remote/ship.ts), never expected on the host.
 */
/** LXC's and Docker's init binaries as the node types run them (infra/virt's LXC_INIT and DOCKER_INIT; a test keeps them equal). */
export const LXC_INIT_PATH = '/usr/sbin/init.lxc';
export const DOCKER_INIT_PATH = '/usr/bin/docker-init';

/** One package: the harness runs `commands` from it (absolute paths where it calls them so). */
export interface Prerequisite {
  /** The Debian package to install. */
  package: string;
  /** Other packages that provide the same commands (any one installed will do). */
  alternatives?: readonly string[];
  commands: readonly string[];
  /** What the harness uses it for (docs). */
  why: string;
}

export interface Feature {
  /** When the feature is checked (docs). */
  when: string;
  needs: readonly Prerequisite[];
}

/** PostgreSQL 15's binaries as the pgbench runner calls them (runners/pgbench-cmd.ts's PG_BIN_DIR). */
const PG = '/usr/lib/postgresql/15/bin';
/** The JDK Hadoop nodes use when the scenario names none (infra/hadoop/install.ts's DEBIAN_JAVA_HOME). */
const JAVA = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';

export const HOST_PREREQUISITES = {
  base: {
    when: 'every host (a Xen dom0 too)',
    needs: [
      { package: 'iproute2', commands: ['ip', 'bridge'], why: 'namespaces, veth, bridge, VXLAN' },
      { package: 'util-linux', commands: ['nsenter'], why: 'commands inside node namespaces' },
      { package: 'procps', commands: ['sysctl'], why: 'node sysctls (--tcp-cc)' },
      { package: 'iperf3', commands: ['iperf3'], why: 'bandwidth, latency under load, UDP loss, validation' },
      { package: 'iputils-ping', commands: ['ping'], why: 'RTT, validation, L2 adjacency' },
    ],
  },
  nodes: {
    when: "icbench_virt netns, lxc or docker (the nodes run the host's programs)",
    needs: [
      { package: 'iproute2', commands: ['ss'], why: "iperf3 servers' listening check" },
      { package: 'util-linux', commands: ['setpriv'], why: 'PostgreSQL as its own user' },
      { package: 'procps', commands: ['pgrep'], why: "the http servers' processes" },
    ],
  },
  vxlan: {
    when: 'icbench_l2vpn vxlan or vxlan-wireguard',
    needs: [{ package: 'nftables', commands: ['nft'], why: "the overlay's firewall (the run's VNI from the run's hosts only)" }],
  },
  wireguard: {
    when: 'icbench_l2vpn vxlan-wireguard',
    needs: [
      { package: 'wireguard-tools', commands: ['wg'], why: 'keys and peers of the encrypted underlay' },
      { package: 'wireguard-go', commands: ['wireguard-go'], why: 'WireGuard where the kernel has none' },
    ],
  },
  lxc: {
    when: 'icbench_virt lxc',
    needs: [{ package: 'lxc', commands: ['lxc-start', 'lxc-attach', 'lxc-info', 'lxc-stop', 'lxc-destroy', LXC_INIT_PATH], why: 'the node containers' }],
  },
  docker: {
    when: 'icbench_virt docker',
    needs: [
      { package: 'docker.io', commands: ['docker', DOCKER_INIT_PATH], why: 'the node containers (the engine must run: docker info)' },
      { package: 'tar', commands: ['tar'], why: 'the node image, imported from a skeleton' },
    ],
  },
  xen: {
    when: 'icbench_virt xen (the host is a Xen dom0)',
    needs: [
      { package: 'xen-utils-common', commands: ['xl'], why: 'the guests (Xen toolstack; the host must run Xen as dom0)' },
      { package: 'openssh-client', commands: ['ssh'], why: 'commands inside the guests' },
      { package: 'cpio', commands: ['cpio'], why: "the run's guest host key, appended to the guest initramfs" },
      { package: 'gzip', commands: ['gzip'], why: 'the same' },
    ],
  },
  pgbench: {
    when: 'the pgbench benchmark',
    needs: [
      {
        package: 'postgresql-15',
        commands: [`${PG}/initdb`, `${PG}/pg_ctl`, `${PG}/postgres`, `${PG}/pgbench`],
        why: 'the server, and pgbench on the clients',
      },
      { package: 'postgresql-client-15', commands: [`${PG}/pg_isready`], why: "the server's readiness check" },
    ],
  },
  http: {
    when: 'the http benchmark',
    needs: [
      { package: 'wrk', commands: ['wrk'], why: 'the load generator' },
      { package: 'busybox-static', alternatives: ['busybox'], commands: ['busybox'], why: "busybox httpd, and the servers' readiness check (busybox wget)" },
    ],
  },
  'http-nginx': {
    when: 'the http benchmark with the nginx server',
    needs: [{ package: 'nginx-light', alternatives: ['nginx', 'nginx-core', 'nginx-full', 'nginx-extras'], commands: ['nginx'], why: 'the web server' }],
  },
  'terasort-lab': {
    when: "Terasort with the lab engine (its worker's code is shipped, Node.js runs it)",
    needs: [
      { package: 'nodejs', commands: ['node'], why: 'runs the shipped Terasort worker (ES2022 modules; run with Node.js 20 here, Debian 12 ships 18)' },
      { package: 'coreutils', commands: ['mktemp', 'sha256sum'], why: "the shipped cache: private staging, the MANIFEST's checksums" },
      { package: 'tar', commands: ['tar'], why: 'unpacking what is shipped' },
    ],
  },
  hadoop: {
    when: 'Terasort with the Hadoop engine, hadoop-elastic',
    needs: [{ package: 'openjdk-17-jre-headless', commands: [JAVA], why: 'the Hadoop daemons and jobs' }],
  },
} as const satisfies Record<string, Feature>;

export type HostFeature = keyof typeof HOST_PREREQUISITES;
export const HOST_FEATURES = Object.keys(HOST_PREREQUISITES) as HostFeature[];

export function isHostFeature(x: string): x is HostFeature {
  return Object.hasOwn(HOST_PREREQUISITES, x);
}

/**
 * The features a host of a run needs: base, its node type's, its L2 mode's, and the benchmarks'
 * (a Xen host's benchmarks run in its guests: their packages are the guest image's, infra/xen-guest.ts).
 */
export function hostFeatures(o: { virt: string; l2vpn: string; benchmarks?: readonly string[] }): HostFeature[] {
  const out = new Set<HostFeature>(['base']);
  if (o.l2vpn === 'vxlan' || o.l2vpn === 'vxlan-wireguard') out.add('vxlan');
  if (o.l2vpn === 'vxlan-wireguard') out.add('wireguard');
  if (isHostFeature(o.virt)) out.add(o.virt);
  if (['netns', 'lxc', 'docker'].includes(o.virt)) out.add('nodes');
  for (const b of o.benchmarks ?? []) {
    if (!isHostFeature(b)) throw new Error(`host prerequisites: no feature ${JSON.stringify(b)} (known: ${HOST_FEATURES.join(', ')})`);
    if (o.virt !== 'xen') out.add(b);
  }
  return HOST_FEATURES.filter((f) => out.has(f));
}

/** The packages of some features, each once (in list order, with the commands of every feature that names it). */
export function prerequisitesOf(features: readonly HostFeature[]): Prerequisite[] {
  const out = new Map<string, Prerequisite>();
  for (const f of features)
    for (const p of HOST_PREREQUISITES[f].needs as readonly Prerequisite[]) {
      const had = out.get(p.package);
      out.set(
        p.package,
        had ? { ...had, commands: [...new Set([...had.commands, ...p.commands])], why: `${had.why}; ${p.why}` } : { ...p, commands: [...p.commands] },
      );
    }
  return [...out.values()];
}

/**
 * The probe lines for some packages (sh): `pkg.<name>=<dpkg status>` per package and alternative
 * (`pkg.dpkg=none` on a host without dpkg-query), `cmd.<command>=yes|no` per command.
 */
export function prerequisiteProbe(needs: readonly Prerequisite[]): string[] {
  const pkgs = [...new Set(needs.flatMap((p) => [p.package, ...(p.alternatives ?? [])]))];
  const cmds = [...new Set(needs.flatMap((p) => p.commands))];
  for (const x of [...pkgs, ...cmds]) if (!/^[A-Za-z0-9/._+-]+$/.test(x)) throw new Error(`host prerequisites: bad name ${JSON.stringify(x)}`);
  return [
    // One dpkg-query for every package; a package dpkg does not know is on stderr, and so not listed.
    `if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='pkg.\${Package}=\${Status}\\n' ${pkgs.join(' ')} 2>/dev/null; else echo pkg.dpkg=none; fi`,
    ...cmds.map((c) => `command -v ${c} >/dev/null 2>&1 && echo "cmd.${c}=yes" || echo "cmd.${c}=no"`),
  ];
}

/** What is missing on one host, from the probe's key=value lines. */
export interface MissingPackage {
  package: string;
  /** Commands the harness runs that the host does not have. */
  commands: string[];
  /** dpkg's status of the package when it is not installed (`not installed`, `deinstall ok config-files`, ...). */
  status: string | null;
}

/**
 * The packages a host lacks: a package is missing when one of its commands is not found, or when the
 * host has dpkg and neither it nor an alternative is installed. Pure (tested on real dpkg-query output).
 */
export function missingPackages(needs: readonly Prerequisite[], p: Readonly<Record<string, string>>): MissingPackage[] {
  const dpkg = p['pkg.dpkg'] !== 'none';
  const installed = (name: string) => /\binstalled$/.test(p[`pkg.${name}`] ?? '') && !/not-installed$/.test(p[`pkg.${name}`] ?? '');
  const out: MissingPackage[] = [];
  for (const n of needs) {
    const commands = n.commands.filter((c) => p[`cmd.${c}`] !== 'yes');
    const any = [n.package, ...(n.alternatives ?? [])].some(installed);
    if (commands.length === 0 && (!dpkg || any)) continue;
    out.push({ package: n.package, commands, status: dpkg && !any ? (p[`pkg.${n.package}`] ?? 'not installed') : null });
  }
  return out;
}

/** The preflight line for a host's missing packages: the host, each package and why, and the install line. */
export function missingLine(host: string, missing: readonly MissingPackage[]): string {
  const what = missing.map((m) => {
    const why = [m.status ? `dpkg: ${m.status}` : '', m.commands.length ? `${m.commands.join(', ')} not found` : ''].filter(Boolean).join('; ');
    return `${m.package} (${why})`;
  });
  return `${host}: missing package${missing.length > 1 ? 's' : ''} ${what.join(', ')}: apt-get install -y ${missing.map((m) => m.package).join(' ')}`;
}

/** docs/real-sites.md's table of the list (generated; test/docs/prerequisites-ref.test.ts keeps it equal). */
export function prerequisitesTable(): string {
  const rows = HOST_FEATURES.flatMap((f) =>
    (HOST_PREREQUISITES[f].needs as readonly Prerequisite[]).map(
      (p) =>
        `| ${f} | ${HOST_PREREQUISITES[f].when} | \`${p.package}\`${p.alternatives?.length ? ` (or ${p.alternatives.map((a) => `\`${a}\``).join(', ')})` : ''} | ${p.commands.map((c) => `\`${c}\``).join(', ')} | ${p.why} |`,
    ),
  );
  return ['| feature | checked for | Debian package | commands the harness runs | used for |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
