/** Shape of results/<run-id>/run.json. Reports read only this and measurements.csv. */
export interface WanProfileMeta {
  a: string; // site name
  b: string; // site name
  rate_mbit: number | null; // null = unlimited
  rtt_ms: number;
  jitter_ms: number;
  loss_pct: number;
  mtu: number;
  enforced_by: 'netem' | 'wanem' | 'none'; // none = real sites: recorded, not enforced
  /** Base RTT compensation (lab): the path's own RTT measured at stand-up, ms (null: not measured; absent: compensation off). */
  rtt_base_ms?: number | null;
  /** The RTT the emulator was given for rtt_ms (rtt_ms - rtt_base_ms, at least 0); absent where nothing emulates the WAN. */
  rtt_applied_ms?: number;
}

export interface ValidationEntry {
  check: string; // e.g. "rtt", "throughput", "lan-rate"
  a: string; // site (or host) name
  b: string;
  configured: number | null;
  measured: number | null;
  unit: string;
  ok: boolean;
  note: string; // e.g. "ceiling of this machine: 9400 Mbit/s", "emulator saturated"
  /** Real sites: a measured baseline of the real network, not a check against an emulated profile. */
  baseline?: boolean;
  /**
   * A NOT OK that says what limited the harness, not the path: `machine` (this machine cannot
   * reach the configured rate, e.g. a 10 Gbit/s LAN on 2 cores) or `emulator` (the WAN
   * emulator was saturated during the probe). History guards do not count these as regressions.
   */
  limit?: 'machine' | 'emulator';
  /**
   * Set on a NOT OK check that does not degrade the run, with the reason: this machine's ceiling on
   * a path no headline depends on (measurements/validation-notes.ts has the rule). Shown as a note.
   */
  note_only?: string;
}

export interface WanChange {
  at: string;
  /** Why the WAN changed, e.g. "rtt 40ms" or "restore". */
  what: string;
  wan: WanProfileMeta[];
  /** Configured vs measured right after the change (empty when validation is off). */
  validation: ValidationEntry[];
}

/** One headline comparison of an adaptive run: where it stopped and why. */
export interface AdaptiveComparisonMeta {
  /** Stable key, e.g. "bandwidth|NII", "tps|select-only|NII", "terasort|lab|4". */
  key: string;
  label: string;
  state: 'different' | 'equivalent' | 'undecided';
  /** Why the repetitions stopped: decided, the run's budget spent, or the maximum reached. */
  stopped: 'decided' | 'budget' | 'max' | 'interrupted';
  /** Repetitions of its benchmark calls when it stopped, and the samples per side. */
  repetitions: number;
  na: number;
  nb: number;
  /** The look it stopped at (1-based) of its looks. */
  look: number;
  /** Its benchmark's own look schedule, when the call set its own minimum or maximum (else the run's `looks`). */
  looks?: number[];
}

export interface AdaptiveMeta {
  min: number;
  max: number;
  /** Repetition counts at which comparisons are looked at; each look tests at its share of alpha (measurements/sequential.ts). */
  looks: number[];
  alpha: number;
  /** Equivalence margin as a fraction (0.05 = within ±5%). */
  margin: number;
  /** The run's time budget in seconds, null without one. */
  budget_s: number | null;
  comparisons: AdaptiveComparisonMeta[];
  /** While the session looks: the look being judged (1-based). */
  look?: number;
}

/** One node's TCP stack, read from the node after stand-up. */
export interface NodeTcpMeta {
  /** net.ipv4.tcp_congestion_control in the node's network namespace (or its VM's kernel); null: could not be read. */
  congestion_control: string | null;
  /** net.core.default_qdisc that applies to the node; null: could not be read. */
  default_qdisc: string | null;
  /** Where default_qdisc comes from: the node's own kernel (a VM), or its host's (not a per-namespace setting). */
  qdisc_from: 'node' | 'host';
}

