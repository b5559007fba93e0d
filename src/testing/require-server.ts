import net from 'node:net';

/**
 * Integration suites need real servers. Where one is absent, `npm test` skips the suite loudly; under CI
 * (CI=true, where .ci/run must have started it) the absence is a failure.
 */
export async function serverAvailable(name: string, host: string, port: number): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
  if (up) return true;
  const msg = `${name} is not reachable at ${host}:${port}`;
  if (process.env.CI) throw new Error(`${msg}: CI must start it (see .ci/run)`);
  const bar = '!'.repeat(msg.length + 30);
  console.warn(`\n${bar}\n!!! SKIPPING SUITE: ${msg} !!!\n${bar}\n`);
  return false;
}

/**
 * A server that suites run against only where one is named, because CI does not start it (TimescaleDB:
 * not packaged by Debian, built from its source; see docs/STORAGE.md). Unnamed (`envVar` unset), the
 * suite is skipped loudly, under CI too; named, it must be reachable (serverAvailable: under CI its
 * absence fails). Returns the URL, or null to skip.
 */
export async function namedServerAvailable(name: string, envVar: string): Promise<string | null> {
  const url = process.env[envVar];
  if (!url) {
    const msg = `${name}: ${envVar} is not set`;
    const bar = '!'.repeat(msg.length + 30);
    console.warn(`\n${bar}\n!!! SKIPPING SUITE: ${msg} !!!\n${bar}\n`);
    return null;
  }
  const u = new URL(url);
  return (await serverAvailable(name, u.hostname || '127.0.0.1', Number(u.port || 5432))) ? url : null;
}
