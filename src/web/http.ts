/** What the pages say when the API refuses or cannot be reached. */
import { t } from './i18n.js';

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
