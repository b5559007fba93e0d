import { createHash } from 'node:crypto';
import type { Storage, StoredApiKey } from '../../storage/storage.js';
import { keyIdOf, newKey } from './key-format.js';
import { hashKey, verifyKey } from './key-hash.js';
import type { KeyRole } from './roles.js';

/** Who a request is, once its key (or the session made from one) is known. */
export interface Principal {
  tenant: string;
  role: KeyRole;
  /** The key's public id: stable and not secret (logs, rate limits, sessions). */
  keyId: string;
  name: string;
}

/** A key as lists show it: never the secret nor its hash. */
export interface KeyInfo {
  id: string;
  tenant: string;
  role: KeyRole;
  name: string;
  last4: string;
  createdAt: number;
  revokedAt: number | null;
  /** Given in the config file's apiKeys (admin of its tenant; cannot be revoked through the API). */
  fromConfig?: true;
}

type KeyStorage = Pick<Storage, 'addApiKey' | 'revokeApiKey' | 'listApiKeys'>;

/** How long a wrong key is answered from memory, without scrypt, and how many wrong secrets a known id may cost per window. */
const NEGATIVE_TTL_MS = 30_000;
const FAILURES_PER_ID = 10;
const FAILURE_WINDOW_MS = 10_000;
/** Bounds on the caches: a flood of distinct keys cannot grow them without limit. */
const MAX_CACHED = 10_000;

/** SHA-256 of the presented key: the caches' index, so no key is held in memory as it was sent. */
const digest = (key: string) => createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('base64');

function remember<K, V>(m: Map<K, V>, k: K, v: V): void {
  if (m.size >= MAX_CACHED) m.delete(m.keys().next().value as K); // the oldest entry
  m.set(k, v);
}

/**
 * The server's API keys, in memory (loaded from the storage at start, changed through it): resolves a
 * presented key to its tenant and role, creates and revokes keys with effect at once. A key in the
 * `ccp_<id>_<secret>` format is found by its id (an unknown or revoked id: refused with no hashing), then
 * its secret checked with scrypt once; a success is remembered (by the SHA-256 of the key) so ingest at
 * thousands of requests a second pays scrypt once. A wrong key is remembered for a short while, and a
 * known id that keeps failing stops being checked for a few seconds, so wrong keys cannot burn the CPU
 * (the price: while an id is being attacked, its first use after a restart can be refused for those seconds).
 * Keys from the config file (plain text, `apiKeys`) are admin keys of their tenant.
 */
export class KeyRing {
  private readonly stored = new Map<string, StoredApiKey>();
  private readonly plain = new Map<string, Principal & { info: KeyInfo }>();
  private readonly verified = new Map<string, string>(); // digest → key id
  private readonly refused = new Map<string, number>(); // digest → until
  private readonly failures = new Map<string, { since: number; count: number }>(); // key id → recent wrong secrets
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  private readonly revokeListeners: Array<(keyId: string) => void> = [];

  private constructor(
    private readonly storage: KeyStorage | null,
    private readonly now: () => number,
  ) {}

