/** The log's rows as events: the columns read, and the row turned into a LoggedEvent. */
import type { LoggedEvent } from '../../contract/event.js';
import { toMs } from './rollups.js';

export const EVENT_COLUMNS = `seq::float8 AS seq, tenant, id, type, ${toMs('ts')} AS ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs`;

export function toLoggedEvent(r: Record<string, unknown>): LoggedEvent {
  const e: LoggedEvent = { seq: Number(r.seq), tenant: r.tenant as string, id: r.id as string, type: r.type as LoggedEvent['type'], ts: Number(r.ts) };
  if (r.appeal_id != null) e.appealId = r.appeal_id as string;
  if (r.channel != null) e.channel = r.channel as string;
  if (r.queue != null) e.queue = r.queue as string;
  if (r.operator_id != null) e.operatorId = r.operator_id as string;
  if (r.status != null) e.status = r.status as LoggedEvent['status'];
  if (r.direction != null) e.direction = r.direction as LoggedEvent['direction'];
  if (r.campaign_id != null) e.campaignId = r.campaign_id as string;
  if (r.attrs != null) e.attrs = (typeof r.attrs === 'string' ? JSON.parse(r.attrs) : r.attrs) as Record<string, unknown>;
  return e;
}
