import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { openPgliteStorage } from './pglite/index.js';
import { openPostgresStorage } from './postgres/client.js';
import type { Storage } from './storage.js';

/** Opens the backend the configuration names. */
export function openStorage(cfg: Pick<Config, 'storage' | 'dataDir' | 'postgresUrl'>): Promise<Storage> {
  switch (cfg.storage) {
    case 'pglite':
      return openPgliteStorage({ dataDir: join(cfg.dataDir, 'pglite'), thread: true });
    case 'postgres':
      return openPostgresStorage(cfg.postgresUrl);
  }
}
