/**
 * Signing the dashboard in with an API key (issue #14): the key is posted once to /v1/session, which
 * answers with a session cookie (HttpOnly: no script here ever reads it); every later call and the live
 * stream carry the cookie, so the key never sits in a URL. `?key=` in the address (the URL ccpulse start
 * prints) is exchanged the same way and taken out of the address bar at once.
 */
import { t } from './i18n.js';

export interface Who {
  tenant: string;
  role: 'ingest' | 'read' | 'admin';
  name: string;
  keyId: string;
  /** The server takes no keys (--no-auth): nobody signs in, or out. */
  open: boolean;
}

async function errorText(res: Response): Promise<string> {
  if (res.status === 401) return t('This key is not valid (wrong, or revoked).');
  try {
    const body = (await res.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    /* not JSON */
  }
  return `HTTP ${res.status}`;
}

async function postKey(key: string): Promise<string | null> {
  try {
    const res = await fetch('v1/session', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ key }) });
    return res.ok ? null : await errorText(res);
  } catch {
    return t('the server did not answer');
  }
}

async function whoAmI(): Promise<Who | null> {
  try {
    const res = await fetch('v1/session', { headers: { accept: 'application/json' } });
    return res.ok ? ((await res.json()) as Who) : null;
  } catch {
    return null;
  }
}

/** The sign-in form, over an emptied page, until a key is accepted; the page then loads again, signed in. */
function showForm(message: string): Promise<never> {
  document.body.classList.add('signed-out');
  const form = document.createElement('form');
  form.className = 'sign-in';
  form.id = 'sign-in';
  const title = document.createElement('h1');
  title.textContent = 'ccpulse';
  const label = document.createElement('label');
  label.htmlFor = 'sign-in-key';
  label.textContent = t('API key');
  const input = document.createElement('input');
  input.id = 'sign-in-key';
  input.type = 'password';
  input.autocomplete = 'off';
  input.required = true;
  const button = document.createElement('button');
  button.type = 'submit';
  button.className = 'button primary';
  button.textContent = t('Sign in');
  const note = document.createElement('p');
  note.id = 'sign-in-message';
  note.setAttribute('role', 'alert');
  note.textContent = message;
  form.append(title, label, input, button, note);
  document.body.prepend(form);
  input.focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    button.disabled = true;
    void postKey(input.value.trim()).then((problem) => {
      if (problem === null) return location.reload();
      note.textContent = problem;
      button.disabled = false;
      input.select();
    });
  });
  return new Promise<never>(() => {}); // the page does not go on: a reload does, once signed in
}

/** Who this page is signed in as; shows the sign-in form (and never resolves) until there is someone. */
export async function ensureSession(): Promise<Who> {
  const params = new URLSearchParams(location.search);
  const key = params.get('key');
  let problem = '';
  if (key !== null) {
    params.delete('key');
    const rest = params.toString();
    // out of the address bar (and the history) before anything else happens
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    problem = (await postKey(key)) ?? '';
  }
  const who = problem ? null : await whoAmI();
  if (who && who.role !== 'ingest') return who;
  return showForm(problem);
}

/** Ends the session and shows the sign-in form. */
export async function signOut(): Promise<void> {
  await fetch('v1/session', { method: 'DELETE' }).catch(() => undefined);
  location.reload();
}

/** Hides what the key's role may not use (the server refuses it anyway), and offers signing out. */
export function fitToRole(who: Who, adminOnly: readonly Element[], signOutSlot: Element | null): void {
  for (const el of adminOnly) if (who.role !== 'admin') (el as HTMLElement).hidden = true;
  document.body.dataset.role = who.role;
  if (who.open || !signOutSlot) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.id = 'sign-out';
  b.className = 'toggle';
  b.title = `${who.name || who.keyId} · ${who.tenant} · ${who.role}`;
  b.textContent = t('Sign out');
  b.addEventListener('click', () => void signOut());
  signOutSlot.append(b);
}
