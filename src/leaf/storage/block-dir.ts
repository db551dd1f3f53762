/**
 * Atomic directories of immutable files (blocks and snapshots): files are written into
 * `<final>.tmp`, each fsynced, `meta.json` last, the directory fsynced, then renamed into place
 * and the parent fsynced. A directory without `meta.json` (or any `*.tmp`) is an interrupted
 * write and is ignored (and removed) on open.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { syncDir } from './wal-writer.js';

export const META_FILE = 'meta.json';

async function writeFileSynced(file: string, data: Uint8Array): Promise<void> {
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

export async function writeDirAtomic(finalDir: string, files: Record<string, Uint8Array>, meta: unknown): Promise<void> {
  const tmp = `${finalDir}.tmp`;
  await fs.promises.rm(tmp, { recursive: true, force: true });
  await fs.promises.mkdir(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFileSynced(path.join(tmp, name), data);
  await writeFileSynced(path.join(tmp, META_FILE), new TextEncoder().encode(JSON.stringify(meta, null, 1)));
  await syncDir(tmp);
  await fs.promises.rm(finalDir, { recursive: true, force: true });
  await fs.promises.rename(tmp, finalDir);
  await syncDir(path.dirname(finalDir));
}

/** Complete subdirectories of `parent` (with meta.json); removes interrupted `*.tmp` ones. */
export function listCompleteDirs(parent: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: string[] = [];
  for (const n of names.sort()) {
    const p = path.join(parent, n);
    if (n.endsWith('.tmp')) {
      fs.rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (fs.existsSync(path.join(p, META_FILE))) out.push(n);
  }
  return out;
}

export function readMeta<T>(dir: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as T;
}

/** Reads a file into an 8-byte-aligned buffer (Arrow reads typed columns zero-copy from it). */
export function readAligned(file: string): Uint8Array {
  const b = fs.readFileSync(file);
  if (b.byteOffset % 8 === 0) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const out = new Uint8Array(b.byteLength);
  out.set(b);
  return out;
}
