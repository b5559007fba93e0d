import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveSettings, ConfigError, inactivityTimeoutOf, loadConfig, slPolicyOf } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rawFile = (text: string) => {
  const p = join(dir, `r${Math.random()}.json`);
  writeFileSync(p, text);
  return p;
};
const file = (o: unknown) => {
  const p = join(dir, `c${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(o));
  return p;
};

describe('configuration', () => {
  it('takes a flag over the environment, the environment over the file, the file over the default', () => {
    const configPath = file({ port: 9001, host: '0.0.0.0', dataDir: '/from-file' });
    const env = { CCPULSE_PORT: '9002', CCPULSE_DATA: '/from-env' };
    const cfg = loadConfig({ configPath, env, flags: { port: 9003 } });
    expect(cfg).toMatchObject({ port: 9003, dataDir: '/from-env', host: '0.0.0.0', logLevel: 'info' });
    expect(loadConfig({ env: {} }).port).toBe(8080);
  });

  it('names every mistake by its path', () => {
    const configPath = file({ port: 'eighty', sl: { queues: { vip: { targetSec: 17.5, shortAbandonSec: 5, abandonsCount: true } } }, colour: 'red' });
    expect(() => loadConfig({ configPath, env: {} })).toThrow(ConfigError);
    try {
      loadConfig({ configPath, env: {} });
    } catch (err) {
      expect((err as Error).message).toMatch(/\/port/);
      expect((err as Error).message).toMatch(/\/colour/);
      expect((err as Error).message).toMatch(/\/sl\/queues\/vip\/targetSec: 17.5 s is not a wait-histogram edge/);
    }
  });

  it('names the config file with each mistake in it, and the flag or variable for theirs', () => {
    const configPath = file({ port: 'eighty', storage: 'mysql', ingest: 5, sl: { default: { targetSec: 20 } } });
    let message = '';
    try {
      loadConfig({ configPath, env: { CCPULSE_LOG_LEVEL: 'loud' }, flags: { host: '127.0.0.1', checkpointIntervalMs: 'often' } });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message.split('\n').slice(1).sort()).toEqual(
      [
        `  config file ${configPath}: /port: must be a whole number from 0 to 65535, got "eighty"`,
        `  config file ${configPath}: /storage: must be pglite:DIR, postgres://… or clickhouse://… (or pglite, postgres), got "mysql"`,
        `  config file ${configPath}: /ingest: expected object, got 5`,
        `  config file ${configPath}: /sl/default/shortAbandonSec: required`,
        `  config file ${configPath}: /sl/default/abandonsCount: required`,
        '  CCPULSE_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        '  checkpointIntervalMs: must be a whole number of at least 50, got "often"', // no flag of its own: named by its key
      ].sort(),
    );
  });

  it('takes the backend as one URL from the flag, the variable or the file: pglite:DIR, postgres://… or clickhouse://…', () => {
    expect(loadConfig({ env: {}, flags: { storage: 'pglite:/srv/cc' } })).toMatchObject({ storage: 'pglite', dataDir: '/srv/cc' });
    expect(loadConfig({ env: { CCPULSE_STORAGE: 'postgres://cc@db:5432/cc' } })).toMatchObject({ storage: 'postgres', postgresUrl: 'postgres://cc@db:5432/cc' });
    expect(loadConfig({ env: {}, configPath: file({ storage: 'postgresql://cc@db/cc' }) })).toMatchObject({ storage: 'postgres', postgresUrl: 'postgresql://cc@db/cc' });
    // the flag over the variable over the file, as for every setting
    expect(loadConfig({ env: { CCPULSE_STORAGE: 'postgres://x@db/x' }, flags: { storage: 'pglite:./here' } })).toMatchObject({ storage: 'pglite', dataDir: './here' });
    // the plain names as before
    expect(loadConfig({ env: {}, flags: { storage: 'postgres', postgresUrl: 'postgres://a@b/c' } })).toMatchObject({ storage: 'postgres', postgresUrl: 'postgres://a@b/c' });
    expect(loadConfig({ env: {}, flags: {} })).toMatchObject({ storage: 'pglite', dataDir: './data' });
    // given twice, differently: refused, naming where
    expect(() => loadConfig({ env: {}, flags: { storage: 'pglite:./a', dataDir: './b' } })).toThrow('--storage: names the data directory "./a" and the data directory is also set to "./b": give it once');
    expect(() => loadConfig({ env: { CCPULSE_POSTGRES_URL: 'postgres://a@b/c' }, flags: { storage: 'postgres://d@e/f' } })).toThrow(/--storage: names a PostgreSQL URL and the PostgreSQL URL is also set/);
    expect(() => loadConfig({ env: {}, flags: { storage: 'pglite:' } })).toThrow('--storage: pglite: needs a data directory after it (pglite:./data)');
    expect(loadConfig({ env: {}, flags: { storage: 'clickhouse://cc:pw@ch:8123/cc' } })).toMatchObject({ storage: 'clickhouse', clickhouseUrl: 'clickhouse://cc:pw@ch:8123/cc' });
    expect(() => loadConfig({ env: {}, flags: { storage: 'clickhouse://ch:8123/no-dashes' } })).toThrow('--storage: the ClickHouse database name must be letters, digits and _');
    expect(() => loadConfig({ env: {}, flags: { storage: 'clickhouse' } })).toThrow('--storage: clickhouse is named by its URL: clickhouse://USER:PASSWORD@HOST:8123/DATABASE');
    expect(() => loadConfig({ env: {}, flags: { storage: 'timescaledb://db/cc' } })).toThrow('--storage: TimescaleDB is named by its postgres:// URL: ccpulse uses it when that server has the extension');
    // a URL is named by its scheme, never echoed (it may hold a password)
    let message = '';
    try {
      loadConfig({ env: { CCPULSE_STORAGE: 'mysql://root:s3cret@db/cc' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('invalid configuration: CCPULSE_STORAGE: must be pglite:DIR, postgres://… or clickhouse://… (or pglite, postgres), got a mysql:// URL');
  });

  it('takes numbers from flags and variables as text, and names a flag whose text is not one', () => {
    expect(loadConfig({ env: { CCPULSE_PORT: '9100' }, flags: {} }).port).toBe(9100);
    expect(loadConfig({ env: {}, flags: { port: '9101' } }).port).toBe(9101);
    expect(() => loadConfig({ env: {}, flags: { port: '' } })).toThrow('invalid configuration: --port: must be a whole number from 0 to 65535, got ""');
    expect(() => loadConfig({ env: {}, flags: { port: '80x' } })).toThrow('--port: must be a whole number from 0 to 65535, got "80x"');
    expect(() => loadConfig({ env: {}, flags: { storage: 'mysql' } })).toThrow('--storage: must be pglite:DIR, postgres://… or clickhouse://… (or pglite, postgres), got "mysql"');
    expect(() => loadConfig({ env: {}, flags: { dataDir: '' } })).toThrow('invalid configuration: --data: must not be empty');
    expect(() => loadConfig({ env: { CCPULSE_PORT: 'x' } })).toThrow('CCPULSE_PORT: must be a whole number from 0 to 65535, got "x"');
  });

  it.each([
    ['missing', () => join(dir, 'nope.json'), /^cannot read the config file .*nope\.json: no such file$/],
    ['not JSON', () => rawFile('{"port": 80,'), /^the config file .*\.json is not valid JSON: /],
    ['null', () => rawFile('null'), /^the config file .*\.json must hold a JSON object \(\{"port": 8080, …\}\), not null$/],
    ['an array', () => rawFile('[1]'), /must hold a JSON object .*, not an array$/],
    ['a number', () => rawFile('42'), /must hold a JSON object .*, not number$/],
    ['a directory', () => dir, /^cannot read the config file .*: it is a directory$/],
  ])('names a config file that is %s', (_what, path, message) => {
    expect(() => loadConfig({ configPath: path(), env: {} })).toThrow(message);
  });

  it('names the file given by CCPULSE_CONFIG as such', () => {
    const configPath = file({ port: -1 });
    expect(() => loadConfig({ env: { CCPULSE_CONFIG: configPath } })).toThrow(`config file ${configPath} (CCPULSE_CONFIG): /port: must be a whole number from 0 to 65535, got -1`);
  });

  it('judges SL by the queue’s own policy, else the channel’s (email in hours), else the default', () => {
    const cfg = loadConfig({ env: {}, configPath: file({ sl: { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: { vip: { targetSec: 10, shortAbandonSec: 3, abandonsCount: true } } } }) });
    const of = slPolicyOf(cfg);
    expect(of('support', 'voice').targetSec).toBe(20);
    expect(of('support', 'email').targetSec).toBe(3600);
    expect(of('vip', 'email').targetSec).toBe(10);
  });

  it('checks every SL policy, also a queue and a channel of the same name, or a queue named "default"', () => {
    const good = { targetSec: 20, shortAbandonSec: 5, abandonsCount: true };
    const bad = { targetSec: 17.5, shortAbandonSec: 5, abandonsCount: true };
    const configPath = file({ sl: { default: good, queues: { voice: bad, default: bad }, channels: { voice: good } } });
    expect(() => loadConfig({ configPath, env: {} })).toThrow(/\/sl\/queues\/voice\/targetSec: 17.5 s[^]*\/sl\/queues\/default\/targetSec: 17.5 s/);
  });

  it('refuses a config file that is not a JSON object, with a ConfigError', () => {
    for (const content of [null, [], 'text', 7]) expect(() => loadConfig({ configPath: file(content), env: {} })).toThrow(ConfigError);
  });

  it('looks queue and channel names up as data: names of Object.prototype properties get the default, configured ones their own', () => {
    const vip = { targetSec: 10, shortAbandonSec: 3, abandonsCount: false };
    // As written in a file: JSON.parse makes "__proto__" and "constructor" own keys.
    const configPath = file({});
    writeFileSync(configPath, `{"sl": {"queues": {"__proto__": ${JSON.stringify(vip)}}}, "customChannels": ["constructor"], "inactivityTimeoutSec": {"default": 600, "constructor": 60}}`);
    const cfg = loadConfig({ configPath, env: {} });
    const sl = slPolicyOf(cfg);
    const timeout = inactivityTimeoutOf(cfg);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      expect(sl(name, 'voice'), name).toEqual(cfg.sl.default);
      expect(sl('support', name), name).toEqual(cfg.sl.default);
    }
    expect(sl('support', '__proto__')).toEqual(cfg.sl.default);
    expect(sl('__proto__', 'voice')).toEqual(vip);
    expect(sl('support', 'email').targetSec).toBe(3600);
    for (const name of ['__proto__', 'toString', 'hasOwnProperty', 'valueOf']) expect(timeout(name), name).toBe(600_000);
    expect(timeout('constructor')).toBe(60_000);
    expect(timeout('voice')).toBe(7_200_000);
  });

  it('takes the admission deadline from the file, keeps the other ingest limits, and refuses a nonsense one', () => {
    const cfg = loadConfig({ env: {}, configPath: file({ ingest: { maxQueueDelayMs: 1500 } }) });
    expect(cfg.ingest).toEqual({ maxEvents: 50_000, maxBytes: 16 * 1024 * 1024, maxQueueDelayMs: 1500 });
    expect(loadConfig({ env: {} }).ingest.maxQueueDelayMs).toBe(1000);
    for (const bad of [0, 10, 1.5, 120_000, '1s']) {
      expect(() => loadConfig({ env: {}, configPath: file({ ingest: { maxQueueDelayMs: bad } }) })).toThrow(/\/ingest\/maxQueueDelayMs/);
    }
  });

describe('the archive settings', () => {
  it('take a flag over the environment over the file over the default, field by field', () => {
    const configPath = file({ archive: { dir: '/file-dir', olderThan: '10d' } });
    expect(loadConfig({ configPath, env: {} }).archive).toEqual({ enabled: true, dir: '/file-dir', clickhouse: '', olderThan: '10d' });
    expect(loadConfig({ configPath, env: { CCPULSE_ARCHIVE_DIR: '/env-dir' } }).archive).toEqual({ enabled: true, dir: '/env-dir', clickhouse: '', olderThan: '10d' });
    expect(loadConfig({ configPath, env: { CCPULSE_ARCHIVE_DIR: '/env-dir' }, flags: { archive: { dir: '/flag-dir', olderThan: '36h' } } }).archive).toEqual({ enabled: true, dir: '/flag-dir', clickhouse: '', olderThan: '36h' });
    expect(loadConfig({ env: {} }).archive).toEqual({ enabled: true, dir: '', clickhouse: '', olderThan: '7d' });
  });

  it('name a bad age and an unknown field by where they came from', () => {
    expect(() => loadConfig({ env: { CCPULSE_ARCHIVE_OLDER_THAN: 'a week' } })).toThrow(/CCPULSE_ARCHIVE_OLDER_THAN: must be a whole number and a unit/);
    expect(() => loadConfig({ env: {}, flags: { archive: { olderThan: '2h' } } })).toThrow(/--archive-older-than: must be at least 1d/);
    expect(() => loadConfig({ configPath: file({ archive: { olderThan: '7x', dirr: 'a' } }), env: {} })).toThrow(/archive\/dirr: unknown field[\s\S]*archive\/olderThan: must be a whole number/);
  });

  it('archive the embedded store under its data directory by default, and a PostgreSQL store only where a directory is named', () => {
    expect(archiveSettings(loadConfig({ env: {}, flags: { dataDir: '/srv/cc' } }))).toEqual({ to: { dir: '/srv/cc/archive' }, olderThanMs: 7 * 86_400_000 });
    expect(archiveSettings(loadConfig({ env: {}, flags: { storage: 'postgres://x@h/db' } }))).toEqual({ off: expect.stringContaining('no archive directory') });
    expect(archiveSettings(loadConfig({ env: { CCPULSE_ARCHIVE_DIR: '/arch' }, flags: { storage: 'postgres://x@h/db' } }))).toEqual({ to: { dir: '/arch' }, olderThanMs: 7 * 86_400_000 });
    expect(archiveSettings(loadConfig({ configPath: file({ archive: { enabled: false } }), env: {} }))).toEqual({ off: 'archive.enabled is false' });
  });

  it('archive into a ClickHouse database when one is named (over the embedded default directory), and refuse one named beside a directory', () => {
    const ch = 'clickhouse://default:s3cret@olap:8123/ccpulse_archive';
    expect(archiveSettings(loadConfig({ env: { CCPULSE_ARCHIVE_CLICKHOUSE: ch }, flags: { dataDir: '/srv/cc' } }))).toEqual({ to: { clickhouseUrl: ch }, olderThanMs: 7 * 86_400_000 });
    expect(archiveSettings(loadConfig({ env: {}, flags: { storage: 'postgres://x@h/db', archive: { clickhouse: ch } } }))).toEqual({ to: { clickhouseUrl: ch }, olderThanMs: 7 * 86_400_000 });
    expect(() => loadConfig({ env: { CCPULSE_ARCHIVE_DIR: '/arch' }, flags: { archive: { clickhouse: ch } } })).toThrow(
      'invalid configuration: --archive-clickhouse: the archive goes to a ClickHouse database or to a directory (CCPULSE_ARCHIVE_DIR is set too): give one',
    );
    let message = '';
    try {
      loadConfig({ env: { CCPULSE_ARCHIVE_CLICKHOUSE: 'postgres://u:s3cret@h/db' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: CCPULSE_ARCHIVE_CLICKHOUSE: must be a clickhouse:\/\/ URL/);
    expect(message).not.toContain('s3cret');
    // the scheme forgotten: user:password@host is not a URL, and is not shown either
    for (const env of [{ CCPULSE_ARCHIVE_CLICKHOUSE: 'default:s3cret@olap:8123/arch' }, { CCPULSE_STORAGE: 'cc:s3cret@db:5432/cc' }]) {
      expect(() => loadConfig({ env })).toThrow(/not shown: it may hold a password/);
      try {
        loadConfig({ env });
      } catch (err) {
        expect((err as Error).message).not.toContain('s3cret');
      }
    }
  });
});

  it('refuses a slow-path niceness that is not a whole number from 0 to 19, naming the variable', () => {
    expect(() => loadConfig({ env: { CCPULSE_SLOW_PATH_NICENESS: 'low' } })).toThrow('invalid configuration: CCPULSE_SLOW_PATH_NICENESS: must be a whole number from 0 to 19, got "low"');
    expect(() => loadConfig({ env: { CCPULSE_SLOW_PATH_NICENESS: '20' } })).toThrow(/CCPULSE_SLOW_PATH_NICENESS/);
    expect(() => loadConfig({ env: { CCPULSE_SLOW_PATH_NICENESS: '0' } })).not.toThrow();
  });
});

describe('the center’s time zone', () => {
  it('is UTC unless set, by flag, variable or file, and a zone the runtime does not know stops the start naming where it came from', () => {
    expect(loadConfig({ env: {} }).timeZone).toBe('UTC');
    expect(loadConfig({ env: { CCPULSE_TIME_ZONE: 'Europe/Moscow' } }).timeZone).toBe('Europe/Moscow');
    expect(loadConfig({ flags: { timeZone: 'Asia/Yekaterinburg' }, env: { CCPULSE_TIME_ZONE: 'Europe/Moscow' } }).timeZone).toBe('Asia/Yekaterinburg');
    expect(() => loadConfig({ env: { CCPULSE_TIME_ZONE: 'Mars/Olympus' } })).toThrow(/CCPULSE_TIME_ZONE: "Mars\/Olympus" is not a time zone/);
    expect(() => loadConfig({ flags: { timeZone: '' }, env: {} })).toThrow(/--time-zone/);
  });
});

describe('logs and readiness', () => {
  it('takes the log format by flag, variable or file (json by default), and names a wrong one by where it came from', () => {
    expect(loadConfig({ env: {} }).logFormat).toBe('json');
    expect(loadConfig({ env: { CCPULSE_LOG_FORMAT: 'ecs' } }).logFormat).toBe('ecs');
    expect(loadConfig({ flags: { logFormat: 'pretty' }, env: { CCPULSE_LOG_FORMAT: 'ecs' } }).logFormat).toBe('pretty');
    expect(loadConfig({ configPath: file({ logFormat: 'ecs' }), env: {} }).logFormat).toBe('ecs');
    expect(() => loadConfig({ env: { CCPULSE_LOG_FORMAT: 'xml' } })).toThrow(/CCPULSE_LOG_FORMAT: must be one of json, ecs, pretty, got "xml"/);
    expect(() => loadConfig({ flags: { logFormat: 'text' }, env: {} })).toThrow(/--log-format: must be one of json, ecs, pretty/);
  });

  it('takes the readiness thresholds from the file field by field, and refuses a checkpoint age under two intervals', () => {
    expect(loadConfig({ env: {} }).readiness).toEqual({ maxCheckpointAgeSec: 60, maxLagEvents: 1_000_000 });
    expect(loadConfig({ configPath: file({ readiness: { maxLagEvents: 5_000 } }), env: {} }).readiness).toEqual({ maxCheckpointAgeSec: 60, maxLagEvents: 5_000 });
    expect(() => loadConfig({ configPath: file({ readiness: { maxCheckpointAgeSec: 0 } }), env: {} })).toThrow(/\/readiness\/maxCheckpointAgeSec: must be a number from 1 to 86400/);
    expect(() => loadConfig({ configPath: file({ readiness: { maxLagEvents: 10, colour: 1 } }), env: {} })).toThrow(/\/readiness\/colour: unknown field/);
    expect(() => loadConfig({ configPath: file({ readiness: { maxCheckpointAgeSec: 5 } }), env: { CCPULSE_CHECKPOINT_MS: '3000' } })).toThrow(
      /\/readiness\/maxCheckpointAgeSec: 5 s is less than two checkpoint intervals \(checkpointIntervalMs 3000\)/,
    );
  });
});

describe('configuration: the OTLP endpoint of tracing', () => {
  const endpoint = (env: Record<string, string>, flags = {}) => loadConfig({ env, flags }).otlpEndpoint;

  it('is off by default, and names the service ccpulse', () => {
    expect(loadConfig({ env: {} })).toMatchObject({ otlpEndpoint: '', serviceName: 'ccpulse' });
    expect(loadConfig({ env: { OTEL_SERVICE_NAME: 'cc-eu' } }).serviceName).toBe('cc-eu');
  });

  it("adds /v1/traces to a collector's address with no path, and keeps a URL with one", () => {
    expect(endpoint({ CCPULSE_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318/v1/traces');
    expect(endpoint({ CCPULSE_OTLP_ENDPOINT: 'https://otel.example/ingest/traces' })).toBe('https://otel.example/ingest/traces');
    expect(loadConfig({ env: {}, configPath: file({ otlpEndpoint: 'http://c:4318/' }) }).otlpEndpoint).toBe('http://c:4318/v1/traces');
  });

  it("reads OpenTelemetry's own variables by their rules, below ccpulse's variable and flag", () => {
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/otlp' })).toBe('http://c:4318/otlp/v1/traces');
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/otlp?tenant=x' })).toBe('http://c:4318/otlp/v1/traces?tenant=x');
    expect(endpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http://t:4318/');
    expect(endpoint({ CCPULSE_OTLP_ENDPOINT: 'http://mine:4318', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http://mine:4318/v1/traces');
    expect(endpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { otlpEndpoint: 'http://flag:4318' })).toBe('http://flag:4318/v1/traces');
  });

  it('refuses what is no http(s) URL, naming where it came from and never echoing it', () => {
    expect(() => endpoint({ CCPULSE_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/^invalid configuration: CCPULSE_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/);
    expect(() => endpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://secret@c:4317' })).toThrow(/^invalid configuration: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be/);
    expect(() => endpoint({}, { otlpEndpoint: 'ftp://c' })).toThrow(/--otlp-endpoint: must be/);
    try {
      endpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://secret@c:4317' });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
  });
});

describe('the rate limits', () => {
  it('are on by default (6,000 a minute per key, 12,000 per tenant), the file over the defaults field by field, each variable over the file', () => {
    expect(loadConfig({ env: {} }).rateLimit).toEqual({ enabled: true, perKey: { max: 6_000, windowSec: 60 }, perTenant: { max: 12_000, windowSec: 60 } });
    const configPath = file({ rateLimit: { perKey: { max: 100 }, perTenant: { windowSec: 10 } } });
    expect(loadConfig({ configPath, env: {} }).rateLimit).toEqual({ enabled: true, perKey: { max: 100, windowSec: 60 }, perTenant: { max: 12_000, windowSec: 10 } });
    const env = { CCPULSE_RATE_LIMIT_PER_KEY_MAX: '200', CCPULSE_RATE_LIMIT_PER_TENANT_WINDOW_SEC: '30', CCPULSE_RATE_LIMIT_ENABLED: 'FALSE' };
    expect(loadConfig({ configPath, env }).rateLimit).toEqual({ enabled: false, perKey: { max: 200, windowSec: 60 }, perTenant: { max: 12_000, windowSec: 30 } });
    expect(loadConfig({ env: { CCPULSE_RATE_LIMIT_PER_KEY_WINDOW_SEC: '1', CCPULSE_RATE_LIMIT_PER_TENANT_MAX: '5' } }).rateLimit).toEqual({ enabled: true, perKey: { max: 6_000, windowSec: 1 }, perTenant: { max: 5, windowSec: 60 } });
  });

  it('name each bad value by the variable or the file path it came from', () => {
    let message = '';
    try {
      loadConfig({
        configPath: file({ rateLimit: { perKey: { max: 0 }, perTenant: { windowSec: 1.5, burst: 3 } } }),
        env: { CCPULSE_RATE_LIMIT_ENABLED: 'yes', CCPULSE_RATE_LIMIT_PER_TENANT_MAX: 'lots' },
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toContain('CCPULSE_RATE_LIMIT_ENABLED: expected boolean, got "yes"');
    expect(lines).toContain('CCPULSE_RATE_LIMIT_PER_TENANT_MAX: must be a whole number from 1 to 100000000, got "lots"');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^config file .*: \/rateLimit\/perKey\/max: must be a whole number from 1 to 100000000, got 0$/),
      expect.stringMatching(/^config file .*: \/rateLimit\/perTenant\/windowSec: must be a whole number from 1 to 86400, got 1.5$/),
      expect.stringMatching(/^config file .*: \/rateLimit\/perTenant\/burst: unknown field$/),
    ]));
    expect(lines).toHaveLength(5);
    expect(() => loadConfig({ configPath: file({ rateLimit: 'off' }), env: { CCPULSE_RATE_LIMIT_PER_KEY_MAX: '5' } })).toThrow(/\/rateLimit: expected object, got "off"/);
    expect(() => loadConfig({ configPath: file({ rateLimit: { perKey: 60 } }), env: {} })).toThrow(/\/rateLimit\/perKey: expected object, got 60/);
  });
});