  /** `storage` null: only the config file's keys (buildApp without a key store, as many tests build it). */
  static async load(storage: KeyStorage | null, plainKeys: Record<string, string> = {}, opts: { now?: () => number } = {}): Promise<KeyRing> {
    const ring = new KeyRing(storage, opts.now ?? Date.now);
    for (const k of (await storage?.listApiKeys()) ?? []) ring.stored.set(k.id, k);
    for (const [key, tenant] of Object.entries(plainKeys)) {
      // not the key, and too short a digest to confirm a guess of it: a name for logs and rate limits
      let keyId = `cfg${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
      while ([...ring.plain.values()].some((p) => p.keyId === keyId)) keyId += 'x';
      const info: KeyInfo = { id: keyId, tenant, role: 'admin', name: 'config file', last4: '', createdAt: 0, revokedAt: null, fromConfig: true };
      ring.plain.set(digest(key), { tenant, role: 'admin', keyId, name: info.name, info });
    }
    return ring;
  }

  /** Whether any key could sign in (a valid stored key or one from the config file). */
  get hasKeys(): boolean {
    return this.plain.size > 0 || [...this.stored.values()].some((k) => k.revokedAt === null);
  }

  get hasStorage(): boolean {
    return this.storage !== null;
  }

  /** Called with a key's id when it is revoked (its sessions end). */
  onRevoke(listener: (keyId: string) => void): void {
    this.revokeListeners.push(listener);
  }

  /** Every key (of one tenant when given), oldest first. */
  list(tenant?: string): KeyInfo[] {
    const all: KeyInfo[] = [...[...this.plain.values()].map((p) => p.info), ...[...this.stored.values()].map(infoOf)];
    return tenant === undefined ? all : all.filter((k) => k.tenant === tenant);
  }

  /** The key as it stands now, by id: null when unknown or revoked. What a session checks on every request. */
  principalOf(keyId: string): Principal | null {
    const k = this.stored.get(keyId);
    if (k) return k.revokedAt === null ? { tenant: k.tenant, role: k.role, keyId: k.id, name: k.name } : null;
    for (const p of this.plain.values()) if (p.keyId === keyId) return { tenant: p.tenant, role: p.role, keyId: p.keyId, name: p.name };
    return null;
  }

  /** Makes a key; its secret is in the answer and nowhere else, ever. */
  async create(spec: { tenant: string; role: KeyRole; name: string }): Promise<{ key: string; info: KeyInfo }> {
    for (;;) {
      const { id, key } = newKey();
      const record = await this.record(id, key, spec);
      if (record) return { key, info: infoOf(record) };
      // the id was taken (one in 36^12): draw again
    }
  }

  /**
   * Stores a key given from outside (CCPULSE_ADMIN_KEY), idempotently: 'exists' when this very key is
   * stored and valid already. Throws when the key is not in the key format, or its id is taken by another
   * key or was revoked (a revoked key must not come back by a restart).
   */
  async preset(key: string, spec: { tenant: string; role: KeyRole; name: string }): Promise<'created' | 'exists'> {
    const id = keyIdOf(key);
    if (!id) throw new Error('not in the key format ccp_<id>_<secret>');
    const existing = this.stored.get(id);
    if (existing) {
      if (existing.revokedAt !== null) throw new Error(`the key ${id} was revoked: give a new one`);
      if (!(await verifyKey(key, existing.hash))) throw new Error(`the id ${id} belongs to another key: give a new one`);
      return 'exists';
    }
    if (!(await this.record(id, key, spec))) throw new Error(`the id ${id} belongs to another key: give a new one`);
    return 'created';
  }

  private async record(id: string, key: string, spec: { tenant: string; role: KeyRole; name: string }): Promise<StoredApiKey | null> {
    if (!this.storage) throw new Error('keys cannot be created without a key store');
    const record: StoredApiKey = { id, tenant: spec.tenant, role: spec.role, name: spec.name, hash: await hashKey(key), last4: key.slice(-4), createdAt: this.now(), revokedAt: null };
    if (!(await this.storage.addApiKey(record))) return null;
    this.stored.set(id, record);
    return record;
  }

  /** Revokes a key at once: its cached checks and its sessions go too. False when unknown or revoked already. */
  async revoke(id: string): Promise<boolean> {
    const k = this.stored.get(id);
    if (!k || k.revokedAt !== null || !this.storage) return false;
    const at = this.now();
    // the storage first: a revoke that failed there must not look done (the key would be back after a restart)
    await this.storage.revokeApiKey(id, at);
    this.stored.set(id, { ...k, revokedAt: at });
    for (const [d, kid] of this.verified) if (kid === id) this.verified.delete(d);
    for (const l of this.revokeListeners) l(id);
    return true;
  }

  /** Who presents this key, or null: unknown, revoked or wrong. */
  resolve(presented: string): Promise<Principal | null> {
    const d = digest(presented);
    const fromConfig = this.plain.get(d);
    if (fromConfig) return Promise.resolve({ tenant: fromConfig.tenant, role: fromConfig.role, keyId: fromConfig.keyId, name: fromConfig.name });
    const cached = this.verified.get(d);
    if (cached !== undefined) return Promise.resolve(this.principalOf(cached));
    const id = keyIdOf(presented);
    const record = id === null ? undefined : this.stored.get(id);
    if (!record || record.revokedAt !== null) return Promise.resolve(null); // no scrypt for an unknown id
    const now = this.now();
    const until = this.refused.get(d);
    if (until !== undefined && until > now) return Promise.resolve(null);
    const f = this.failures.get(record.id);
    if (f && now - f.since < FAILURE_WINDOW_MS && f.count >= FAILURES_PER_ID) return Promise.resolve(null);
    // many requests with the same new key at once (an ingest burst) share one scrypt
    let pending = this.inFlight.get(d);
    if (!pending) {
      pending = this.check(presented, d, record).finally(() => this.inFlight.delete(d));
      this.inFlight.set(d, pending);
    }
    return pending;
  }

  private async check(presented: string, d: string, record: StoredApiKey): Promise<Principal | null> {
    if (await verifyKey(presented, record.hash)) {
      remember(this.verified, d, record.id);
      return this.principalOf(record.id); // null if revoked while scrypt ran
    }
    const now = this.now();
    remember(this.refused, d, now + NEGATIVE_TTL_MS);
    const f = this.failures.get(record.id);
    if (!f || now - f.since >= FAILURE_WINDOW_MS) remember(this.failures, record.id, { since: now, count: 1 });
    else f.count++;
    return null;
  }
}

function infoOf(k: StoredApiKey): KeyInfo {
  return { id: k.id, tenant: k.tenant, role: k.role, name: k.name, last4: k.last4, createdAt: k.createdAt, revokedAt: k.revokedAt };
}
