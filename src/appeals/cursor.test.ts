import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('the appeals cursor', () => {
  it('comes back as it went', () => {
    const c = { window: 1_764_540_000_000, appealId: '__proto__', start: { ts: 1_764_540_012_345, type: 'APPEAL_NEW' as const, id: 'e-1' } };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('is refused when forged: not base64url, not the shape, or names no event could hold (a NUL, a lone surrogate)', () => {
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
    expect(decodeCursor('not a cursor!')).toBeNull();
    expect(decodeCursor(forge([1, 'a', 2, 'APPEAL_NEW']))).toBeNull();
    expect(decodeCursor(forge([1, 'a', 2, 'NOT_A_TYPE', 'e']))).toBeNull();
    expect(decodeCursor(forge([1, 'a\u0000b', 2, 'APPEAL_NEW', 'e']))).toBeNull();
    expect(decodeCursor(forge([1, 'a', 2, 'APPEAL_NEW', 'e\ud800']))).toBeNull();
    expect(decodeCursor(forge([1, 'a', 2, 'APPEAL_NEW', 'e']))).not.toBeNull();
  });
});
