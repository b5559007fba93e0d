import { CliError, UsageError } from './errors.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';

/**
 * How CLI commands talk to a running ccpulse (the embedded store belongs to the server process, so
 * commands that read or change its data go through its API): --url / CCPULSE_URL, --api-key, and the
 * API's answers. Every way this can fail is a CliError saying what to do: a server that cannot be
 * reached names the URL and how to set it; an error answer is shown as `message (CODE)`.
 */
export function serverClient(v: Record<string, unknown>) {
  const fromFlag = typeof v.url === 'string';
  const base = serverUrl((v.url as string | undefined) ?? process.env.CCPULSE_URL ?? DEFAULT_URL, fromFlag ? '--url' : process.env.CCPULSE_URL !== undefined ? 'CCPULSE_URL' : 'the default URL');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // the key from --api-key, else CCPULSE_API_KEY (kept out of shell history and ps)
  const apiKey = (v['api-key'] as string | undefined) || process.env.CCPULSE_API_KEY;
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const where = fromFlag ? 'given with --url' : process.env.CCPULSE_URL !== undefined ? 'from CCPULSE_URL' : 'the default';
  return async (path: string, init: RequestInit = {}) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers });
    } catch (err) {
      throw new CliError(`cannot reach the ccpulse server at ${base} (${where}): ${fetchFailure(err)}`, {
        hint: `Is it running? Give its address with --url URL or the environment variable CCPULSE_URL (default ${DEFAULT_URL}).`,
      });
    }
    const text = await res.text();
    if (res.status === 204) return null; // done, nothing to say (DELETE)
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(`${base}${path} answered HTTP ${res.status} with something that is not JSON: is ${base} a ccpulse server?`, {
        hint: 'Give the address of ccpulse with --url URL or CCPULSE_URL.',
      });
    }
    if (!res.ok) {
      const e = body?.error;
      const message = typeof e?.message === 'string' ? `${e.message} (${e.code ?? `HTTP ${res.status}`})` : `HTTP ${res.status} from ${base}${path}`;
      throw new CliError(message, { hint: res.status === 401 ? 'Give the key with --api-key KEY (or CCPULSE_API_KEY).' : undefined });
    }
    return body;
  };
}

/** The server address: an http(s) URL, without a trailing slash. */
function serverUrl(text: string, source: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    /* below */
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new UsageError(`${source} "${text}" is not an http:// or https:// URL (e.g. ${DEFAULT_URL})`);
  }
  return text.replace(/\/+$/, '');
}

const FETCH_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name could not be resolved',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'no answer (connect timeout)',
  UND_ERR_SOCKET: 'the connection was closed',
};

/** Why fetch failed, in a few words (undici puts the reason in `cause`). */
export function fetchFailure(err: unknown): string {
  let cause = (err as { cause?: unknown })?.cause ?? err;
  if (Array.isArray((cause as { errors?: unknown[] })?.errors)) cause = (cause as { errors: unknown[] }).errors[0]; // one per address tried
  const code = (cause as { code?: string })?.code;
  return (code && FETCH_CAUSES[code]) ?? (cause as Error)?.message ?? String(cause);
}
