/**
 * Running a command inside a lab container. LXC: `lxc-attach` (container's namespaces, cgroup and
 * a clean environment); the attached process is a child of lxc-attach, so killing the handle's
 * process tree (what zx's kill does) stops it.
 * Docker: `docker exec` leaves the command running when its client is killed (its process is a
 * child of the engine's shim, not of the client), which would leave servers of a timed-out or
 * stopped sample behind. So lab nodes enter the container's namespaces with nsenter from its init
 * pid: same filesystem, hostname, pid and network namespaces, killable like any child, and ~4x
 * cheaper per command (about 20 vs 100 ms here). `dockerExecExecutor` keeps the engine's own exec for whoever needs it.
 * Before entering, the command joins the container's cgroups, as `docker exec` puts it there: with
 * cgroup v1, the container's /sys/fs/cgroup mounts are rooted at its own cgroup, and a process seen
 * in another cgroup (the caller's) makes Java 17's container support throw a NullPointerException
 * at start (Hadoop's daemons on docker nodes of a real host exited so).
 */
import type { Executor } from '../exec.js';

/** PATH inside lab containers (the host's /usr is theirs). */
export const NODE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin';

export function lxcExecutor(lxcpath: string, name: string): Executor {
  return {
    where: `lxc ${name}`,
    wrap: (argv) => ['lxc-attach', '-P', lxcpath, '-n', name, '--clear-env', '--set-var', `PATH=${NODE_PATH}`, '--set-var', 'HOME=/root', '--', ...argv],
  };
}

/**
 * sh: joins every cgroup of pid $1 (each line of /proc/$1/cgroup, at the caller's mount of that
 * hierarchy: a cgroup v1 mount by its first controller, cgroup2 for the `0::` line), best effort,
 * then execs the rest of its arguments.
 */
export const JOIN_CGROUPS_SH = [
  'p=$1; shift',
  'while IFS=: read -r _ ctl path; do',
  '  [ -n "$path" ] || continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  '  first=${ctl%%,*}',
  '  while read -r _ mnt typ opts _; do',
  '    case "$typ:$ctl" in',
  '      cgroup2:) ;;',
  '      cgroup:?*) case ",$opts," in *",$first,"*) ;; *) continue ;; esac ;;',
  '      *) continue ;;',
  '    esac',
  '    { echo $$ >"$mnt$path/cgroup.procs"; } 2>/dev/null',
  '    break',
  '  done </proc/self/mounts',
  'done <"/proc/$p/cgroup"',
  'exec "$@"',
].join('\n');

export function dockerExecutor(name: string, initPid: number): Executor {
  return {
    where: `docker ${name}`,
    wrap: (argv) => [
      'sh',
      '-c',
      JOIN_CGROUPS_SH,
      'sh',
      String(initPid),
      'nsenter',
      '-t',
      String(initPid),
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '-C',
      '-r',
      '-w',
      '--',
      '/usr/bin/env',
      '-i',
      `PATH=${NODE_PATH}`,
      'HOME=/root',
      ...argv,
    ],
  };
}

/** The engine's exec: not killable from the client side (see above); -i passes stdin through. */
export function dockerExecExecutor(name: string, o: { stdin?: boolean } = {}): Executor {
  return { where: `docker ${name}`, wrap: (argv) => ['docker', 'exec', ...(o.stdin ? ['-i'] : []), name, ...argv] };
}
