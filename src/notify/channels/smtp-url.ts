/**
 * The SMTP relay as a URL (`notify`'s `smtpUrl`), read without loading the mailer: the configuration
 * checks it at boot. `smtp://user:pass@host:587` asks for STARTTLS by default.
 */
export type StartTls = 'required' | 'opportunistic' | 'off';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, usually port 465). */
  secure: boolean;
  /** On a plain connection: STARTTLS required, taken when offered, or never. */
  starttls: StartTls;
  user?: string;
  pass?: string;
  from: string;
  /** Accept a certificate no CA vouches for (a relay on the same host); off unless set. */
  allowSelfSigned?: boolean;
}

const STARTTLS: readonly StartTls[] = ['required', 'opportunistic', 'off'];

/** `smtp[s]://[user[:pass]@]host[:port][?starttls=…&from=…&selfSigned=1]` as settings; throws a message naming what is wrong (never the password). */
export function parseSmtpUrl(text: string, defaultFrom: string): SmtpSettings {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error('not a URL (smtp://user:pass@host:587 or smtps://…)');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`scheme ${u.protocol} is not smtp: or smtps:`);
  if (!u.hostname) throw new Error('no host');
  const secure = u.protocol === 'smtps:';
  const starttls = (u.searchParams.get('starttls') ?? 'required') as StartTls;
  if (!STARTTLS.includes(starttls)) throw new Error('starttls must be required, opportunistic or off');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    starttls: secure ? 'off' : starttls,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { pass: decodeURIComponent(u.password) } : {}),
    from: u.searchParams.get('from') ?? defaultFrom,
    allowSelfSigned: u.searchParams.get('selfSigned') === '1',
  };
}

