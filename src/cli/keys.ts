import type { Command } from './command.js';
import { serverClient } from './server-client.js';
import { UsageError } from './errors.js';

const ROLES = ['ingest', 'read', 'admin'];

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys on a running server (admin key needed)',
  usage: `Usage: ccpulse keys <create --role ROLE [--name NAME] [--tenant T] | list | revoke ID> [--url URL] [--api-key KEY]

API keys belong to a tenant and have a role:
  ingest   posts events only (POST /v1/events): for channel adapters
  read     the dashboard, live view, history, reports, exports and the live stream
  admin    everything: read and ingest, settings, keys, DLQ replay, notifications, archive
A new key's secret is printed once, by create, and never again (the server keeps only a hash).
Changes take effect at once: a revoked key, and every dashboard session made with it, stops working.

  create            a new key (--role is required; --tenant defaults to the admin key's own tenant:
                    an admin key of the default tenant may make keys for any tenant)
  list              the keys: id, tenant, role, name, last four characters, created, revoked
  revoke ID         revoke a key by its id (as list shows it)

Options:
  --url URL         the ccpulse server (default http://127.0.0.1:8080, env CCPULSE_URL)
  --api-key KEY     an admin key (env CCPULSE_API_KEY)
  --role ROLE       with create: ingest, read or admin
  --name NAME       with create: what the key is for (shown in lists)
  --tenant T        with create: the key's tenant
  --json            print the server's JSON as is
  -h, --help        show this help`,
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    tenant: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: true,
  async run(v, args) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError('say what to do: create, list or revoke ID');
    if (!['create', 'list', 'revoke'].includes(action)) throw new UsageError(`unknown action "${action}": use create, list or revoke ID`);
    if (action !== 'create' && (v.role !== undefined || v.name !== undefined || v.tenant !== undefined)) throw new UsageError('--role, --name and --tenant go with create');
    const call = serverClient(v);
    const print = (x: unknown) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x, null, 2)}\n`);
    switch (action) {
      case 'create': {
        if (rest.length) throw new UsageError(`create takes no arguments (got "${rest[0]}"); give the role with --role`);
        const role = v.role as string | undefined;
        if (role === undefined) throw new UsageError('create needs --role ingest, read or admin');
        if (!ROLES.includes(role)) throw new UsageError(`--role must be ingest, read or admin, got "${role}"`);
        const body = { role, ...(v.name !== undefined ? { name: v.name } : {}), ...(v.tenant !== undefined ? { tenant: v.tenant } : {}) };
        const k = await call('/v1/keys', { method: 'POST', body: JSON.stringify(body) });
        if (v.json) return print(k), 0;
        print(`${k.key}`);
        process.stderr.write(`key ${k.id} (tenant ${k.tenant}, role ${k.role}${k.name ? `, "${k.name}"` : ''}) made. It is shown this once: keep it now.\n`);
        return 0;
      }
      case 'list': {
        if (rest.length) throw new UsageError(`list takes no arguments (got "${rest[0]}")`);
        const { items } = await call('/v1/keys');
        if (v.json) return print({ items }), 0;
        if (items.length === 0) return print('no keys'), 0;
        for (const k of items) {
          const made = k.fromConfig ? 'config file         ' : k.createdAt.slice(0, 19).replace('T', ' ');
          print(`${k.id.padEnd(14)} ${k.tenant.padEnd(12)} ${k.role.padEnd(6)} ${made}  ${k.last4 ? `…${k.last4}` : '     '}  ${k.revokedAt ? `revoked ${k.revokedAt.slice(0, 19).replace('T', ' ')}` : 'valid'}  ${k.name}`);
        }
        return 0;
      }
      case 'revoke': {
        if (rest.length !== 1) throw new UsageError(`revoke takes one key id (got ${rest.length}), e.g. ccpulse keys revoke ab12cd34ef56`);
        if (!/^[A-Za-z0-9]{1,64}$/.test(rest[0])) throw new UsageError(`"${rest[0]}" is not a key id: ids are letters and digits, as "ccpulse keys list" shows them`);
        await call(`/v1/keys/${rest[0]}`, { method: 'DELETE' });
        if (v.json) return print({ revoked: rest[0] }), 0;
        print(`key ${rest[0]} revoked`);
        return 0;
      }
    }
    return 2;
  },
};
