/**
 * An export: the rows of a history question written to a file, a slice of the range at a time so that
 * memory holds one slice (slices grow while they come back small and shrink when large). Runs on an
 * export thread (export-thread.ts); the same code runs in-process where the store has no thread to read
 * it from (tests on an in-memory store).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { historyAnswerRows, type HistoryReads } from '../history/answer.js';
import { nextDayStartIn } from '../metrics/time-zone.js';
import { compareRows, emptyRow, TooManyRowsError, type GroupKey, type HistoryShape } from '../metrics/history.js';
import type { MetricsRow } from '../contract/api.js';
import type { HistoryQuery } from '../storage/storage.js';
import { csvLine, exportColumns, rowValues, XLSX_MAX_ROWS, type ExportFormat } from './export-format.js';

export interface ExportSpec {
  query: Omit<HistoryQuery, 'limit' | 'from' | 'to'>;
  shape: HistoryShape;
  format: ExportFormat;
  /** Where the file goes. */
  path: string;
  /** With a 1-day interval: days on this zone's clock (IANA), not UTC days. */
  dayZone?: string;
  /** false: as fast as it can (tests); by default it rests between slices (PACE). */
  pace?: boolean;
}

export interface ExportProgress {
  /** Share of the range written, 0–1. */
  fraction: number;
  rows: number;
}

export class ExportTooLargeError extends Error {}
/**
 * The most rows a CSV export writes (about 1.5 GB): every group gets a row in every interval, so a year
 * by the minute of thousands of operators would be billions of rows, filling the disk over days while
 * every other tenant's jobs wait behind it.
 */
export const CSV_MAX_ROWS = 20_000_000;
const maxRows = (format: ExportFormat) => (format === 'xlsx' ? XLSX_MAX_ROWS : CSV_MAX_ROWS);
const tooLarge = (format: ExportFormat) =>
  new ExportTooLargeError(
    format === 'xlsx'
      ? `more than ${XLSX_MAX_ROWS.toLocaleString('en')} rows, a spreadsheet's limit: export CSV, or widen the interval or narrow the range`
      : `more than ${CSV_MAX_ROWS.toLocaleString('en')} rows: widen the interval, narrow the range, or group by less`,
  );
const DAY_MS = 86_400_000;
const keyOf = (keys: readonly GroupKey[], r: Partial<Record<GroupKey, string>>) => keys.map((k) => r[k] ?? '').join('\u0001');

/** Rest after a slice, as a share of the time it took: 1 keeps the export to about half of a core. */
const PACE = 1;
/** Rows a slice aims at: big enough to keep the queries few, small enough to hold in memory. */
const SLICE_ROWS = 20_000;
/** A slice never answers more than this (the history limit): past it the slice is halved and asked again. */
const SLICE_MAX_ROWS = 200_000;
/** The longest slice: a month of a coarse interval. */
const MAX_SPAN_MS = 31 * 86_400_000;

