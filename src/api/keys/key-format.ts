import { randomBytes } from 'node:crypto';

/**
 * A key is `ccp_<publicId>_<secret>`: the public id (12 lowercase letters and digits, no underscore)
 * finds the stored record without any hashing, so an unknown id is refused at once; the secret (32 random
 * bytes, base64url) is what the scrypt hash checks. The id is not secret: it names the key in lists,
 * logs and rate limits.
 */
const KEY = /^ccp_([a-z0-9]{8,32})_([A-Za-z0-9_-]{22,128})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newKeyId(): string {
  // 36 is not a power of two: bytes ≥ 252 are dropped so every character is equally likely
  let id = '';
  while (id.length < 12) for (const b of randomBytes(16)) if (b < 252 && id.length < 12) id += ID_ALPHABET[b % 36];
  return id;
}

export function newKey(): { id: string; key: string } {
  const id = newKeyId();
  return { id, key: `ccp_${id}_${randomBytes(32).toString('base64url')}` };
}

/** The public id of a key in the `ccp_…` format, or null when it is not one. */
export function keyIdOf(key: string): string | null {
  return KEY.exec(key)?.[1] ?? null;
}
