/**
 * Tracing off costs nothing: with no endpoint, neither the server's modules nor startTracing load any
 * of the OpenTelemetry SDK (only @opentelemetry/api). Each SDK module is mocked by a pass-through that
 * records its loading; the last test turns tracing on and sees them all load, so the recording works.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import Fastify from 'fastify';

const loaded = vi.hoisted(() => new Set<string>());
vi.mock('@opentelemetry/sdk-trace-base', async (original) => (loaded.add('@opentelemetry/sdk-trace-base'), original()));
vi.mock('@opentelemetry/exporter-trace-otlp-http', async (original) => (loaded.add('@opentelemetry/exporter-trace-otlp-http'), original()));
vi.mock('@opentelemetry/resources', async (original) => (loaded.add('@opentelemetry/resources'), original()));
vi.mock('@opentelemetry/core', async (original) => (loaded.add('@opentelemetry/core'), original()));

const SDK = ['@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources', '@opentelemetry/core'];

describe('tracing off', () => {
  let shutdown: (() => Promise<void>) | undefined;
  afterAll(async () => shutdown?.());

  it('loads no SDK module with the server (app, engine, start command)', async () => {
    await import('../api/app.js');
    await import('../stream/engine.js');
    await import('../cli/start.js');
    expect([...loaded]).toEqual([]);
  });

  it('loads none when started with no endpoint, and installs no request hook', async () => {
    const { startTracing, activeTracer } = await import('./tracing.js');
    const { installTracing } = await import('./tracing-http.js');
    expect(await startTracing({ otlpEndpoint: '', serviceName: 'ccpulse' })).toBeNull();
    expect(activeTracer()).toBeUndefined();
    const app = Fastify();
    const addHook = vi.spyOn(app, 'addHook');
    installTracing(app);
    expect(addHook).not.toHaveBeenCalled();
    await app.close();
    expect([...loaded]).toEqual([]);
  });

  it('loads them when an endpoint is configured (the recording above would see them)', async () => {
    const { startTracing, activeTracer } = await import('./tracing.js');
    const { installTracing } = await import('./tracing-http.js');
    // port 9 (discard): nothing is ever sent in this test, no span is made
    const tracing = await startTracing({ otlpEndpoint: 'http://127.0.0.1:9/v1/traces', serviceName: 'ccpulse' });
    shutdown = () => tracing!.shutdown();
    expect(activeTracer()).toBeDefined();
    for (const m of SDK) expect(loaded).toContain(m);
    const app = Fastify();
    const addHook = vi.spyOn(app, 'addHook');
    installTracing(app);
    expect(addHook.mock.calls.map((c) => c[0])).toEqual(['onRequest', 'onResponse', 'onRequestAbort']);
    await app.close();
  });
});
