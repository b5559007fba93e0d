/**
 * What a notification says, in the tenant's language (English or Russian): the item's kind and where,
 * its numbers in a line of their own, the reason as the advisor wrote it (English: the reasons are built
 * in English on the server), and a link to the dashboard. Pure: no I/O; the channels put it on the wire.
 */
import type { StoredRecommendation } from '../storage/storage.js';
import { aboutOf } from './about.js';

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

/** Why a message is sent: an item opened, its severity rose, it was escalated (critical and still unacknowledged), or it resolved. */
export type NotifyEvent = 'open' | 'raised' | 'escalated' | 'resolved';

export interface Message {
  /** One line: severity, kind, where. The email's subject. */
  title: string;
  /** The numbers that matter for this kind, when the item has them. */
  numbers: string | null;
  reason: string;
  link: string;
  /** Plain text of it all, as Telegram and email send it. */
  text: string;
}

const KIND: ReadonlyMap<string, [string, string]> = new Map([
  ['staffing-add', ['Add operators', 'Добавьте операторов']],
  ['staffing-release', ['Release operators', 'Можно отпустить операторов']],
  ['sl-under-target', ['SL under target', 'SL ниже цели']],
  ['long-wait', ['Long wait', 'Долгое ожидание']],
  ['abandon-high', ['High abandon', 'Много потерянных']],
  ['off-forecast', ['Off forecast', 'Отклонение от прогноза']],
  ['channel-silent', ['Channel silent', 'Канал молчит']],
  ['stuck', ['Stuck in handling', 'Зависли в обработке']],
  ['staffing-move', ['Move operators', 'Переведите операторов']],
  ['aht-outlier', ['Handle time', 'Время обработки']],
  ['campaign-slow-down', ['Slow the campaign', 'Замедлите кампанию']],
  ['campaign-speed-up', ['Speed up the campaign', 'Ускорьте кампанию']],
  ['campaign-late', ['Campaign late', 'Кампания не успевает']],
]);

const SEVERITY: ReadonlyMap<string, [string, string]> = new Map([
  ['critical', ['Critical', 'Критично']],
  ['warning', ['Warning', 'Внимание']],
  ['info', ['Info', 'Информация']],
]);

const EVENT: ReadonlyMap<NotifyEvent, [string, string]> = new Map([
  ['open', ['', '']],
  ['raised', ['Severity up', 'Серьёзнее']],
  ['escalated', ['Still unacknowledged', 'Всё ещё без реакции']],
  ['resolved', ['Resolved', 'Решено']],
]);

const CHANNEL: ReadonlyMap<string, [string, string]> = new Map([
  ['voice', ['voice', 'голос']],
  ['webchat', ['web chat', 'веб-чат']],
  ['email', ['email', 'почта']],
  ['cabinet', ['cabinet', 'кабинет']],
]);

const pick = (pair: [string, string] | undefined, lang: Lang, fallback: string) => (pair ? pair[lang === 'ru' ? 1 : 0] : fallback);
const num = (data: Record<string, unknown>, k: string): number | null => {
  const v = Object.hasOwn(data, k) ? data[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const fmt = (n: number, lang: Lang) => (lang === 'ru' ? String(n).replace('.', ',') : String(n));

/** The numbers line of the kinds that carry them in `data`. */
function numbersOf(item: StoredRecommendation, lang: Lang): string | null {
  const d = item.data;
  const ru = lang === 'ru';
  const f = (k: string) => {
    const v = num(d, k);
    return v === null ? null : fmt(v, lang);
  };
  switch (item.kind) {
    case 'staffing-add': {
      const add = f('add');
      if (add === null) return null;
      const parts = [ru ? `добавить ${add}` : `add ${add}`];
      if (f('required') !== null && f('available') !== null) parts.push(ru ? `нужно ${f('required')}, на линии ${f('available')}` : `${f('required')} needed, ${f('available')} on it`);
      if (f('expectedSlPctNow') !== null) parts.push(ru ? `SL сейчас ~${f('expectedSlPctNow')} %` : `SL now ~${f('expectedSlPctNow')} %`);
      if (f('expectedSlPctWithAdvice') !== null) parts.push(ru ? `с ними ~${f('expectedSlPctWithAdvice')} %` : `~${f('expectedSlPctWithAdvice')} % with them`);
      return parts.join(' · ');
    }
    case 'sl-under-target':
      return f('slPct') === null ? null : ru ? `SL ${f('slPct')} % при цели ${f('targetPct')} %` : `SL ${f('slPct')} % against a target of ${f('targetPct')} %`;
    case 'long-wait':
      return f('longestWaitSec') === null ? null : ru ? `ждёт ${f('longestWaitSec')} с (порог ${f('thresholdSec')} с), в очереди ${f('waiting')}` : `waiting ${f('longestWaitSec')} s (threshold ${f('thresholdSec')} s), ${f('waiting')} in the queue`;
    case 'abandon-high':
      return f('abandonPct') === null ? null : ru ? `потеряно ${f('abandonPct')} % (порог ${f('thresholdPct')} %)` : `${f('abandonPct')} % abandoned (threshold ${f('thresholdPct')} %)`;
    default:
      return null;
  }
}

/** Where the item is: `sales · voice`, both sides of a move, nothing for a campaign's item. */
function whereOf(item: StoredRecommendation, lang: Lang): string {
  return aboutOf(item.kind, item.key)
    .map((a) => `${a.queue} · ${pick(CHANNEL.get(a.channel), lang, a.channel)}`)
    .join(' → ');
}

/**
 * The message for an item and why it is sent. `dashboardUrl` is the server's public address (the link
 * opens the live view filtered to the item's queue).
 */
export function messageOf(item: StoredRecommendation, event: NotifyEvent, lang: Lang, dashboardUrl: string): Message {
  const where = whereOf(item, lang);
  const head = [pick(EVENT.get(event), lang, ''), pick(SEVERITY.get(item.severity), lang, item.severity), pick(KIND.get(item.kind), lang, item.kind.replace(/-/g, ' '))].filter(Boolean).join(' · ');
  const title = where ? `${head}: ${where}` : head;
  const numbers = event === 'resolved' ? null : numbersOf(item, lang);
  const url = new URL(dashboardUrl);
  const about = aboutOf(item.kind, item.key)[0];
  if (about) url.searchParams.set('q', about.queue); // the live view's filter
  const link = url.toString();
  const text = [title, numbers, item.reason, `${lang === 'ru' ? 'Открыть' : 'Open'}: ${link}`].filter((x): x is string => Boolean(x)).join('\n');
  return { title, numbers, reason: item.reason, link, text };
}
