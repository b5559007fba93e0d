import { BUCKET_MS } from '../../metrics/appeal-story.js';
import type { HistoryShape } from '../../metrics/history.js';
import type { HistoryQuery } from '../../storage/storage.js';
import type { LiveView } from '../../stream/live-view.js';
import type { CampaignCounts } from '../campaigns/pacing.js';
import type { BoardSource, OperatorAht, SlotHistory } from './recommender.js';

type HistoryJson = (filter: Pick<HistoryQuery, 'tenant'>, shape: HistoryShape) => Promise<string>;

/**
 * The recommender's view of a running engine: the live board from the live view (the fast path), and
 * history through the engine's history answers (the slow path: read on the history thread, only the
 * answer's rows parsed here).
 */
export function engineBoardSource(live: LiveView, campaigns: CampaignCounts, historyJson: HistoryJson): BoardSource {
  return {
    tenants: () => live.tenantNames(),
    tiles: (tenant) => live.tilesOf(tenant),
    cell: (tenant, queue, channel, bucket) => live.recent.get(tenant, queue, channel, '', bucket)?.counters,
    handling: (tenant) => live.handlingNow(tenant),
    campaigns,
    async slotHistory(tenant, from, to, slotMs): Promise<SlotHistory[]> {
      const json = await historyJson({ tenant }, { from, to, groupBy: ['queue', 'channel'], intervalMs: slotMs, level: 'queue', maxRows: 200_000 });
      const rows = (JSON.parse(json) as { rows: Array<{ queue: string; channel: string; bucket: string; offered: number; ahtSec: number | null; ha: number }> }).rows;
      return rows.map((r) => ({ queue: r.queue, channel: r.channel, slot: Date.parse(r.bucket), slotMs, offered: r.offered, ahtSec: r.ahtSec, ha: r.ha }));
    },
    async operatorAht(tenant, from, to): Promise<OperatorAht[]> {
      const shape = { from: Math.floor(from / BUCKET_MS) * BUCKET_MS, to: Math.ceil(to / BUCKET_MS) * BUCKET_MS, groupBy: ['queue', 'channel', 'operator'] as const, level: 'operator' as const, maxRows: 20_000 };
      return (JSON.parse(await historyJson({ tenant }, shape)) as { rows: OperatorAht[] }).rows;
    },
  };
}
