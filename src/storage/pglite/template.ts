import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * A data directory as PGlite's initdb leaves it, made once and copied for every new database.
 *
 * initdb is most of a first start (5–7 s of CPU, and it leaves the WebAssembly memory of the thread
 * that ran it at ~600 MB, which is why it runs on a thread of its own), and its output is the same for
 * every database: a copy of ~40 MB of files takes a fraction of a second. The build (`npm run build`,
 * which `npm install` runs) makes the template next to the compiled modules; where there is none
 * (running from the TypeScript sources, or a build without it) one is made in the data directory on
 * first use, once for both databases, and removed after.
 *
 * The schema is not part of it: migrations run at every open, so the template never goes stale when
 * they change. It is only tied to PGlite's version (the on-disk format), which its stamp records.
 */

/** Where the build puts the template: next to this module. */
export const BUILT_TEMPLATE_DIR = fileURLToPath(new URL('./template', import.meta.url));

const STAMP = 'ccpulse-template.json';

/** The directory of PGlite's modules, pglite.wasm and initdb.wasm. */
export function pgliteDist(): string {
  // createRequire, not import.meta.resolve: the test runner's module loader has no import.meta.resolve
  return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
}

/** The installed PGlite's version: a template made by another one is not used. */
export function pgliteVersion(): string {
  return (JSON.parse(readFileSync(join(pgliteDist(), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Is `dir` a complete template made by this PGlite? */
export function isUsableTemplate(dir: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as { pglite?: string };
    return stamp.pglite === pgliteVersion() && existsSync(join(dir, 'PG_VERSION'));
  } catch {
    return false;
  }
}

/** Has `dir` a database (or the start of one that is not ours to replace)? */
export function hasDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * Makes a template in `dir` with `initdb(tmp)`, which must leave a PGlite data directory in `tmp`.
 * Atomic: the template appears complete (stamp included) or not at all.
 */
export async function makeTemplate(dir: string, initdb: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await initdb(tmp);
    if (!hasDatabase(tmp)) throw new Error(`initdb left no database in ${tmp}`);
    writeFileSync(join(tmp, STAMP), JSON.stringify({ pglite: pgliteVersion(), madeAt: new Date().toISOString() }));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Makes `target` a new database, a copy of `template`. Atomic (copied beside it, then renamed), so a
 * crash leaves either no database or a whole one. `target` must not exist or be empty.
 */
export function copyTemplate(template: string, target: string): void {
  if (existsSync(target)) {
    if (readdirSync(target).length > 0) throw new Error(`${target} is not empty and holds no database: move it away`);
    rmSync(target, { recursive: true });
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    cpSync(template, tmp, { recursive: true, filter: (src) => basename(src) !== STAMP });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
