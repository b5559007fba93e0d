/** How the pages reach the API: the key they were opened with, and what they say when it refuses or cannot be reached. */
import { t } from './i18n.js';

/**
 * With API keys configured the server wants one; EventSource cannot send headers, so it goes in the
 * query (`?apiKey=…` on a page's URL is passed on to the API).
 */
export const apiKey = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('apiKey');

/** An API URL with query parameters, the key among them when there is one. */
export function apiUrl(path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params);
  if (apiKey) q.set('apiKey', apiKey);
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
