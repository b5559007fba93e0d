import { BUCKET_MS } from '../metrics/appeal-story.js';

/**
 * Verify walks its range in chunks of event time. Each chunk is compared on its own, at a log position
 * of its own: memory holds one chunk's cells (not a week's), and the stream side is read under the
 * engine's lock only for as long as one chunk takes to read.
 */
export interface Chunk {
  index: number;
  from: number;
  to: number;
}

/** [from, to) cut into chunks of chunkMs (the last one shorter); from, to and chunkMs on minute edges. */
export function chunksOf(from: number, to: number, chunkMs: number): Chunk[] {
  if (chunkMs <= 0 || chunkMs % BUCKET_MS !== 0) throw new Error(`chunkMs must be a positive multiple of ${BUCKET_MS}`);
  const out: Chunk[] = [];
  for (let a = from, i = 0; a < to; a += chunkMs, i++) out.push({ index: i, from: a, to: Math.min(a + chunkMs, to) });
  return out;
}

/** Index of the chunk holding `t`, or -1 outside [from, to). */
export function chunkIndexOf(t: number, from: number, to: number, chunkMs: number): number {
  return t < from || t >= to ? -1 : Math.floor((t - from) / chunkMs);
}
