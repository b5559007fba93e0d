import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from './command.js';
import { CliError, UsageError } from './errors.js';
import type { Storage } from '../storage/storage.js';
import type { DayOutcome } from '../archive/archive-run.js';

const date = (day: number) => new Date(day).toISOString().slice(0, 10);
const n = (x: number) => x.toLocaleString('en');

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'move raw events of days past the hot retention into checked, compressed files (and list them)',
  usage: `Usage: ccpulse archive [--older-than AGE] [--dir DIR | --clickhouse URL] [--storage URL] [--dry-run] [--json]
       ccpulse archive list [--storage URL] [--json]

Writes each day (UTC) of the event log that ended longer than AGE ago to DIR/events-YYYY-MM-DD.ndjson.gz
(gzip NDJSON, one event a line, in log order), reads the file back, and only when its count and SHA-256
match what the store holds removes the day from the store and records it. With --clickhouse (or
archive.clickhouse in the config) the days go into that ClickHouse database's table archived_events
instead, one typed column per field, checked the same way. Rollups stay: /v1/metrics
still answers for archived days, and /v1/verify says which days of a range are archived. A day whose
events the stream has not all applied yet is left for a later run. Interrupted (even by kill -9), a run
leaves every day either in the store or in a recorded file; run it again to finish.

A running server archives by itself once an hour (archive.* in the config); this command is for a store
no server is running on (it takes the store's lock, as the server does).

  ccpulse archive --older-than 7d --dry-run
  ccpulse archive --older-than 7d --dir /srv/ccpulse-archive --storage postgres://ccpulse@db/ccpulse
  ccpulse archive --storage postgres://ccpulse@db/ccpulse --clickhouse clickhouse://default@olap:8123/ccpulse_archive
  ccpulse archive list

Options:
  --older-than AGE  days that ended longer ago than this: a whole number and m, h, d or w, at least 1d
                    (default 7d; archive.olderThan in the config, CCPULSE_ARCHIVE_OLDER_THAN)
  --dir DIR         the archive directory (default <data dir>/archive for the embedded store; required
                    for PostgreSQL unless archive.dir or CCPULSE_ARCHIVE_DIR names one)
  --clickhouse URL  archive into this ClickHouse database instead of files (clickhouse://USER:PASSWORD@
                    HOST:8123/DB; archive.clickhouse in the config, CCPULSE_ARCHIVE_CLICKHOUSE)
  --storage URL     the store: pglite:DIR, postgres://… or clickhouse://… (default: the configuration's)
  --config FILE     JSON config file (default ./ccpulse.config.json if present)
  --dry-run         count and checksum the days that would go; write and remove nothing
  --json            print the outcome as JSON
  -h, --help        show this help`,
  options: {
    'older-than': { type: 'string' },
    dir: { type: 'string' },
    clickhouse: { type: 'string' },
    storage: { type: 'string' },
    config: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(v, positionals) {
    const [sub, ...extra] = positionals;
    if (sub !== undefined && sub !== 'list') throw new UsageError(`unknown subcommand "${sub}" (archive takes "list", or options only)`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (sub === 'list' && (v['older-than'] !== undefined || v['dry-run'] || v.dir !== undefined || v.clickhouse !== undefined)) throw new UsageError('archive list takes --storage, --config and --json only');
    const { loadConfig, archiveSettings } = await import('../config/config.js');
    const { parseArchiveAge } = await import('../archive/duration.js');
    let olderThanMs: number | undefined;
    if (typeof v['older-than'] === 'string') {
      const age = parseArchiveAge(v['older-than']);
      if (typeof age !== 'number') throw new UsageError(`--older-than ${age.error}`);
      olderThanMs = age;
    }
    const config = loadConfig({
      flags: {
        storage: v.storage as string | undefined,
        archive: { ...(typeof v.dir === 'string' ? { dir: v.dir } : {}), ...(typeof v.clickhouse === 'string' ? { clickhouse: v.clickhouse } : {}) },
      },
      configPath: v.config as string | undefined,
    });
    if (config.storage === 'pglite' && !existsSync(join(config.dataDir, 'pglite'))) {
      throw new CliError(`${resolve(config.dataDir)} holds no ccpulse data (no pglite/ in it)`, { hint: 'Give the store with --storage pglite:DIR or postgres://…' });
    }
    // by hand, the archive runs even where the server's job is switched off: only a directory is needed
    const settings = archiveSettings({ ...config, archive: { ...config.archive, enabled: true } });
    if (sub !== 'list' && 'off' in settings) {
      throw new UsageError('give --dir DIR or --clickhouse URL: no archive directory or ClickHouse database is set for a server store', { hint: 'Or set archive.dir or archive.clickhouse in the config file, or CCPULSE_ARCHIVE_DIR or CCPULSE_ARCHIVE_CLICKHOUSE.' });
    }
    const storage = await openStore(config);
    try {
      if (sub === 'list') return await list(storage, v.json === true);
      const { runArchive } = await import('../archive/archive-run.js');
      const { openArchiveTarget } = await import('../archive/target.js');
      const target = await openArchiveTarget((settings as { to: import('../archive/target.js').ArchiveDestination }).to);
      const dir = target.where;
      const dryRun = v['dry-run'] === true;
      const result = await runArchive({
        storage,
        target,
        olderThanMs: olderThanMs ?? (settings as { olderThanMs: number }).olderThanMs,
        now: Date.now(),
        dryRun,
        onDay: v.json ? undefined : (d) => process.stdout.write(`${line(d)}\n`),
      }).finally(() => target.close());
      const archived = result.days.filter((d) => d.status === 'archived' || d.status === 'would archive');
      const events = archived.reduce((s, d) => s + ('events' in d ? d.events : 0), 0);
      const open = result.days.filter((d) => d.status === 'open').length;
      const refused = result.days.filter((d) => d.status === 'refused' || d.status === 'failed').length;
      if (v.json) {
        const days = result.days.map((d) => ({ ...d, day: date(d.day) }));
        process.stdout.write(`${JSON.stringify({ dir, dryRun, cutoff: new Date(result.cutoff).toISOString(), position: result.position, days }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${dryRun ? 'would archive' : 'archived'} ${archived.length} day${archived.length === 1 ? '' : 's'} (${n(events)} events) ${dryRun ? 'to' : 'into'} ${dir}` +
            `, days that ended before ${new Date(result.cutoff).toISOString()}; ${open} open, ${refused} refused\n`,
        );
      }
      return refused ? 1 : 0;
    } finally {
      await storage.close();
    }
  },
};

/** One day's outcome as a line of the report. */
function line(d: DayOutcome): string {
  switch (d.status) {
    case 'archived':
    case 'would archive':
      return `  ${date(d.day)}  ${d.status.padEnd(13)} ${n(d.events).padStart(11)} events  sha256 ${d.sha256.slice(0, 12)}…  ${d.file}`;
    case 'open':
      return `  ${date(d.day)}  open          not all its events are applied by the stream yet: left for a later run`;
    default:
      return `  ${date(d.day)}  ${d.status.padEnd(13)} nothing removed: ${d.reason}`;
  }
}

async function list(storage: Storage, json: boolean): Promise<number> {
  const [days, held] = await Promise.all([storage.listArchivedDays(), storage.listHeldDays()]);
  if (json) {
    process.stdout.write(`${JSON.stringify({ archived: days.map((d) => ({ ...d, day: date(d.day), archivedAt: new Date(d.archivedAt).toISOString() })), held: held.map((h) => ({ ...h, day: date(h.day) })) }, null, 2)}\n`);
    return 0;
  }
  if (days.length === 0) process.stdout.write('no day is archived\n');
  for (const d of days) {
    process.stdout.write(`  ${date(d.day)}${d.part > 1 ? ` part ${d.part}` : ''}  ${n(d.events).padStart(11)} events  sha256 ${d.sha256.slice(0, 12)}…  ${d.file}  (archived ${new Date(d.archivedAt).toISOString()})\n`);
  }
  for (const h of held) process.stdout.write(`  ${date(h.day)}  ${n(h.events).padStart(11)} events held apart by an interrupted run: the next run archives it\n`);
  return 0;
}

/** The store, opened as a server opens it (its lock taken); what the person running it can fix, as a CliError. */
async function openStore(config: Parameters<typeof import('../storage/open.js').claimStorage>[0]): Promise<Storage> {
  const { claimStorage, StorageOpenError } = await import('../storage/open.js');
  try {
    return await (await claimStorage(config)).open();
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'DataDirInUseError' || /already writing/.test((err as Error).message)) {
      throw new CliError((err as Error).message, { hint: 'A running server archives by itself every hour (archive.* in the config); stop it to archive by hand.' });
    }
    if (err instanceof StorageOpenError || name === 'DataDirError') throw new CliError((err as Error).message);
    throw err;
  }
}
