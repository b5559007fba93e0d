import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openPgliteStorage } from '../storage/pglite/index.js';
import { archiveSuite } from './testing/archive-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-archive-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// one database in process (quicker to open for each case); the store on its threads, as the server opens
// it, is archived through the CLI in src/cli/archive.integration.test.ts
archiveSuite('the embedded store', () => openPgliteStorage({ dataDir: join(dir, `s${n++}`) }));
