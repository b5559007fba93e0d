import { readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThisThreadPriority, slowPathNiceness } from './thread-priority.js';

describe('lowerThisThreadPriority', () => {
  it.runIf(process.platform === 'linux')('lowers the calling thread only, not the process or its other threads', async () => {
    const mainTid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const mainBefore = getPriority(mainTid);
    const entry = new URL('./thread-priority.ts', import.meta.url).href;
    const code = `import('tsx/esm/api').then(async (tsx) => { tsx.register();
      const { lowerThisThreadPriority } = await import(${JSON.stringify(entry)});
      const { readlinkSync } = await import('node:fs'); const { getPriority } = await import('node:os');
      const ok = lowerThisThreadPriority(19);
      const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      (await import('node:worker_threads')).parentPort.postMessage({ ok, tid, nice: getPriority(tid) }); })`;
    const worker = new Worker(code, { eval: true });
    const reply = await new Promise<{ ok: boolean; tid: number; nice: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toMatchObject({ ok: true, nice: 19 });
    expect(reply.tid).not.toBe(mainTid);
    expect(getPriority(mainTid)).toBe(mainBefore);
  });

  it('takes its niceness from CCPULSE_SLOW_PATH_NICENESS, 10 when unset or not a whole number from 0 to 19', () => {
    expect(slowPathNiceness({})).toBe(10);
    expect(slowPathNiceness({ CCPULSE_SLOW_PATH_NICENESS: '0' })).toBe(0);
    expect(slowPathNiceness({ CCPULSE_SLOW_PATH_NICENESS: '19' })).toBe(19);
    for (const bad of ['20', '-1', '2.5', 'x']) expect(slowPathNiceness({ CCPULSE_SLOW_PATH_NICENESS: bad })).toBe(10);
    expect(lowerThisThreadPriority(0)).toBe(false); // 0 leaves the thread as it is
  });
});
