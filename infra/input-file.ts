/**
 * Reading a user's input file (an inventory, a schedule) within bounds: a regular file of at most
 * MAX_INPUT_BYTES, checked before it is read, so that a huge or endless file (a FIFO, /dev/zero)
 * is refused at once instead of filling memory. YAML alias expansion is bounded where the file is
 * turned into values (`toJS({ maxAliasCount })`: the yaml library counts merge-key aliases too).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const MAX_INPUT_BYTES = 1024 * 1024;

/** The file's text, or an Error saying why not (not a regular file, larger than `max`, unreadable). */
export function readInputFile(path: string, max = MAX_INPUT_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    if (st.size > max) throw new Error(`${path} is ${st.size} bytes, more than the ${max} an input file may have`);
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > st.size) throw new Error(`${path} grew while being read (more than ${max} bytes)`);
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
