import { describe, expect, it } from 'vitest';
import { timedStorage } from './timed-storage.js';

describe('timedStorage', () => {
  class Backend {
    #rows = [1, 2, 3];
    readonly backend = 'test';
    async count(): Promise<number> {
      return this.#rows.length;
    }
    async fail(): Promise<never> {
      throw new Error('down');
    }
    name(): string {
      return 'sync';
    }
  }

  it('times each asynchronous call by its method, ok or error, on the real object', async () => {
    const calls: Array<[string, boolean]> = [];
    const s = timedStorage(new Backend(), (op, sec, ok) => {
      expect(sec).toBeGreaterThanOrEqual(0);
      calls.push([op, ok]);
    });
    expect(await s.count()).toBe(3); // #private fields reached: `this` is the backend
    await expect(s.fail()).rejects.toThrow('down');
    expect(s.name()).toBe('sync');
    expect(s.backend).toBe('test');
    expect(calls).toEqual([
      ['count', true],
      ['fail', false],
    ]);
  });

  it('hands out a frozen own method as it is (a test double made with Object.create)', async () => {
    const real = new Backend();
    const double = Object.create(real, { count: { value: async () => 42 } }) as Backend;
    const s = timedStorage(double, () => undefined);
    expect(await s.count()).toBe(42);
  });

  it('times a method replaced on the object as the replacement', async () => {
    const calls: string[] = [];
    const s = timedStorage(new Backend(), (op) => calls.push(op));
    expect(await s.count()).toBe(3);
    (s as { count: () => Promise<number> }).count = async () => 7;
    expect(await s.count()).toBe(7);
    expect(calls).toEqual(['count', 'count']);
  });
});
