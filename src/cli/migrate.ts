import type { Command } from './command.js';
import { CliError, UsageError } from './errors.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'copy a ccpulse store to another backend (embedded, PostgreSQL, ClickHouse), checked by counts and checksums',
  usage: `Usage: ccpulse migrate --from URL --to URL [--json]

Copies everything a store holds, the event log, the rollups at every resolution, the checkpoint and
the stream's state, dead letters, recommendations and campaigns, from one backend to another:
pglite:DIR (the embedded store in DIR), postgres://USER@HOST:PORT/DB or
clickhouse://USER:PASSWORD@HOST:8123/DB. Then every table is checked
on both sides by its count and a checksum of its rows. The target must be empty; no server may run on
either store meanwhile (each is locked as a server would lock it).

Interrupted, it carries on where it stopped when run again with the same --from and --to.

  ccpulse migrate --from pglite:./data --to postgres://ccpulse@db:5432/ccpulse
  ccpulse start --storage postgres://ccpulse@db:5432/ccpulse

Options:
  --from URL    the store to copy (not changed)
  --to URL      the store to copy into (empty, or an interrupted copy of the same --from)
  --json        print the tables copied as JSON
  -h, --help    show this help`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(v) {
    if (v.from === undefined || v.to === undefined) throw new UsageError('give both --from URL and --to URL (pglite:DIR, postgres://… or clickhouse://…)');
    if (v.from === v.to) throw new UsageError('--from and --to name the same store');
    const { openEndpoint } = await import('../storage/migrate/endpoints.js');
    const { migrateStore, MigrationError } = await import('../storage/migrate/migrate.js');
    const { migrateLogical } = await import('../storage/migrate/logical.js');
    const { StorageOpenError } = await import('../storage/open.js');
    const tty = process.stderr.isTTY;
    let from: Awaited<ReturnType<typeof openEndpoint>> | undefined;
    let to: Awaited<ReturnType<typeof openEndpoint>> | undefined;
    try {
      from = await openEndpoint(v.from as string, '--from', true);
      to = await openEndpoint(v.to as string, '--to', false);
      if (from.name === to.name) throw new UsageError('--from and --to name the same store');
      process.stderr.write(`copying ${from.name} into ${to.name}\n`);
      let shownPct = -1;
      let shownTable = '';
      const onProgress = ({ table, done, total }: { table: string; done: number; total: number }) => {
          const pct = total ? Math.floor((100 * done) / total) : 100;
          if (tty) {
            const width = 30;
            const bar = '█'.repeat(Math.round((width * pct) / 100)).padEnd(width, '░');
            process.stderr.write(`\r  ${table.padEnd(27)} ${bar} ${String(pct).padStart(3)} %  ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
            if (done >= total) process.stderr.write('\n');
          } else if (table !== shownTable || pct >= shownPct + 10 || (done >= total && shownPct < 100)) {
            // not a terminal: a line at each table's start, every 10 %, and its end
            process.stderr.write(`  ${table}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${pct} %)\n`);
            shownPct = pct;
          }
          shownTable = table;
      };
      // row for row between two stores of the PostgreSQL dialect; as logical rows when ClickHouse is one end
      const reports = from.sql && to.sql ? await migrateStore(from.sql, to.sql, { onProgress }) : await migrateLogical(from.logical, to.logical, { onProgress });
      if (v.json) process.stdout.write(`${JSON.stringify({ from: from.name, to: to.name, tables: reports }, null, 2)}\n`);
      else {
        const rows = reports.reduce((n, r) => n + r.rows, 0);
        process.stdout.write(`copied and checked: ${reports.length} tables, ${rows.toLocaleString('en')} rows, counts and checksums equal on both sides\n`);
        for (const r of reports) process.stdout.write(`  ${r.table.padEnd(27)} ${r.rows.toLocaleString('en').padStart(12)} rows${r.copied < r.rows ? ` (${r.copied.toLocaleString('en')} copied by this run)` : ''}\n`);
      }
      return 0;
    } catch (err) {
      // what the person running it can fix: a store in use, a directory or server that is not right, a target not empty
      if (err instanceof MigrationError || err instanceof StorageOpenError || ['DataDirError', 'DataDirInUseError'].includes((err as Error).name)) throw new CliError((err as Error).message);
      throw err;
    } finally {
      await Promise.all([from?.close(), to?.close()].map((p) => p?.catch(() => {})));
    }
  },
};
