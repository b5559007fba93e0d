import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../testing/server-process.js';
import { runCli, STACK_LINE, type CliRun } from '../testing/cli.js';

/**
 * Expected failures of the `ccpulse` command: each is a message of one or two lines on stderr (the
 * second a hint), a non-zero exit code, and no stack trace.
 */

const root = mkdtempSync(join(tmpdir(), 'ccpulse-cli-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** Each case runs the command a few times; start-up via tsx takes seconds on a loaded machine. */
const TIMEOUT = 120_000;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function expectFailure(r: CliRun, code: number, first: string | RegExp, hint?: string | RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  if (typeof first === 'string') expect(lines[0]).toBe(first);
  else expect(lines[0]).toMatch(first);
  if (hint !== undefined) {
    if (typeof hint === 'string') expect(lines[1]).toContain(hint);
    else expect(lines[1]).toMatch(hint);
  }
}

/** Listens on a port and never answers: a server that hangs, or packets dropped on the way. */
async function silentServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<import('node:net').Socket>();
  const srv: TcpServer = createTcpServer((s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () => {
      sockets.forEach((s) => s.destroy());
      srv.close();
    },
  };
}

describe.concurrent('ccpulse verify and dlq: the server', () => {
  let api: HttpServer;
  let url: string;
  beforeAll(async () => {
    // answers as a ccpulse would, for the cases where it says no
    api = createHttpServer((req, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/v1/dlq/5') return json(404, { error: { code: 'CCP_NOT_FOUND', message: 'no dead letter 5' } });
      if (req.url?.startsWith('/v1/dlq?')) return json(401, { error: { code: 'CCP_UNAUTHORIZED', message: 'a valid API key is required (Authorization: Bearer KEY, or X-Api-Key)' } });
      if (req.url?.startsWith('/v1/verify?from=')) return json(400, { error: { code: 'CCP_BAD_REQUEST', message: '/from: the range may span at most 31 days' } });
      if (req.method === 'POST' && req.url === '/v1/events') return json(401, { error: { code: 'CCP_UNAUTHORIZED', message: 'a valid API key is required' } });
      if (req.url?.startsWith('/v1/verify')) return json(503, { error: { code: 'CCP_STORAGE_UNAVAILABLE', message: 'storage is unavailable' } });
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not ccpulse</html>');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });
  afterAll(() => api.close());

  it('that cannot be reached is named, with --url and CCPULSE_URL', async () => {
    const port = await freePort(); // nothing listens there
    const hint = /--url URL or the environment variable CCPULSE_URL/;
    expectFailure(await runCli(['verify', '--url', `http://127.0.0.1:${port}`]), 2, `ccpulse verify: cannot reach the ccpulse server at http://127.0.0.1:${port} (given with --url): connection refused`, hint);
    expectFailure(
      await runCli(['dlq', 'list'], { env: { ...process.env, CCPULSE_URL: `http://127.0.0.1:${port}/` } }),
      1,
      `ccpulse dlq: cannot reach the ccpulse server at http://127.0.0.1:${port} (from CCPULSE_URL): connection refused`,
      hint,
    );
    expectFailure(await runCli(['dlq', 'list', '--url', `127.0.0.1:${port}`]), 2, `ccpulse dlq: --url "127.0.0.1:${port}" is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)`);
  });

  it('answering with an error: its message and code', async () => {
    expectFailure(await runCli(['dlq', 'show', '5', '--url', url]), 1, 'ccpulse dlq: no dead letter 5 (CCP_NOT_FOUND)');
    expectFailure(await runCli(['dlq', 'list', '--url', url]), 1, 'ccpulse dlq: a valid API key is required (Authorization: Bearer KEY, or X-Api-Key) (CCP_UNAUTHORIZED)', 'Give the key with --api-key KEY (or CCPULSE_API_KEY).');
    // verify: 1 means "the numbers differ", so a check that could not be made is 2
    expectFailure(await runCli(['verify', '--url', `${url}/`]), 2, 'ccpulse verify: storage is unavailable (CCP_STORAGE_UNAVAILABLE)');
    // the server names its parameter /from; here it is the flag
    expectFailure(await runCli(['verify', '--url', url, '--from', '2026-01-01T00:00:00Z']), 2, 'ccpulse verify: --from: the range may span at most 31 days (CCP_BAD_REQUEST)');
  });

  it('refusing simulate’s events: the message and code, and --api-key for a 401', async () => {
    const r = await runCli(['simulate', '--scenario', 'reference', '--speed', 'max', '--target', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ccpulse simulate: POST ${url}/v1/events: HTTP 401 a valid API key is required (CCP_UNAUTHORIZED) (give the key with --api-key KEY)`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('that is not a ccpulse', async () => {
    expectFailure(await runCli(['dlq', 'replay', '--all', '--url', url]), 1, `ccpulse dlq: ${url}/v1/dlq/replay answered HTTP 200 with something that is not JSON: is ${url} a ccpulse server?`);
  });
}, TIMEOUT);

describe.concurrent('ccpulse verify and dlq: the arguments', () => {
  it('a time that is not one names the flag and the format', async () => {
    expectFailure(await runCli(['verify', '--from', 'yesterday']), 2, 'ccpulse verify: --from "yesterday" is not a time: give ISO 8601 (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds', '--help');
    expectFailure(await runCli(['verify', '--from', '2026-11-21T11:00:00Z', '--to', '2026-11-21T10:00:00Z']), 2, 'ccpulse verify: --from must be before --to');
  });

  it('dead-letter ids, or --all', async () => {
    expectFailure(await runCli(['dlq', 'show', 'nope']), 2, 'ccpulse dlq: "nope" is not a dead-letter id: ids are numbers, as "ccpulse dlq list" shows them (#12 is 12)');
    expectFailure(await runCli(['dlq', 'replay']), 2, 'ccpulse dlq: replay what? Give dead-letter ids (ccpulse dlq replay 12 13) or --all');
    expectFailure(await runCli(['dlq', 'replay', '3', '--all']), 2, 'ccpulse dlq: give dead-letter ids or --all, not both');
    expectFailure(await runCli(['dlq', 'list', '--limit', 'lots']), 2, 'ccpulse dlq: --limit must be a whole number from 1 to 10000, got "lots"');
    expectFailure(await runCli(['dlq', 'purge']), 2, 'ccpulse dlq: unknown action "purge": use list, show ID or replay (IDs or --all)');
  });
}, TIMEOUT);

describe.concurrent('ccpulse itself', () => {
  it('--version and -v print the version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`ccpulse ${VERSION}\n`);
    }
  });

  it('help COMMAND shows that command’s help; help with an unknown command names it', async () => {
    const r = await runCli(['help', 'simulate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ccpulse simulate /);
    expectFailure(await runCli(['help', 'nope']), 2, 'ccpulse: unknown command "nope"', 'The commands are start, simulate, keys, dlq, verify');
  });

  it('an unknown command, option or argument is named (exit code 2), with a pointer to --help', async () => {
    expectFailure(await runCli(['start', '--prot', '8080']), 2, 'ccpulse start: unknown option --prot (did you mean --port?)', 'Run "ccpulse start --help" for the options.');
    expectFailure(await runCli(['statr']), 2, 'ccpulse: unknown command "statr" (did you mean start?)', 'ccpulse --help');
    expectFailure(await runCli(['--prot']), 2, 'ccpulse: unknown option --prot', 'ccpulse --help');
    expectFailure(await runCli(['verify', 'yesterday']), 2, 'ccpulse verify: unexpected argument "yesterday"');
    expectFailure(await runCli(['start', '--port']), 2, 'ccpulse start: --port needs a value');
    expectFailure(await runCli(['start', '--demo=yes']), 2, 'ccpulse start: --demo takes no value');
  });
}, TIMEOUT);

describe.concurrent('ccpulse start', () => {
  it('a port in use fails before the storage is opened, naming the port and --port', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const data = join(root, 'port-in-use');
    try {
      const r = await runCli(['start', '--port', String(port), '--data', data]);
      expectFailure(r, 1, `ccpulse start: port ${port} on 127.0.0.1 is already in use (by another program, or another ccpulse)`, /choose another port with --port N/);
      expect(existsSync(join(data, 'pglite'))).toBe(false); // checked before the (slow) database opening
    } finally {
      blocker.close();
    }
  });

  it.runIf(existsSync('/proc/self'))('a data directory under /proc fails at once instead of hanging', async () => {
    const r = await runCli(['start', '--port', '0', '--data', '/proc/ccpulse-test/data'], { timeoutMs: 20_000 });
    expectFailure(r, 1, 'ccpulse start: cannot create the data directory /proc/ccpulse-test/data: /proc does not take new directories', '--data DIR');
  });

  it('a data directory that cannot be created names the file in the way', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    expectFailure(await runCli(['start', '--port', '0', '--data', join(file, 'data')]), 1, `ccpulse start: cannot create the data directory ${file}/data: ${file} is a file, not a directory`);
  });

  it('a config file that is missing, not JSON, or wrong names the file (and the field)', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"port": 80,');
    const wrong = join(root, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ port: 'eighty' }));
    expectFailure(await runCli(['start', '--config', join(root, 'none.json')]), 2, `ccpulse start: cannot read the config file ${join(root, 'none.json')}: no such file`);
    expectFailure(await runCli(['start', '--config', bad]), 2, new RegExp(`^ccpulse start: the config file ${bad} is not valid JSON: `));
    expectFailure(await runCli(['start', '--config', wrong]), 2, `ccpulse start: invalid configuration: config file ${wrong}: /port: must be a whole number from 0 to 65535, got "eighty"`);
  });

  it('a flag or variable with a bad value is named', async () => {
    expectFailure(await runCli(['start', '--storage', 'mysql']), 2, 'ccpulse start: invalid configuration: --storage: must be pglite:DIR, postgres://… or clickhouse://… (or pglite, postgres), got "mysql"');
    expectFailure(await runCli(['start', '--port', 'http']), 2, 'ccpulse start: invalid configuration: --port: must be a whole number from 0 to 65535, got "http"');
    expectFailure(await runCli(['start'], { env: { ...process.env, CCPULSE_PORT: '99999' } }), 2, 'ccpulse start: invalid configuration: CCPULSE_PORT: must be a whole number from 0 to 65535, got 99999');
  });

  it('a PostgreSQL server that does not answer fails within seconds, naming the host and not the password', async () => {
    const silent = await silentServer();
    try {
      const r = await runCli(['start', '--port', '0', '--storage', 'postgres', '--postgres-url', `postgres://ccp:s3cret-pw@127.0.0.1:${silent.port}/ccp`], { timeoutMs: 45_000 });
      expectFailure(r, 1, `ccpulse start: cannot connect to PostgreSQL at 127.0.0.1:${silent.port}/ccp: no answer within 5 s`, '--postgres-url URL (or CCPULSE_POSTGRES_URL)');
      // the message says the 5 s connect timeout fired; the bound only rules out hanging on the silent server
      // (on two loaded cores, node's own start and the timeout's timer have taken over 15 s in CI)
      expect(r.ms).toBeLessThan(30_000);
      expect(r.stderr + r.stdout).not.toContain('s3cret-pw');
    } finally {
      silent.close();
    }
    const port = await freePort();
    const refused = await runCli(['start', '--port', '0', '--storage', 'postgres', '--postgres-url', `postgres://ccp:s3cret-pw@127.0.0.1:${port}/ccp`]);
    expectFailure(refused, 1, `ccpulse start: cannot connect to PostgreSQL at 127.0.0.1:${port}/ccp: connection refused (is PostgreSQL running there?)`);
    expect(refused.stderr).not.toContain('s3cret-pw');
  });
}, TIMEOUT);

describe.concurrent('ccpulse simulate', () => {
  it('a --target that cannot be reached fails at once, naming it', async () => {
    const port = await freePort();
    const r = await runCli(['simulate', '--scenario', 'reference', '--speed', 'max', '--target', `http://127.0.0.1:${port}`]);
    expectFailure(r, 1, `ccpulse simulate: cannot reach --target http://127.0.0.1:${port}: connection refused`, /--target URL/);
  });

  it('an unknown scenario lists the known ones', async () => {
    expectFailure(await runCli(['simulate', '--scenario', 'nope']), 2, /^ccpulse simulate: unknown scenario "nope"; known: demo, reference, .*campaign$/, '--help');
  });

  it('flags with bad values are named', async () => {
    expectFailure(await runCli(['simulate', '--speed', 'fast']), 2, 'ccpulse simulate: --speed must be a number above 0 (1 = real time) or max, got "fast"');
    expectFailure(await runCli(['simulate', '--seed', '1.5']), 2, 'ccpulse simulate: --seed must be a whole number, got "1.5"');
    expectFailure(await runCli(['simulate', '--duration', '10x']), 2, 'ccpulse simulate: --duration: bad duration "10x" (use e.g. 90s, 10m, 2h, 1h30m)');
  });

  it('an --out that cannot be written fails (exit code 1) before simulating', async () => {
    const out = join(root, 'no-such-dir', 'events.ndjson');
    expectFailure(await runCli(['simulate', '--scenario', 'reference', '--out', out]), 1, `ccpulse simulate: cannot write --out ${out}: no such directory`);
  });
}, TIMEOUT);
