import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort, startVigil, vigil, waitFor, type ServerHandle } from './harness.js';

let server: ServerHandle | undefined;
after(async () => {
  await server?.stop();
});

async function sendUdp(port: number, text: string): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    socket.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
  );
  socket.close();
}

function found(dataDir: string, query: string): Record<string, unknown>[] {
  const out = vigil(['search', query, '--format', 'json', '--data-dir', dataDir]);
  assert.equal(out.status, 0, out.stderr);
  return (JSON.parse(out.stdout) as { events: Record<string, unknown>[] }).events;
}

test('SIGHUP reloads the configuration: a changed source restarts, a bad file leaves the running one', async () => {
  const [api, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const config = (port: number, extra = '') =>
    [
      `api: { address: 127.0.0.1, port: ${api} }`,
      'pipeline: { flush_interval_ms: 5 }',
      'sources:',
      `  - { type: syslog, name: syslog, address: 127.0.0.1, udp_port: ${port}, tcp_port: ${port} }`,
      extra,
    ].join('\n');
  server = await startVigil(config(portA));
  const file = join(server.dataDir, 'vigil.yaml');
  await sendUdp(portA, '<13>1 2026-03-02T10:00:00Z host1 app - - - before-reload-marker');
  await waitFor('the first event', () => found(server!.dataDir, 'before-reload-marker').length === 1);

  writeFileSync(file, config(portB, 'transforms:\n  - { type: add_fields, fields: { unmapped.site: lab } }'));
  server.process.kill('SIGHUP');
  await waitFor('an event on the new port', async () => {
    await sendUdp(portB, '<13>1 2026-03-02T10:00:01Z host1 app - - - after-reload-marker');
    return found(server!.dataDir, 'after-reload-marker').length > 0;
  });
  const [event] = found(server.dataDir, 'after-reload-marker');
  assert.equal((event!.unmapped as Record<string, unknown>).site, 'lab', 'the new transform applies');

  writeFileSync(file, 'sources: [ { type: nope } ]');
  server.process.kill('SIGHUP');
  await waitFor('the reload error', () => /configuration not reloaded/.test(server!.stderr()));
  await sendUdp(portB, '<13>1 2026-03-02T10:00:02Z host1 app - - - still-running-marker');
  await waitFor(
    'an event after the bad reload',
    () => found(server!.dataDir, 'still-running-marker').length === 1,
  );
  assert.equal(found(server.dataDir, 'before-reload-marker').length, 1, 'nothing stored before is lost');
});
