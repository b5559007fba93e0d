/**
 * Telegram delivery: the Bot API's sendMessage (https://core.telegram.org/bots/api#sendmessage), to the
 * chat the destination names, through the bot whose token it holds. The API's address is configurable
 * (a local Bot API server, or a stand-in in tests). The token is part of the URL, so no error here ever
 * carries the URL.
 */
import { DeliveryError, permanentStatus, SEND_TIMEOUT_MS } from './delivery-error.js';

export const TELEGRAM_API = 'https://api.telegram.org';
/** sendMessage takes at most 4,096 characters. */
const MAX_TEXT = 4096;

export interface TelegramTarget {
  botToken: string;
  chatId: string;
  /** The Bot API's address; default TELEGRAM_API. */
  apiUrl?: string;
}

interface BotAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number };
}

export async function sendTelegram(target: TelegramTarget, text: string, timeoutMs = SEND_TIMEOUT_MS): Promise<void> {
  const base = (target.apiUrl ?? TELEGRAM_API).replace(/\/+$/, '');
  const body = JSON.stringify({ chat_id: target.chatId, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text, disable_web_page_preview: true });
  let res: Response;
  try {
    res = await fetch(`${base}/bot${encodeURIComponent(target.botToken)}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // (the cause's text may hold the URL, and so the token: only its kind is told)
    throw new DeliveryError(`telegram: ${(err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : 'the Bot API could not be reached'}`, false);
  }
  let answer: BotAnswer = {};
  try {
    answer = (await res.json()) as BotAnswer;
  } catch {
    // not JSON: judged by its status alone
  }
  if (res.ok && answer.ok) return;
  const retry = answer.parameters?.retry_after;
  const why = typeof answer.description === 'string' ? answer.description.slice(0, 200) : `HTTP ${res.status}`;
  throw new DeliveryError(`telegram: ${why}`, permanentStatus(res.status), typeof retry === 'number' && retry >= 0 ? retry * 1000 : undefined);
}
