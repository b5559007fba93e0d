import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Keys are stored as scrypt hashes (node:crypto, OpenSSL's), `scrypt$N$r$p$salt$hash` in base64url, so a
 * copy of the database gives no usable key. Always the async scrypt: one costs tens of milliseconds, which
 * must not block the event loop (the caller caches successful checks: key-ring.ts).
 */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scryptAsync(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LEN, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out))));
}

export async function hashKey(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(key, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `key` is the one `stored` was made from; false for a stored value this code did not write. */
export async function verifyKey(key: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  // only the costs this code writes: a tampered row must not make the server do unbounded work
  if (N !== COST.N || r !== COST.r || p !== COST.p) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length !== KEY_LEN) return false;
  const actual = await scryptAsync(key, Buffer.from(parts[4], 'base64url'), { N, r, p });
  return timingSafeEqual(actual, expected);
}
