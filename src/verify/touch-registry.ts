/**
 * Appeals told in one chunk that contribute to a later one. An appeal reaches a later chunk either by an
 * event there (found by that chunk's scan) or by its inactivity expiry, which no scan can find: the
 * expiry is where the appeal's story says it is. So every appeal told registers itself with each later
 * chunk it contributes to, and that chunk tells it again, at its own log position.
 */
export class TouchRegistry {
  private readonly byChunk = new Map<number, Set<string>>();

  add(chunk: number, appealId: string): void {
    let s = this.byChunk.get(chunk);
    if (!s) this.byChunk.set(chunk, (s = new Set()));
    s.add(appealId);
  }

  /** The appeals registered with this chunk, forgotten here (each chunk is told once). */
  take(chunk: number): Set<string> {
    const s = this.byChunk.get(chunk) ?? new Set<string>();
    this.byChunk.delete(chunk);
    return s;
  }

  get size(): number {
    let n = 0;
    for (const s of this.byChunk.values()) n += s.size;
    return n;
  }
}
