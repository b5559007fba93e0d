import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'ccpulse_session';
/** How long a dashboard sign-in lasts. */
export const SESSION_TTL_MS = 12 * 3_600_000;
const MAX_SESSIONS = 10_000;

/**
 * Dashboard sessions, in this process's memory: a random id (the cookie's value, never the key) mapped to
 * the key it was made from. The key's current state is checked on every use (key-ring: principalOf), so
 * a revoked key's sessions end at once; they are also dropped then. A restart signs everyone out.
 */
export class SessionStore {
  private readonly sessions = new Map<string, { keyId: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  create(keyId: string): { id: string; maxAgeSec: number } {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { keyId, expiresAt: this.now() + SESSION_TTL_MS });
    return { id, maxAgeSec: SESSION_TTL_MS / 1000 };
  }

  /** The key id of a live session, or null. */
  keyIdOf(sessionId: string): string | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(sessionId);
      return null;
    }
    return s.keyId;
  }

  end(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  endAllOf(keyId: string): void {
    for (const [id, s] of this.sessions) if (s.keyId === keyId) this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** One cookie's value from a Cookie header, without a parser library (the only cookie ccpulse reads). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
