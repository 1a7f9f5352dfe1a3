/**
 * Alerts end to end, across SIGKILLs: a real `vigil serve` with its built-in rules sees failed
 * logons, is killed, restarts, sees the successful logon that completes the brute force, and
 * raises exactly one alert; a real HTTP server receives it as a signed webhook. The alert is
 * acknowledged, Vigil is killed again, and the alert comes back acknowledged, with no duplicate.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { verifyWebhook } from '../alerts/notify/webhook.js';
import { windowsEvent } from '../detect/correlation/testkit.js';
import { freePort, startVigil, tempDir, vigil, waitFor, type ServerHandle } from './harness.js';

const SECRET = 'e2e-webhook-secret-of-enough-length';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

const logon = (time: number, id: 4624 | 4625, user: string, ip: string) =>
  windowsEvent({
    time,
    channel: 'Security',
    eventId: id,
    computer: 'DC01.corp.example',
    data: {
      SubjectUserSid: 'S-1-0-0',
      TargetUserName: user,
      TargetDomainName: 'CORP',
      LogonType: 3,
      IpAddress: ip,
      IpPort: 50311,
      WorkstationName: 'ATTACKER',
      ...(id === 4625 ? { Status: '0xc000006d', SubStatus: '0xc000006a' } : { LogonProcessName: 'NtLmSsp' }),
    },
  });

interface AlertView {
  id: string;
  status: string;
  rule: { id: string };
  entities: Record<string, string>;
  event_ids: string[];
}

let server: ServerHandle | undefined;
after(async () => {
  await server?.stop('SIGKILL');
});

test(
  'an alert survives SIGKILL: windows and state recover, one alert, signed webhook, ack kept',
  { timeout: 120_000 },
  async () => {
    const received: Received[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    try {
      const dataDir = tempDir('vigil-alerts-e2e-');
      const port = await freePort();
      const config = [
        `api: { address: 127.0.0.1, port: ${port} }`,
        'sources: []',
        'pipeline: { flush_interval_ms: 5 }',
        'alerts:',
        '  channels:',
        `    soc: { type: webhook, url: '${hookUrl}', secret: '${SECRET}' }`,
        '  routes:',
        '    - { match: { min_severity: high }, channels: [soc] }',
      ].join('\n');
      server = await startVigil(config, dataDir);
      const token = vigil([
        'token',
        'create',
        '--role',
        'admin',
        '--name',
        'e2e',
        '--data-dir',
        dataDir,
      ]).stdout.trim();
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${server!.url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
        });
      const ingest = async (lines: string[]) => {
        const r = await api('/api/v1/ingest', {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: lines.join('\n'),
        });
        assert.equal(r.status, 200, await r.text());
      };
      const t0 = Date.now() - 10 * 60_000;
      // Six failures for one account from one address (and background noise), then a kill.
      await ingest([
        ...Array.from({ length: 6 }, (_, i) => logon(t0 + i * 10_000, 4625, 'administrator', '198.51.100.7')),
        logon(t0 + 20_000, 4625, 'carol', '10.0.0.30'),
        logon(t0 + 30_000, 4624, 'dave', '10.0.0.31'),
      ]);
      await waitFor('the failures stored', async () => {
        const r = await api(`/api/v1/search?q=${encodeURIComponent('EventID=4625 | stats count() as n')}`);
        const body = (await r.json()) as { rows?: unknown[][] };
        return Number(body.rows?.[0]?.[0]) >= 7 ? true : undefined;
      });
      assert.equal(await server.stop('SIGKILL'), null);

      server = await startVigil(config, dataDir);
      await ingest([logon(t0 + 3 * 60_000, 4624, 'administrator', '198.51.100.7')]);
      const alerts = async () => {
        const r = await api('/api/v1/alerts?limit=100');
        assert.equal(r.status, 200);
        return ((await r.json()) as { alerts: AlertView[] }).alerts.filter(
          (a) => a.rule.id === 'vigil.correlation.brute_force_success',
        );
      };
      const [alert] = await waitFor('the brute-force alert', async () => {
        const list = await alerts();
        return list.length > 0 ? list : undefined;
      });
      assert.equal(alert!.status, 'new');
      assert.equal(alert!.entities.TargetUserName ?? alert!.entities.user, 'administrator');
      // The failures that made the threshold (5) and the success after the restart, all linked.
      const ids = alert!.event_ids.map(Number);
      assert.equal(ids.length, 6, `evidence: ${ids.join(',')}`);
      const success = await api(
        `/api/v1/search?q=${encodeURIComponent('EventID=4624 TargetUserName=administrator | fields id')}`,
      );
      const successId = Number(
        ((await success.json()) as { events?: { metadata: { uid: string } }[] }).events?.[0]?.metadata.uid,
      );
      assert.ok(ids.includes(successId), `the success (${successId}) is evidence: ${ids.join(',')}`);

      const delivery = await waitFor('the webhook', () => received.find((r) => r.body.includes(alert!.id)));
      assert.deepEqual(verifyWebhook(SECRET, delivery.headers, delivery.body, Date.now()), { ok: true });
      assert.equal(
        verifyWebhook('another secret', delivery.headers, delivery.body, Date.now()).ok,
        false,
        'a wrong secret fails',
      );

      const ack = await api(`/api/v1/alerts/${alert!.id}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(ack.status, 200, await ack.text());
      assert.equal(await server.stop('SIGKILL'), null);

      server = await startVigil(config, dataDir);
      const afterRestart = await alerts();
      assert.equal(afterRestart.length, 1, 'one incident, one alert, after two kills');
      assert.equal(afterRestart[0]!.status, 'acknowledged');

      // The acknowledgement is in the audit log: searchable by an auditor, invisible to an analyst.
      const count = async (role: string, q: string) => {
        const t = vigil([
          'token',
          'create',
          '--role',
          role,
          '--name',
          `e2e-${role}`,
          '--data-dir',
          dataDir,
        ]).stdout.trim();
        const r = await fetch(
          `${server!.url}/api/v1/search?q=${encodeURIComponent(`${q} | stats count() as n`)}`,
          {
            headers: { authorization: `Bearer ${t}` },
          },
        );
        assert.equal(r.status, 200, await r.clone().text());
        return Number(((await r.json()) as { rows?: unknown[][] }).rows?.[0]?.[0] ?? 0);
      };
      const audited = await waitFor('the audit entry of the acknowledgement', async () => {
        const n = await count('auditor', `source=audit ${alert!.id}`);
        return n > 0 ? n : undefined;
      });
      assert.ok(audited >= 1);
      assert.equal(await count('analyst', 'source=audit'), 0, 'an analyst sees no audit entries');
      assert.equal(await count('auditor', 'EventID=4625'), 0, 'an auditor sees no security events');
      assert.equal(await server.stop(), 0, server.stderr());
      server = undefined;
    } finally {
      hook.close();
    }
  },
);
