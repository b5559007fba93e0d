import type { KeyRole } from '../../storage/storage.js';

export type { KeyRole };

export const ROLES: readonly KeyRole[] = ['ingest', 'read', 'admin'];

export const isRole = (x: unknown): x is KeyRole => typeof x === 'string' && (ROLES as readonly string[]).includes(x);

/**
 * What a key's role lets it do: `admin` everything; `read` the read routes; `ingest` posting events only.
 * `read` does not include `ingest` (a dashboard's key cannot write events) and `ingest` reads nothing.
 */
export function allows(have: KeyRole, need: KeyRole): boolean {
  return have === 'admin' || have === need;
}