export async function runExport(reads: HistoryReads, spec: ExportSpec, onProgress: (p: ExportProgress) => void, cancelled: () => boolean = () => false): Promise<{ rows: number }> {
  const { shape } = spec;
  const columns = exportColumns(shape.groupBy, shape.intervalMs !== undefined);
  const sink = spec.format === 'csv' ? await csvSink(spec.path, columns) : xlsxSink(spec.path, columns);
  let rows = 0;
  let sliceStarted = performance.now();
  const write = async (part: MetricsRow[], at: number) => {
    if (rows + part.length > maxRows(spec.format)) throw tooLarge(spec.format);
    for (const r of part) await sink.write(rowValues(r, columns));
    rows += part.length;
    onProgress({ fraction: (at - shape.from) / (shape.to - shape.from), rows });
    // Yield as long as the slice took: the store's own thread runs the export's queries at its normal
    // priority, beside the live path's checkpoints, on few cores (npm run bench:export measures it).
    if (spec.pace !== false) await new Promise((r) => setTimeout(r, (performance.now() - sliceStarted) * PACE));
    sliceStarted = performance.now();
  };
  try {
    const step = shape.intervalMs;
    // every group of the range gets a row in every interval, as GET /v1/metrics answers: a slice alone
    // knows only the groups that had something in it
    const groups = step ? await groupsOf(reads, spec) : null;
    // known before a row is written: the groups times the intervals
    if (groups && step && groups.length * Math.ceil((shape.to - shape.from) / step) > maxRows(spec.format)) throw tooLarge(spec.format);
    if (step === DAY_MS && spec.dayZone) {
      // days on the center's clock: a day at a time, one row per group (a DST day has 23 or 25 hours)
      for (let at = shape.from; at < shape.to; ) {
        if (cancelled()) throw new Error('cancelled');
        const end = Math.min(shape.to, nextDayStartIn(at, spec.dayZone));
        const part = await historyAnswerRows(reads, { query: { ...spec.query, intervalMs: undefined, from: at, to: end }, pending: [], pendingQa: [], shape: { ...shape, intervalMs: undefined, from: at, to: end, maxRows: SLICE_MAX_ROWS } });
        const final = shape.finalBefore !== undefined && end <= shape.finalBefore;
        const bucket = new Date(at).toISOString();
        const have = new Set(part.map((r) => keyOf(shape.groupBy, r)));
        const day: MetricsRow[] = part.map((r) => ({ ...r, bucket, final }));
        for (const g of groups ?? []) if (!have.has(keyOf(shape.groupBy, g))) day.push(emptyRow(g, at, final));
        await write(day.sort(compareRows), end);
        at = end;
      }
    } else {
      // slices on interval edges (intervals are counted from the range's start), starting with an hour's worth, never more
      // rows than SLICE_MAX_ROWS once every group has its row in every interval
      const maxSpan = step ? Math.max(step, Math.min(Math.floor(MAX_SPAN_MS / step), Math.floor(SLICE_MAX_ROWS / Math.max(1, groups?.length ?? 1))) * step) : 0;
      let span = step ? Math.min(maxSpan, Math.max(1, Math.round(3_600_000 / step)) * step) : shape.to - shape.from;
      for (let at = shape.from; at < shape.to; ) {
        if (cancelled()) throw new Error('cancelled');
        const end = step ? Math.min(shape.to, nextEdge(shape.from, at, step, span)) : shape.to;
        const slice: HistoryShape = { ...shape, from: at, to: end, maxRows: SLICE_MAX_ROWS };
        let part: MetricsRow[];
        try {
          part = await historyAnswerRows(reads, { query: { ...spec.query, from: at, to: end }, pending: [], pendingQa: [], shape: slice });
        } catch (err) {
          if (step && end - at > step && err instanceof TooManyRowsError) {
            span = Math.max(step, Math.floor(span / 2 / step) * step);
            continue;
          }
          throw err;
        }
        const found = part.length;
        if (groups) part = withEmptyRows(part, groups, shape, at, end);
        await write(part, end);
        at = end;
        if (step) {
          if (found < SLICE_ROWS / 2) span = Math.min(span * 2, maxSpan);
          else if (found > SLICE_ROWS * 2) span = Math.max(step, Math.floor(span / 2 / step) * step);
        }
      }
    }
    await sink.close();
    return { rows };
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/** The groups of the whole range (one row each without an interval); null when there are too many to list. */
async function groupsOf(reads: HistoryReads, spec: ExportSpec): Promise<Array<Partial<Record<GroupKey, string>>> | null> {
  const shape: HistoryShape = { ...spec.shape, intervalMs: undefined, maxRows: SLICE_MAX_ROWS };
  try {
    const rows = await historyAnswerRows(reads, { query: { ...spec.query, intervalMs: undefined, from: shape.from, to: shape.to }, pending: [], pendingQa: [], shape });
    return rows.map((r) => Object.fromEntries(shape.groupBy.map((k) => [k, r[k] ?? ''])));
  } catch (err) {
    if (err instanceof TooManyRowsError) return null;
    throw err;
  }
}

/** The slice's rows with an empty one for each group and interval it lacks, in the answer's order. */
function withEmptyRows(part: MetricsRow[], groups: ReadonlyArray<Partial<Record<GroupKey, string>>>, shape: HistoryShape, from: number, to: number): MetricsRow[] {
  const step = shape.intervalMs!;
  const have = new Set(part.map((r) => `${r.bucket}\u0002${keyOf(shape.groupBy, r)}`));
  const out = [...part];
  for (let s = shape.from + Math.floor((from - shape.from) / step) * step; s < to; s += step) {
    const bucket = new Date(s).toISOString();
    const final = shape.finalBefore !== undefined && s + step <= shape.finalBefore;
    for (const g of groups) if (!have.has(`${bucket}\u0002${keyOf(shape.groupBy, g)}`)) out.push(emptyRow(g, s, final));
  }
  return out.length === part.length ? part : out.sort(compareRows);
}

/** The end of a slice from `at`: `span` later, on an interval edge (intervals counted from `origin`). */
function nextEdge(origin: number, at: number, step: number, span: number): number {
  const slotStart = origin + Math.floor((at - origin) / step) * step;
  return slotStart + Math.max(step, span);
}

interface Sink {
  write(values: ReadonlyArray<string | number | boolean | null>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

async function csvSink(path: string, columns: readonly string[]): Promise<Sink> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  await once(out, 'open');
  let failure: Error | null = null;
  out.on('error', (err) => (failure ??= err));
  const write = async (text: string) => {
    if (failure || out.destroyed) throw failure ?? new Error('the export file was closed');
    if (!out.write(text)) await once(out, 'drain');
  };
  // a byte-order mark: Excel opens UTF-8 CSV (Cyrillic queue names) as UTF-8 only with it
  await write(`\ufeff${csvLine(columns)}`);
  return {
    write: (values) => write(csvLine(values)),
    close: async () => {
      out.end();
      await once(out, 'finish');
    },
    abort: async () => {
      out.destroy();
    },
  };
}

function xlsxSink(path: string, columns: readonly string[]): Sink {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet('ccpulse', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c, key: c, width: Math.max(10, c.length + 2) }));
  sheet.getRow(1).font = { bold: true };
  return {
    write: async (values) => {
      sheet.addRow(values as unknown[]).commit();
    },
    close: async () => {
      sheet.commit();
      await book.commit();
    },
    abort: async () => {
      await book.commit().catch(() => undefined);
    },
  };
}
