/**
 * Wire shapes of the HTTP API and the live stream, shared by the server and the dashboard.
 */

/** The SLA metrics of one group over one interval. `null` where the metric has no data (e.g. AHT with no closes). */
export interface MetricValues {
  offered: number;
  aa: number;
  ha: number;
  missed: number;
  /** Open appeals (waiting + in handling) at the end of the interval. */
  qa: number;
  awtSec: number | null;
  ahtSec: number | null;
  /** Average speed of answer: mean wait of answered appeals (the same measure as AWT, under its telephony name). */
  asaSec: number | null;
  slPct: number | null;
  abandonPct: number | null;
  waitP50Sec: number | null;
  waitP90Sec: number | null;
  waitP95Sec: number | null;
  /** Longest wait that ended (answered or abandoned) in the interval. */
  longestWaitSec: number | null;
}

export interface MetricsRow extends MetricValues {
  queue?: string;
  channel?: string;
  operator?: string;
  /** The operators' team in the tenant's settings ('' for those in none), when grouped by team. */
  team?: string;
  /** Interval start, ISO 8601; present when the request set `interval`. */
  bucket?: string;
  /**
   * True once the row can no longer change: its interval ends before the watermark minus the allowed
   * lateness. Until then a late or corrected event may still change it.
   */
  final: boolean;
}

export interface OperatorCounts {
  offline: number;
  ready: number;
  busy: number;
  break: number;
  acw: number;
}

/**
 * One queue × channel as a key, where the live view and the recommender must agree on it (contacts in
 * handling by stream, skills as practised). '\u0001' cannot occur in a name (see ingest/validate.ts).
 */
export const streamKey = (queue: string, channel: string): string => `${queue}\u0001${channel}`;

/** The live state of one queue × channel. */
export interface LiveTile {
  queue: string;
  channel: string;
  qa: number;
  waiting: number;
  inHandling: number;
  /** now − queued-at of the longest-waiting open appeal; 0 when nobody waits. */
  longestWaitSec: number;
  /** What good means here: the SL target (%), its threshold (s), and the wait that counts as long (s). */
  targets: { slPct: number; slSec: number; longWaitSec: number };
  /** When the newest event here arrived (applied), server clock, epoch ms (null: none yet): how the dashboard tells a feed that stopped. */
  lastEventAt: number | null;
  /** Operators working here now: those based here and those based elsewhere handling an appeal here (what staffing counts). */
  operators: OperatorCounts;
  /** Those based here only: each operator in one tile, so the tiles add up to the center's count. */
  operatorsHome: OperatorCounts;
  last15m: MetricValues;
  last60m: MetricValues;
}

/** The whole center (every queue and channel of the tenant) over the live windows. */
export interface CenterWindows {
  last15m: MetricValues;
  last60m: MetricValues;
}

/** What every live frame carries. */
interface LiveFrame {
  /** Server time, epoch ms. */
  at: number;
  /** Log position the state reflects. */
  position: number;
  tiles: LiveTile[];
  center: CenterWindows;
  operators: OperatorCounts;
  /** Repairs the appeal state machine made for lost or disordered events, by kind, since start of the data. */
  repairs: Record<string, number>;
}

/** The whole live state (GET /v1/live, and the SSE `snapshot`). */
export interface LiveSnapshot extends LiveFrame {
  tenant: string;
  /** The center's time zone (IANA): the dashboard shows times in it. */
  timeZone?: string;
  /** Event-time progress of this tenant, epoch ms (null before any appeal event). */
  watermark: number | null;
}

/** SSE `update`: like a snapshot, but `tiles` holds only the tiles that changed since the previous frame. */
export type LiveUpdate = LiveFrame;

export interface IngestRejection {
  index: number;
  errors: Array<{ path: string; message: string }>;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: IngestRejection[];
}
