import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { storageConformance } from '../conformance.js';
import { openPgliteStorage } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storageConformance('pglite (in process, on disk)', () => openPgliteStorage({ dataDir: join(dir, 'a') }), {
  reopen: () => openPgliteStorage({ dataDir: join(dir, 'a') }),
});
storageConformance('pglite (worker thread)', () => openPgliteStorage({ dataDir: join(dir, 'b'), thread: true }), {
  reopen: () => openPgliteStorage({ dataDir: join(dir, 'b'), thread: true }),
});
