/**
 * How CLI commands talk to a running ccpulse (the embedded store belongs to the server process, so
 * commands that read or change its data go through its API): --url / CCPULSE_URL, --api-key, and the
 * API's error body turned into an error message.
 */
export function serverClient(v: Record<string, unknown>) {
  const base = (v.url as string | undefined) ?? process.env.CCPULSE_URL ?? 'http://127.0.0.1:8080';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (v['api-key']) headers.authorization = `Bearer ${v['api-key']}`;
  return async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const body = await res.json();
    if (!res.ok) throw new Error(`${res.status} ${body?.error?.code ?? ''}: ${body?.error?.message ?? JSON.stringify(body)}`);
    return body;
  };
}
