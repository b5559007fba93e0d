/**
 * SQL text for ClickHouse with every value escaped by its type. The ClickHouse that Debian ships (18.16)
 * has no server-side query parameters, so values must travel inside the SQL; they go through `sql`
 * only, never by concatenation: a string becomes a quoted literal with its quote, backslash and control
 * characters escaped, a number must be finite, an array becomes an array literal of the same. Trusted
 * fragments (table names, expressions written here) are marked with `raw`, or are `sql` results.
 */

/** A piece of SQL text that is inserted as it is. */
export class Sql {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type SqlValue = string | number | boolean | null | Sql | readonly SqlValue[];

/** Marks text written in this code base (never input) as SQL. */
export const raw = (text: string) => new Sql(text);

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\\\'],
  ["'", "\\'"],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\0', '\\0'],
  ['\b', '\\b'],
  ['\f', '\\f'],
]);

/** A string as a ClickHouse string literal. */
export function quote(s: string): string {
  return `'${s.replace(/[\\'\n\r\t\0\b\f]/g, (c) => ESCAPES.get(c)!)}'`;
}

/** One value as SQL. */
export function literal(v: SqlValue): string {
  if (v instanceof Sql) return v.text;
  if (v === null) return 'NULL';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`not a finite number: ${v}`);
    // integers written out in full (1e21 would otherwise print as a float)
    return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  }
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  throw new TypeError(`not a value SQL can hold: ${typeof v}`);
}

/** SQL with its `${values}` escaped (see the module's comment). */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += literal(values[i]) + strings[i + 1];
  return new Sql(text);
}

/** Pieces of SQL joined by a separator. */
export const join = (parts: readonly Sql[], sep: string) => new Sql(parts.map((p) => p.text).join(sep));
