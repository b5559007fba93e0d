/** How the pages reach the API, and what they say when it refuses or cannot be reached. */
import { t } from './i18n.js';

/**
 * An API URL with query parameters. No key in it: the pages are signed in with a session cookie
 * (sign-in.ts) that every call and the live stream carry, so a key never sits in a URL or a log.
 */
export function apiUrl(path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The error's text for the user: the server's message when it sent one, else the status. */
export async function messageOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string' && body.error.message) return body.error.message;
  } catch {
    /* not JSON */
  }
  return `HTTP ${res.status}`;
}

/** Why a request failed, in words: fetch's TypeError is a server that did not answer. */
export const reason = (err: unknown): string => (err instanceof TypeError ? t('the server did not answer') : err instanceof Error ? err.message : String(err));
