/**
 * Where Hadoop and its JDK are found when a scenario does not say: HADOOP_HOME / JAVA_HOME of the
 * harness's environment, else the installation that scripts/install-hadoop.sh assembles from Maven
 * Central (laid out as the official tarball, so a real site's unpacked tarball works the same way)
 * and Debian's Java 17.
 */
import { existsSync } from 'node:fs';

/** scripts/install-hadoop.sh's default target (ICBENCH_HADOOP_HOME overrides it there and here). */
export const INSTALLED_HADOOP_HOME = '/var/cache/icbench/hadoop-3.5.0';
export const DEBIAN_JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';

export function defaultHadoopHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HADOOP_HOME) return env.HADOOP_HOME;
  const installed = env.ICBENCH_HADOOP_HOME ?? INSTALLED_HADOOP_HOME;
  return existsSync(`${installed}/bin/hadoop`) ? installed : '';
}

export function defaultJavaHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) return env.JAVA_HOME;
  return existsSync(`${DEBIAN_JAVA_HOME}/bin/java`) ? DEBIAN_JAVA_HOME : '';
}
