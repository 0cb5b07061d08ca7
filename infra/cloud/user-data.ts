/**
 * What an instance is given at boot (pure text): its SSH host key generated on the controller
 * (cloud-init `ssh_keys`, so the controller's known_hosts holds the key before the first
 * connection: never trust on first use), the controller's public key for the user, and a
 * watchdog that powers the instance off after its lifetime; with EC2's
 * InstanceInitiatedShutdownBehavior=terminate a lost controller cannot leave it running.
 */

export interface UserDataInput {
  runId: string;
  /** The instance's own host key pair (OpenSSH text), made on the controller. */
  hostKey: { privateKey: string; publicKey: string };
  /** The controller's public key, authorized for `user`. */
  authorizedKey: string;
  user: string;
  lifetimeS: number;
}

const indent = (s: string, n: number) =>
  s
    .trimEnd()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');

/** Minutes until the watchdog's power-off: the lifetime rounded up, at least 1. */
export const watchdogMinutes = (lifetimeS: number) => Math.max(1, Math.ceil(lifetimeS / 60));

/** cloud-init user data (#cloud-config). */
export function cloudInitUserData(i: UserDataInput): string {
  for (const [k, v] of Object.entries({ authorizedKey: i.authorizedKey, publicKey: i.hostKey.publicKey }))
    if (!/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+( [^\n]*)?$/.test(v.trim())) throw new Error(`user data: ${k} is not one OpenSSH public key line`);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(i.user)) throw new Error(`user data: bad user ${JSON.stringify(i.user)}`);
  const min = watchdogMinutes(i.lifetimeS);
  return [
    '#cloud-config',
    `# icbench run ${i.runId}`,
    'ssh_deletekeys: true',
    'ssh_genkeytypes: []',
    'ssh_keys:',
    '  ed25519_private: |',
    indent(i.hostKey.privateKey, 4),
    `  ed25519_public: ${i.hostKey.publicKey.trim()}`,
    'users:',
    `  - name: ${i.user}`,
    '    ssh_authorized_keys:',
    `      - ${i.authorizedKey.trim()}`,
    ...(i.user === 'root' ? ['disable_root: false'] : ['    sudo: ALL=(ALL) NOPASSWD:ALL']),
    'bootcmd:',
    `  - [sh, -c, "shutdown -P +${min} icbench-lifetime || (sleep ${min * 60}; poweroff) &"]`,
    '',
  ].join('\n');
}
