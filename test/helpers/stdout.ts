/** Runs `fn` with process.stdout.write captured (nothing reaches the terminal); restores it after, also on a throw. */
export async function capturingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((s: string | Uint8Array) => {
    out += String(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), out };
  } finally {
    process.stdout.write = write;
  }
}
