import { describe, expect, it, vi } from 'vitest';
import type { StoredApiKey } from '../../storage/storage.js';
import * as hash from './key-hash.js';
import { keyIdOf } from './key-format.js';
import { KeyRing } from './key-ring.js';
import { cookieValue, SessionStore } from './sessions.js';
import { allows } from './roles.js';

/** The Storage's key methods, in memory. */
function memoryStore() {
  const rows = new Map<string, StoredApiKey>();
  return {
    rows,
    async addApiKey(k: StoredApiKey) {
      if (rows.has(k.id)) return false;
      rows.set(k.id, { ...k });
      return true;
    },
    async revokeApiKey(id: string, at: number) {
      const k = rows.get(id);
      if (!k || k.revokedAt !== null) return false;
      k.revokedAt = at;
      return true;
    },
    async listApiKeys() {
      return [...rows.values()].map((k) => ({ ...k }));
    },
  };
}

describe('KeyRing', () => {
  it('creates a key whose secret is stored only as a scrypt hash, and resolves it to its tenant and role', async () => {
    const store = memoryStore();
    const ring = await KeyRing.load(store);
    expect(ring.hasKeys).toBe(false);
    const { key, info } = await ring.create({ tenant: 'acme', role: 'read', name: 'wallboard' });
    expect(key).toMatch(/^ccp_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ id: keyIdOf(key), tenant: 'acme', role: 'read', name: 'wallboard', last4: key.slice(-4), revokedAt: null });
    const row = store.rows.get(info.id)!;
    expect(row.hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(JSON.stringify(row)).not.toContain(key.split('_').slice(2).join('_'));
    expect(JSON.stringify(ring.list())).not.toContain(row.hash);
    expect(await ring.resolve(key)).toEqual({ tenant: 'acme', role: 'read', keyId: info.id, name: 'wallboard' });
    expect(ring.hasKeys).toBe(true);
    // and after a restart, from the storage
    expect(await (await KeyRing.load(store)).resolve(key)).toMatchObject({ tenant: 'acme', role: 'read' });
  });

  it('pays scrypt once per key: later requests come from memory, and a burst shares one check', async () => {
    const ring = await KeyRing.load(memoryStore());
    const { key } = await ring.create({ tenant: 't', role: 'ingest', name: '' });
    const spy = vi.spyOn(hash, 'verifyKey');
    try {
      const all = await Promise.all(Array.from({ length: 50 }, () => ring.resolve(key)));
      expect(all.every((p) => p?.role === 'ingest')).toBe(true);
      for (let i = 0; i < 100; i++) await ring.resolve(key);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses an unknown id with no scrypt, and stops checking a known id that keeps failing', async () => {
    const ring = await KeyRing.load(memoryStore());
    const { key, info } = await ring.create({ tenant: 't', role: 'admin', name: '' });
    const spy = vi.spyOn(hash, 'verifyKey');
    try {
      expect(await ring.resolve('ccp_unknownid000_' + 'a'.repeat(43))).toBeNull();
      expect(await ring.resolve('not a key')).toBeNull();
      expect(spy).toHaveBeenCalledTimes(0);
      const wrong = `ccp_${info.id}_${'b'.repeat(43)}`;
      for (let i = 0; i < 20; i++) expect(await ring.resolve(wrong)).toBeNull();
      expect(spy).toHaveBeenCalledTimes(1); // the same wrong key: remembered
      for (let i = 0; i < 30; i++) expect(await ring.resolve(`ccp_${info.id}_${String(i).padStart(43, 'c')}`)).toBeNull();
      expect(spy.mock.calls.length).toBeLessThanOrEqual(10); // distinct wrong secrets: a budget per id
      expect(spy.mock.calls.every(([k]) => k !== key)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('revokes at once: a cached key, and its sessions, stop working', async () => {
    const ring = await KeyRing.load(memoryStore());
    const sessions = new SessionStore();
    ring.onRevoke((id) => sessions.endAllOf(id));
    const { key, info } = await ring.create({ tenant: 't', role: 'read', name: '' });
    expect(await ring.resolve(key)).not.toBeNull();
    const s = sessions.create(info.id);
    expect(sessions.keyIdOf(s.id)).toBe(info.id);
    expect(await ring.revoke(info.id)).toBe(true);
    expect(await ring.resolve(key)).toBeNull();
    expect(ring.principalOf(info.id)).toBeNull();
    expect(sessions.keyIdOf(s.id)).toBeNull();
    expect(await ring.revoke(info.id)).toBe(false);
    expect(ring.list()[0].revokedAt).not.toBeNull();
  });

  it('takes config-file keys as admin keys of their tenant, by value only (no prototype names)', async () => {
    const ring = await KeyRing.load(null, JSON.parse('{"k-acme": "acme", "constructor": "ctor"}'));
    expect(await ring.resolve('k-acme')).toMatchObject({ tenant: 'acme', role: 'admin' });
    expect(await ring.resolve('constructor')).toMatchObject({ tenant: 'ctor' });
    for (const n of ['__proto__', 'toString', 'hasOwnProperty']) expect(await ring.resolve(n)).toBeNull();
    const ids = ring.list().map((k) => k.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids.join()).not.toContain('k-acme');
  });

  it('presets a given admin key idempotently, and refuses a taken or revoked id', async () => {
    const store = memoryStore();
    const ring = await KeyRing.load(store);
    const key = `ccp_presetkey001_${'k'.repeat(43)}`;
    expect(await ring.preset(key, { tenant: 'default', role: 'admin', name: 'CCPULSE_ADMIN_KEY' })).toBe('created');
    const again = await KeyRing.load(store);
    expect(await again.preset(key, { tenant: 'default', role: 'admin', name: 'CCPULSE_ADMIN_KEY' })).toBe('exists');
    await expect(again.preset(`ccp_presetkey001_${'z'.repeat(43)}`, { tenant: 'default', role: 'admin', name: '' })).rejects.toThrow(/another key/);
    await expect(again.preset('short', { tenant: 'default', role: 'admin', name: '' })).rejects.toThrow(/format/);
    await again.revoke('presetkey001');
    await expect(again.preset(key, { tenant: 'default', role: 'admin', name: '' })).rejects.toThrow(/revoked/);
  });
});

describe('roles', () => {
  it('admin does everything; read and ingest only their own', () => {
    expect(allows('admin', 'ingest') && allows('admin', 'read') && allows('admin', 'admin')).toBe(true);
    expect(allows('read', 'read')).toBe(true);
    expect(allows('read', 'ingest') || allows('read', 'admin') || allows('ingest', 'read') || allows('ingest', 'admin')).toBe(false);
  });
});

describe('cookieValue', () => {
  it('finds the one cookie among others', () => {
    expect(cookieValue('a=1; ccpulse_session=abc-_; b=2', 'ccpulse_session')).toBe('abc-_');
    expect(cookieValue('xccpulse_session=1', 'ccpulse_session')).toBeUndefined();
    expect(cookieValue(undefined, 'ccpulse_session')).toBeUndefined();
  });
});
