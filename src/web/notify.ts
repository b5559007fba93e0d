/**
 * The notifications panel in the settings dialog (/v1/notifications): the tenant's destinations, each
 * with a test button and a remove button, a form to add one, and the latest deliveries with the dead
 * ones replayable. Each action is saved at once (not by the dialog's Save, which is for the settings).
 */
import { formatDateTime } from './format.js';
import { t } from './i18n.js';
import { messageOf, reason } from './http.js';
import { destinationBody, destinationTarget, type DeliveryView, type Destination, type Kind, type NotifyForm } from './notify-form.js';
import type { ApiUrl } from './trends.js';

const KIND_LABELS: ReadonlyMap<string, string> = new Map([
  ['webhook', 'Webhook'],
  ['telegram', 'Telegram'],
  ['email', 'Email'],
]);
const STATE_LABELS: ReadonlyMap<string, string> = new Map([
  ['pending', 'waiting'],
  ['sent', 'sent'],
  ['dead', 'failed'],
]);
const TARGET_LABELS: ReadonlyMap<Kind, [string, string]> = new Map([
  ['webhook', ['URL', 'Secret (16+ characters)']],
  ['telegram', ['Chat id', 'Bot token']],
  ['email', ['Addresses', '']],
]);

export class NotifyPanel {
  private readonly list: HTMLUListElement;
  private readonly deliveries: HTMLUListElement;
  private readonly status: HTMLElement;
  private readonly form: HTMLElement;
  private destinations: Destination[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly url: ApiUrl,
  ) {
    this.list = root.querySelector<HTMLUListElement>('#notify-list')!;
    this.deliveries = root.querySelector<HTMLUListElement>('#notify-deliveries')!;
    this.status = root.querySelector<HTMLElement>('.notify-status')!;
    this.form = root.querySelector<HTMLElement>('.notify-form')!;
    const kind = this.field<HTMLSelectElement>('kind');
    kind.addEventListener('change', () => this.showKind());
    this.showKind();
    root.querySelector('#notify-add')!.addEventListener('click', () => void this.add());
  }

  private field<T extends HTMLElement = HTMLInputElement>(name: string): T {
    return this.form.querySelector<T>(`[name="n-${name}"]`)!;
  }

  /** The target and secret fields' labels follow the kind; email has no secret. */
  private showKind(): void {
    const kind = this.field<HTMLSelectElement>('kind').value as Kind;
    const [target, secret] = TARGET_LABELS.get(kind)!;
    this.form.querySelector('.n-target-label')!.textContent = t(target);
    this.form.querySelector('.n-secret-label')!.textContent = secret ? t(secret) : '';
    this.form.querySelector<HTMLElement>('.n-secret')!.hidden = !secret;
  }

  async load(): Promise<void> {
    try {
      const [d, l] = await Promise.all([this.get('v1/notifications/destinations'), this.get('v1/notifications/deliveries', { limit: '20' })]);
      this.destinations = (d as { items: Destination[] }).items;
      this.renderDestinations();
      this.renderDeliveries((l as { items: DeliveryView[] }).items);
    } catch (err) {
      this.say(t('Could not read the notifications: {why}', { why: reason(err) }), true);
    }
  }

