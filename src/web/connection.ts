/**
 * The live stream: an EventSource on /v1/stream. EventSource reconnects by itself after a dropped
 * connection; when the browser gives up (CLOSED, e.g. the server answered with an error status) we open a
 * new one after a backoff. The stream sends `snapshot` first and after every reconnect, then `update`s;
 * with recommendations on, `recommendations` (the open board) right after each snapshot, then a
 * `recommendation` for each transition of an item.
 */
import type { LiveSnapshot, LiveUpdate } from '../contract/api.js';
import type { AdviceBoardMessage, AdviceTransition } from './state.js';

export type ConnState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  onSnapshot(s: LiveSnapshot): void;
  onUpdate(u: LiveUpdate): void;
  /** The open board of advice and alerts (replaces what there was). */
  onAdviceBoard(b: AdviceBoardMessage): void;
  /** One item opened, was acknowledged or resolved. */
  onAdvice(t: AdviceTransition): void;
  onState(s: ConnState): void;
}

const BACKOFF_MS = [1000, 2000, 5000, 10000];

export function openStream(url: string, h: StreamHandlers): { close(): void } {
  let es: EventSource | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let everLive = false;

  const parse = <T>(ev: MessageEvent): T | null => {
    try {
      return JSON.parse(ev.data as string) as T;
    } catch {
      console.warn('ccpulse: unparsable stream message', ev.type);
      return null;
    }
  };

  const open = (): void => {
    if (closed) return;
    h.onState(everLive ? 'reconnecting' : 'connecting');
    const src = new EventSource(url);
    es = src;
    src.addEventListener('snapshot', (ev) => {
      const s = parse<LiveSnapshot>(ev as MessageEvent);
      if (!s) return;
      attempt = 0;
      everLive = true;
      h.onSnapshot(s);
      h.onState('live');
    });
    src.addEventListener('update', (ev) => {
      const u = parse<LiveUpdate>(ev as MessageEvent);
      if (u) h.onUpdate(u);
    });
    src.addEventListener('recommendations', (ev) => {
      const b = parse<AdviceBoardMessage>(ev as MessageEvent);
      if (b && Array.isArray(b.items)) h.onAdviceBoard(b);
    });
    src.addEventListener('recommendation', (ev) => {
      const t = parse<AdviceTransition>(ev as MessageEvent);
      if (t && t.item && typeof t.item.id === 'string') h.onAdvice(t);
    });
    src.onopen = () => {
      attempt = 0;
    };
    src.onerror = () => {
      if (closed) return;
      if (src.readyState === EventSource.CLOSED) {
        src.close();
        const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
        attempt++;
        h.onState(everLive ? 'reconnecting' : 'connecting');
        timer = setTimeout(open, delay);
      } else {
        // CONNECTING: the browser retries on its own (server `retry:` or its default).
        h.onState(everLive ? 'reconnecting' : 'connecting');
      }
    };
  };

  open();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      es?.close();
    },
  };
}
