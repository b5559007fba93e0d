/**
 * The scale bench's data set: the simulator's NDJSON, generated once per parameter set and cached under
 * bench/.cache (same scenario, seed, start and duration → same events), then read back in event-time order.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ROOT } from '../server.js';

export interface DatasetSpec {
  scenario: string;
  seed: number;
  /** ISO 8601, sim time 0. */
  start: string;
  /** Simulator duration, e.g. "168h". */
  duration: string;
}

export interface Dataset extends DatasetSpec {
  file: string;
  bytes: number;
  startMs: number;
  endMs: number;
}

const ENTRY = path.join(ROOT, 'dist', 'cli', 'main.js');

export function durationMs(d: string): number {
  const m = /^(\d+)(h|m|d)$/.exec(d);
  if (!m) throw new Error(`duration "${d}": expected N followed by m, h or d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** Generates the NDJSON unless the cache has it; the file name is its parameters. */
export function ensureDataset(spec: DatasetSpec, log: (s: string) => void): Dataset {
  const dir = path.join(ROOT, 'bench', '.cache');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.scenario}-seed${spec.seed}-${spec.start.replace(/[:]/g, '')}-${spec.duration}.ndjson`);
  const startMs = Date.parse(spec.start);
  const hours = durationMs(spec.duration) / 3_600_000;
  if (!existsSync(file)) {
    log(`generating ${path.relative(ROOT, file)} (${spec.scenario}, seed ${spec.seed}, ${spec.start} + ${spec.duration})`);
    const tmp = `${file}.partial`;
    // The simulator's --duration takes h/m/s; hours cover every data set here.
    execFileSync(process.execPath, [ENTRY, 'simulate', '--scenario', spec.scenario, '--seed', String(spec.seed), '--start', spec.start, '--duration', `${hours}h`, '--out', tmp], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    renameSync(tmp, file);
  }
  return { ...spec, file, bytes: statSync(file).size, startMs, endMs: startMs + hours * 3_600_000 };
}

/** Event time of one NDJSON line without parsing it (the simulator writes "ts" as epoch ms). */
export function lineTs(line: string): number {
  const m = /"ts":(\d+)/.exec(line);
  return m ? Number(m[1]) : NaN;
}

/**
 * Reads the file's lines in order, a batch at a time, stopping at an event-time boundary, so a data
 * set can be loaded in slices (1 day, then 2, …) with measurements in between.
 */
export class LineReader {
  private fd: number;
  private buf = Buffer.alloc(4 << 20);
  private pending: string[] = [];
  private rest = '';
  /** Keeps a UTF-8 character split across two reads whole. */
  private decoder = new StringDecoder('utf8');
  private eof = false;
  /** Lines handed out so far. */
  count = 0;

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  /** Up to n lines whose ts < untilMs; empty when the slice (or the file) is done. */
  next(n: number, untilMs = Infinity): string[] {
    const out: string[] = [];
    while (out.length < n) {
      if (this.pending.length === 0 && !this.fill()) break;
      const line = this.pending[this.pending.length - 1];
      if (!(lineTs(line) < untilMs)) break;
      out.push(this.pending.pop()!);
    }
    this.count += out.length;
    return out;
  }

  private fill(): boolean {
    while (this.pending.length === 0) {
      if (this.eof) return false;
      const got = readSync(this.fd, this.buf, 0, this.buf.length, null);
      if (got === 0) {
        this.eof = true;
        if (this.rest) this.pending = [this.rest];
        this.rest = '';
        continue;
      }
      const lines = (this.rest + this.decoder.write(this.buf.subarray(0, got))).split('\n');
      this.rest = lines.pop()!;
      // Kept reversed so next() pops from the end.
      this.pending = lines.filter((l) => l.length > 0).reverse();
    }
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }
}