  private async get(path: string, params?: Record<string, string>): Promise<unknown> {
    const res = await fetch(this.url(path, params), { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(await messageOf(res));
    return res.json();
  }

  private async call(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url(path), { method, headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(await messageOf(res));
    return res.status === 204 ? null : res.json();
  }

  private renderDestinations(): void {
    this.list.replaceChildren(
      ...this.destinations.map((d) => {
        const li = document.createElement('li');
        li.dataset.destination = d.id;
        const what = document.createElement('span');
        what.className = 'notify-what';
        const name = document.createElement('strong');
        name.textContent = d.name;
        what.append(name, ` · ${t(KIND_LABELS.get(d.kind) ?? d.kind)} → ${destinationTarget(d)}`);
        const route = document.createElement('span');
        route.className = 'notify-route';
        const parts = [d.route.severities.map((s) => t(s)).join(', ')];
        if (d.route.queues.length) parts.push(d.route.queues.join(', '));
        if (d.quietHours) parts.push(t('quiet {from}–{to}', { from: d.quietHours.from, to: d.quietHours.to }));
        if (d.escalateAfterMin) parts.push(t('escalate after {n} min', { n: d.escalateAfterMin }));
        if (d.digestMin) parts.push(t('digest every {n} min', { n: d.digestMin }));
        route.textContent = parts.join(' · ');
        const test = button(t('Send a test'), () => void this.test(d));
        test.className = 'button notify-test';
        const remove = button(t('Remove'), () => void this.remove(d));
        remove.className = 'button notify-remove';
        remove.setAttribute('aria-label', `${t('Remove')} ${d.name}`);
        test.setAttribute('aria-label', `${t('Send a test')}: ${d.name}`);
        li.append(what, route, test, remove);
        return li;
      }),
    );
    this.root.querySelector<HTMLElement>('.notify-none')!.hidden = this.destinations.length > 0;
  }

  private renderDeliveries(items: DeliveryView[]): void {
    const names = new Map(this.destinations.map((d) => [d.id, d.name]));
    this.deliveries.replaceChildren(
      ...items.map((d) => {
        const li = document.createElement('li');
        li.dataset.state = d.state;
        li.dataset.key = d.key;
        const when = formatDateTime(new Date(d.createdAt));
        li.append(`${when} · ${names.get(d.destination) ?? d.destination} · ${d.title || d.event} · ${t(STATE_LABELS.get(d.state) ?? d.state)}${d.lastError ? `: ${d.lastError}` : ''}`);
        if (d.state === 'dead') {
          const again = button(t('Send again'), () => void this.replay(d));
          again.className = 'button notify-replay';
          li.append(' ', again);
        }
        return li;
      }),
    );
  }

  private readForm(): NotifyForm {
    const checked = (v: string) => this.form.querySelector<HTMLInputElement>(`[name="n-sev"][value="${v}"]`)!.checked;
    return {
      kind: this.field<HTMLSelectElement>('kind').value as Kind,
      name: this.field('name').value,
      target: this.field<HTMLInputElement>('target').value,
      secret: this.field('secret').value,
      lang: this.field<HTMLSelectElement>('lang').value as 'en' | 'ru',
      severities: (['critical', 'warning', 'info'] as const).filter(checked),
      queues: this.field('queues').value,
      quietFrom: this.field('quiet-from').value,
      quietTo: this.field('quiet-to').value,
      escalateAfterMin: this.field('escalate').value,
      digestMin: this.field('digest').value,
    };
  }

  private async add(): Promise<void> {
    const made = destinationBody(this.readForm());
    if ('problem' in made) return this.say(t('Not added: {why}', { why: made.problem }), true);
    this.say(t('Saving…'));
    try {
      await this.call('POST', 'v1/notifications/destinations', made.body);
      for (const n of ['name', 'target', 'secret', 'queues', 'escalate', 'digest']) this.field(n).value = '';
      await this.load();
      this.say(t('Added: in effect now. Send a test to see it arrive.'));
    } catch (err) {
      this.say(t('Not added: {why}', { why: reason(err) }), true);
    }
  }

  private async test(d: Destination): Promise<void> {
    this.say(t('Sending a test to {name}…', { name: d.name }));
    try {
      const r = (await this.call('POST', `v1/notifications/destinations/${d.id}/test`)) as DeliveryView;
      await this.load();
      if (r.state === 'sent') this.say(t('Test sent to {name}.', { name: d.name }));
      else this.say(t('The test to {name} failed: {why}', { name: d.name, why: r.lastError ?? '' }), true);
    } catch (err) {
      this.say(t('The test to {name} failed: {why}', { name: d.name, why: reason(err) }), true);
    }
  }

  private async remove(d: Destination): Promise<void> {
    try {
      await this.call('DELETE', `v1/notifications/destinations/${d.id}`);
      await this.load();
      this.say(t('Removed {name}.', { name: d.name }));
    } catch (err) {
      this.say(t('Not removed: {why}', { why: reason(err) }), true);
    }
  }

  private async replay(d: DeliveryView): Promise<void> {
    try {
      await this.call('POST', `v1/notifications/deliveries/${encodeURIComponent(d.key)}/replay`);
      this.say(t('Sending again.'));
      setTimeout(() => void this.load(), 1500);
    } catch (err) {
      this.say(t('Not sent again: {why}', { why: reason(err) }), true);
    }
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
