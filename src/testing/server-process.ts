import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ccpulseCommand } from './ccpulse-command.js';


export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A real `ccpulse start` process (from the sources, via tsx), for tests that go through HTTP. */
export class ServerProcess {
  private child!: ChildProcess;
  output = '';
  readonly url: string;

  private constructor(
    readonly port: number,
    readonly args: string[],
    /** Variables over the test's own environment (CCPULSE_SMTP_URL, …). */
    readonly env: Record<string, string> = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * `dataDir` absent: the arguments say where the data goes (`--storage pglite:DIR`, `--storage postgres://…`).
   * `auth` absent: the server runs with --no-auth (the suites not about keys); true: keys are required,
   * from the config file given in `args` or CCPULSE_ADMIN_KEY in `env`.
   */
  static async start(opts: { dataDir?: string; args?: string[]; port?: number; env?: Record<string, string>; auth?: boolean }): Promise<ServerProcess> {
    const port = opts.port ?? (await freePort());
    const s = new ServerProcess(port, ['start', '--port', String(port), ...(opts.dataDir !== undefined ? ['--data', opts.dataDir] : []), '--log-level', 'warn', ...(opts.auth ? [] : ['--no-auth']), ...(opts.args ?? [])], opts.env);
    await s.spawn();
    return s;
  }

  private async spawn(): Promise<void> {
    this.child = spawn(process.execPath, [...ccpulseCommand(), ...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.child.kill('SIGKILL'); // not left running behind the failed test
    throw new Error(`server did not come up:\n${this.output}`);
  }

  /** The PID of the running server process. */
  get pid(): number {
    return this.child.pid!;
  }

  /** kill -9: no shutdown hook runs, no final checkpoint. */
  async crash(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async restart(): Promise<void> {
    await this.spawn();
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(sig);
    });
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  async put(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }

  async get(path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`);
    return { status: res.status, body: await res.json() };
  }
}