/** The TCP stack the run's results depend on. */
export interface TcpMeta {
  /** --tcp-cc: 'system' (each kernel's own, recorded) or the algorithm set on every node and given to iperf3 (-C). */
  requested: string;
  /** By node name. */
  nodes: Record<string, NodeTcpMeta>;
  /** What the harness changed machine-wide to allow it (the lab only), e.g. the allowed list. */
  host_changes: string[];
}

export interface RunMeta {
  run_id: string;
  scenario: string;
  harness: { name: string; version: string; commit: string };
  tools: Record<string, string>; // tool -> version line, e.g. iperf3, ping, ip, kernel
  host: { kernel: string; hostname: string; cpus: number; memory_mb: number; netem: boolean };
  /** The kind of testbed: the name of its provider ('lab', 'ssh', or a provider added since). */
  testbed: string;
  topology: {
    sites: {
      name: string;
      lan_rate_mbit: number | null;
      hosts: { name: string; nodes: { name: string; virt: string; address: string; spare?: boolean }[] }[];
    }[];
    cluster_subnet: string;
    l2vpn: string; // lab: vxlan; real sites: provided | vxlan | vxlan-wireguard
    /** The segment as built on real sites: mtu, vni, wireguard_mtu, wireguard_port. */
    segment?: Record<string, number>;
  };
  wan: WanProfileMeta[];
  /** Every node's congestion control and default qdisc (absent in runs made before it was recorded). */
  tcp?: TcpMeta;
  params: Record<string, unknown>; // scenario parameters after overrides
  validation: ValidationEntry[];
  emulator: Record<string, unknown>; // per site pair: final wanem counters
  /** In-place WAN changes during the run (e.g. the RTT sweep of pgbench), each re-validated. */
  wan_changes?: WanChange[];
  /** Adaptive repetitions (issue 25): the design and, per headline comparison, why it stopped. Absent: fixed repetitions. */
  adaptive?: AdaptiveMeta;
  /** Real sites: per host kernel, CPU, memory, disk, clock offset and tool versions (and `lxc_apparmor` for lxc nodes). */
  remote_hosts?: Record<string, unknown>[];
  /** Lab lxc nodes: the AppArmor profile they ran under and why (`generated` where this machine has AppArmor, else `unconfined`). */
  lxc_apparmor?: { profile: string; allow_incomplete: boolean; allow_nesting: boolean; reason: string };
  started_at: string;
  ended_at: string | null;
  /**
   * 'degraded': the run completed but a validation check was NOT OK (the testbed did not match its
   * profile); the reason is in `failures` with stage 'validation'. A check marked `note_only` does
   * not degrade the run.
   */
  status: 'running' | 'ok' | 'degraded' | 'failed' | 'interrupted';
  failures: { stage: string; what: string; error: string }[];
  /** How the run was started (a scenario script and its options), for `icbench fill`; absent: not from a script. */
  entry?: { script: string; args: string[] };
  /** The cells of the ledger (ledger.jsonl) after the last attempt; absent in runs made before the ledger. */
  coverage?: {
    cells: number;
    ok: number;
    failed: number;
    missing: number;
    attempts: number;
    lost: { node: string; at: string; why: string; attempt: number }[];
    /** Roles moved to spare nodes of the same site (--spares): the lost node, the spare, when, in which attempt. */
    stand_ins?: { node: string; spare: string; at: string; attempt: number }[];
  };
  /** Each `icbench fill` of this run: its attempt, times, status, what it ran and its own testbed's facts. */
  fills?: FillMeta[];
}

/** One fill of a run (attempt 2, 3, ...): a testbed of the same shape that ran only the cells not ok. */
export interface FillMeta {
  attempt: number;
  started_at: string;
  ended_at: string | null;
  status: RunMeta['status'];
  /** Cells it was asked to run, and what they came to. */
  todo: number;
  ok: number;
  failed: number;
  missing: number;
  harness: RunMeta['harness'];
  validation: ValidationEntry[];
  failures: RunMeta['failures'];
  params: Record<string, unknown>;
}
