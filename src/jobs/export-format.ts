/**
 * How history rows are written to a file: the columns (the group keys, the interval, every metric), a
 * CSV line (RFC 4180, UTF-8), and the XLSX sheet (exceljs, streamed to disk row by row).
 */
import type { MetricsRow } from '../contract/api.js';
import type { GroupKey } from '../metrics/history.js';

export type ExportFormat = 'csv' | 'xlsx';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx'];

/** Every metric a row has, in the order a report shows them. */
export const METRIC_COLUMNS = ['offered', 'aa', 'ha', 'missed', 'qa', 'slPct', 'abandonPct', 'awtSec', 'asaSec', 'ahtSec', 'waitP50Sec', 'waitP90Sec', 'waitP95Sec', 'longestWaitSec'] as const satisfies ReadonlyArray<keyof MetricsRow>;

export function exportColumns(groupBy: readonly GroupKey[], withInterval: boolean): string[] {
  return [...(withInterval ? ['bucket'] : []), ...groupBy, ...METRIC_COLUMNS, 'final'];
}

/** A row's values in `columns` order: numbers as numbers, absent metrics as empty. */
export function rowValues(row: MetricsRow, columns: readonly string[]): Array<string | number | boolean | null> {
  const r = row as unknown as Record<string, unknown>;
  return columns.map((c) => {
    const v = Object.hasOwn(r, c) ? r[c] : null;
    return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : null;
  });
}

/**
 * One CSV field. A text a spreadsheet would take for a formula (a queue named `=HYPERLINK(…)`) is
 * prefixed with an apostrophe (OWASP's advice against CSV injection); numbers stay numbers.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvLine = (values: ReadonlyArray<string | number | boolean | null>) => `${values.map(csvField).join(',')}\r\n`;

/** Excel's sheet holds 1,048,576 rows, the header one of them. */
export const XLSX_MAX_ROWS = 1_048_575;
