/**
 * The web console end to end: a real `vigil serve` loaded with demo telemetry (and one Sigma rule,
 * so there are findings), driven in headless Chromium through playwright-core. Each test saves a
 * screenshot to test-artifacts/console/. APIs other helpers build (login, alerts) are probed
 * first; where they answer 404 that part is skipped with a message.
 *
 * Needs the built console (node scripts/build-web.js) and /usr/bin/chromium; skips without them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateDemo } from '../demo/generate.js';
import { STORY_ACTORS } from '../demo/story.js';
import { REPO_ROOT } from '../testing/shared.js';
import { defaultWebDir } from '../api/console.js';
import { freePort, startVigil, tempDir, vigil, VIGIL_BIN, waitFor, type ServerHandle } from './harness.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');
const WEB_DIR = defaultWebDir();
const skip = !existsSync(join(WEB_DIR, 'index.html'))
  ? `the console is not built (run: node scripts/build-web.js; looked in ${WEB_DIR})`
  : !existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM}`
    : false;

const RULE = `title: Encoded PowerShell
id: 7d2f3c1e-0000-4000-8000-00000000c0de
status: test
level: high
tags: [attack.execution, attack.t1059.001]
logsource: { product: windows, category: process_creation }
detection:
  selection:
    CommandLine|contains: ' -enc '
  condition: selection
`;

const HOUR = 3_600_000;

describe('web console in Chromium', { skip, timeout: 60_000 }, () => {
  let server: ServerHandle;
  let token: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
  const count = async (q: string, from: string, to?: string): Promise<number> => {
    const params = new URLSearchParams({ q: `${q} | stats count()`, from, ...(to ? { to } : {}) });
    const body = (await (await api(`/api/v1/search?${params}`)).json()) as { rows: unknown[][] };
    return Number(body.rows[0]![0]);
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = tempDir('vigil-console-e2e-');
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'encoded-powershell.yml'), RULE);
    server = await startVigil(
      [
        `api: { address: 127.0.0.1, port: ${await freePort()} }`,
        'pipeline: { flush_interval_ms: 5 }',
        `detect: { rules: [${JSON.stringify(join(dir, 'rules'))}] }`,
      ].join('\n'),
      dir,
    );
    const created = vigil(['token', 'create', '--role', 'admin', '--name', 'console-e2e', '--data-dir', dir]);
    assert.equal(created.status, 0, created.stderr);
    token = created.stdout.trim();
    const records = generateDemo({ seed: 7, start: Date.now() - 3 * HOUR, durationMs: 3 * HOUR - 60_000 });
    for (let i = 0; i < records.length; i += 2000) {
      const response = await api('/api/v1/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: records
          .slice(i, i + 2000)
          .map((r) => r.text)
          .join('\n'),
      });
      assert.equal(response.status, 200, await response.text());
    }
    await waitFor('the demo events to be stored', async () => {
      const n = await count('NOT class_uid=2004 NOT source=audit', '-24h');
      return n >= records.length ? n : undefined;
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    const code = await server?.stop();
    assert.equal(code, 0, `vigil serve should exit 0; stderr: ${server?.stderr()}`);
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations in the page');
  });

  async function open(
    options: { width?: number; height?: number; bypassCSP?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
      bypassCSP: options.bypassCSP ?? false,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // 401/403 are what the login tests provoke; 404 what probing an API not wired yet answers.
      if (m.type() === 'error' && !/status of 40[134]/.test(m.text()))
        pageErrors.push(`console: ${m.text()}`);
    });
    return { context, page };
  }

  async function login(page: Page, hash = ''): Promise<void> {
    await page.goto(`${server.url}/${hash}`);
    await page.fill('#login-token', token);
    await page.click('button:has-text("Use token")');
    await page.waitForSelector('nav[aria-label="Console"]');
  }

  /** Serious and critical axe-core findings on the page (the context must bypass the CSP to inject it). */
  async function axeViolations(page: Page): Promise<string[]> {
    if (!(await page.evaluate<boolean>("'axe' in window")))
      await page.evaluate(
        readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'),
      );
    return page.evaluate<string[]>(`axe
      .run({ resultTypes: ['violations'] })
      .then((r) => r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')))`);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  test('log in with a token (and a user where the login API exists); roles are checked', async () => {
    const { context, page } = await open();
    let firstLoad = 0;
    page.on('requestfinished', (request) => {
      void request.sizes().then((s) => (firstLoad += s.responseBodySize + s.responseHeadersSize));
    });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#login-token');
    await page.waitForLoadState('networkidle');
    assert.ok(firstLoad > 10_000 && firstLoad < 500_000, `first load transferred ${firstLoad} bytes`);
    process.stdout.write(`# console first load: ${(firstLoad / 1024).toFixed(1)} kB over the wire\n`);

    const ingestOnly = vigil([
      'token',
      'create',
      '--role',
      'ingest',
      '--name',
      'feeder',
      '--data-dir',
      server.dataDir,
    ]);
    await page.fill('#login-token', ingestOnly.stdout.trim());
    await page.click('button:has-text("Use token")');
    await page.waitForSelector('.notice.error');
    assert.match((await page.textContent('.notice.error')) ?? '', /may not search/);

    const loginApi = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: 'wrong' }),
    });
    if (loginApi.status === 404) {
      process.stdout.write(
        '# user login: POST /api/v1/login is 404; the form is checked against a mocked answer\n',
      );
      // The specified answer, carrying a real token so the rest of the session works.
      await page.route('**/api/v1/login', (route) => {
        const body = route.request().postDataJSON() as { username: string; password: string };
        return body.password === 'right'
          ? route.fulfill({
              json: {
                token,
                expires_at: new Date(Date.now() + HOUR).toISOString(),
                user: body.username,
                role: 'admin',
              },
            })
          : route.fulfill({
              status: 401,
              json: { error: 'unauthorized', message: 'wrong user name or password' },
            });
      });
      await page.fill('#login-username', 'carol');
      await page.fill('#login-password', 'wrong');
      await page.click('button:has-text("Log in")');
      await page.waitForSelector('.notice.error:has-text("Wrong")');
      await page.fill('#login-password', 'right');
      await page.click('button:has-text("Log in")');
      await page.waitForSelector('nav[aria-label="Console"]');
      await page.click('button:has-text("Log out")');
      await page.waitForSelector('#login-token');
      await page.unroute('**/api/v1/login');
    } else {
      await page.fill('#login-username', 'nobody');
      await page.fill('#login-password', 'wrong');
      await page.click('button:has-text("Log in")');
      await page.waitForSelector('.notice.error:has-text("Wrong")');
      const added = spawnSync(
        process.execPath,
        [
          VIGIL_BIN,
          'user',
          'add',
          'carol',
          '--role',
          'responder',
          '--password-stdin',
          '--data-dir',
          server.dataDir,
        ],
        {
          input: 'correct horse battery staple\n',
          encoding: 'utf8',
        },
      );
      assert.equal(added.status, 0, added.stderr);
      await page.fill('#login-username', 'carol');
      await page.fill('#login-password', 'correct horse battery staple');
      await page.click('button:has-text("Log in")');
      await page.waitForSelector('nav[aria-label="Console"]');
      assert.match((await page.textContent('.who')) ?? '', /carol \(responder\)/);
      await shot(page, '01-login-user');
      await page.click('button:has-text("Log out")');
      await page.waitForSelector('#login-token');
    }

    // A role sees only the pages its permissions serve: a developer has no alerts.
    const developer = vigil([
      'token',
      'create',
      '--role',
      'developer',
      '--name',
      'dev',
      '--data-dir',
      server.dataDir,
    ]);
    await page.fill('#login-token', developer.stdout.trim());
    await page.click('button:has-text("Use token")');
    await page.waitForSelector('nav[aria-label="Console"]');
    assert.equal(await page.locator('nav a:has-text("Alerts")').count(), 0);
    assert.equal(await page.locator('nav a:has-text("Traces")').count(), 1);
    await page.goto(`${server.url}/#/alerts`);
    await page.waitForSelector('.notice.error:has-text("alerts:read")');
    await page.click('button:has-text("Log out")');
    await page.waitForSelector('#login-token');

    await page.fill('#login-token', token);
    await page.click('button:has-text("Use token")');
    await page.waitForSelector('nav[aria-label="Console"]');
    assert.match((await page.textContent('.who')) ?? '', /console-e2e \(admin\)/);
    await shot(page, '01-login');
    await context.close();
  });

  test('search: the count matches the API, rows expand to OCSF and raw, brushing the histogram zooms', async () => {
    const { context, page } = await open();
    await login(page, '#/search');
    await page.fill('#search-q', 'event_code=4624');
    await page.press('#search-q', 'Enter');
    await page.waitForSelector('[data-testid=total]');
    const shown = Number((await page.textContent('[data-testid=total]'))!.replace(/,/g, ''));
    const expected = await count('event_code=4624', '-24h');
    assert.ok(expected > 0, 'the demo has logons');
    assert.equal(shown, expected);
    assert.ok((await page.locator('table.events tbody tr').count()) > 0);
    await page.locator('button.expand').first().click();
    await page.waitForSelector('.event-detail');
    assert.match((await page.textContent('.event-detail'))!, /"class_uid"/);
    await shot(page, '02-search');

    // Completion of field names, then a saved search that survives a reload (localStorage).
    await page.fill('#search-q', '');
    await page.type('#search-q', 'src_p');
    await page.waitForSelector('#search-q-fields li:has-text("src_port")');
    await page.press('#search-q', 'Tab');
    assert.equal(await page.inputValue('#search-q'), 'src_port');
    await page.fill('#search-q', 'event_code=4624');
    await page.click('summary:has-text("Saved searches")');
    await page.fill('#save-name', 'logons');
    await page.click('button:has-text("Save current search")');
    await page.reload();
    await page.click('summary:has-text("Saved searches")');
    await page.waitForSelector('.saved a:has-text("logons")');

    // Brush part of the histogram: the window narrows and the count follows.
    const over = page.locator('[data-testid=histogram] .u-over');
    const box = (await over.boundingBox())!;
    // The demo spans the last 3 of the 24 hours shown: select from 2.5 h to 1 h ago.
    await page.mouse.move(box.x + box.width * (21.5 / 24), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * (22.25 / 24), box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * (23 / 24), box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const hash = await waitFor('the brush to zoom', () =>
      /[?&]to=/.test(page.url()) ? new URL(page.url()).hash : undefined,
    );
    const params = new URLSearchParams(hash.split('?')[1]);
    const from = params.get('from')!;
    const to = params.get('to')!;
    assert.ok(Date.parse(to) - Date.parse(from) < 24 * HOUR, `zoomed window ${from} .. ${to}`);
    const zoomed = await count('event_code=4624', from, to);
    await waitFor('the zoomed count', async () =>
      (await page.textContent('[data-testid=total]'))?.replace(/,/g, '') === String(zoomed)
        ? true
        : undefined,
    );
    assert.ok(zoomed > 0 && zoomed < expected, `zoomed count ${zoomed} within 0 .. ${expected}`);
    await shot(page, '03-search-brushed');
    await context.close();
  });

  test('live tail: new events appear, not while paused, and after resuming', async () => {
    const marker = `tail${Date.now().toString(36)}`;
    const send = async (n: number) => {
      const response = await api('/api/v1/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: JSON.stringify({ '@timestamp': new Date().toISOString(), message: `${marker} number ${n}` }),
      });
      assert.equal(response.status, 200);
    };
    const { context, page } = await open();
    await login(page, `#/tail?q=${marker}`);
    await page.waitForSelector('[data-testid=tail-status]:has-text("Live: 0 events")');
    await send(1);
    await page.waitForSelector(`td.summary:has-text("${marker} number 1")`);
    await page.click('button:has-text("Pause")');
    await send(2);
    // Acknowledged means durable in the buffer; wait until it is stored (searchable), then some more.
    await waitFor('the second event to be stored', async () =>
      (await count(marker, '-1h')) === 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await page.locator(`td.summary:has-text("${marker} number 2")`).count(), 0, 'paused');
    await page.click('button:has-text("Resume")');
    await page.waitForSelector(`td.summary:has-text("${marker} number 2")`);
    await shot(page, '04-tail');
    await context.close();
  });

  test('alerts: open one, see its evidence, close it with a reason', async (t) => {
    const probe = await api('/api/v1/alerts?limit=5&status=');
    if (probe.status === 404) {
      t.skip('GET /api/v1/alerts is 404: the alerts API is not wired yet');
      return;
    }
    // Findings become alerts shortly after they are stored.
    const alerts = await waitFor(
      'alerts from the findings',
      async () => {
        const body = (await (await api('/api/v1/alerts?limit=5')).json()) as {
          alerts: { id: string; status: string }[];
        };
        return body.alerts.length > 0 ? body.alerts : undefined;
      },
      10_000,
    ).catch(() => [] as { id: string; status: string }[]);
    const { context, page } = await open();
    await login(page, '#/alerts?status=');
    await page.waitForSelector('[data-testid=alert-total]');
    await shot(page, '05-alerts');
    const open_ = alerts.find((a) => a.status !== 'closed');
    if (alerts.length > 0) {
      await page.click('text=Group by rule');
      await page.waitForSelector('h2:has-text("(")');
    }
    if (!open_) {
      await context.close();
      t.skip('no open alert from the demo data');
      return;
    }
    await page.goto(`${server.url}/#/alerts/${encodeURIComponent(open_.id)}`);
    await page.waitForSelector('[data-testid=alert-status]');
    await page.selectOption('#alert-reason', 'true_positive');
    await page.fill('#alert-note', 'console e2e');
    await page.click('button:has-text("Close alert")');
    await page.waitForSelector('[data-testid=alert-status]:has-text("closed")');
    const after = (await (await api(`/api/v1/alerts/${encodeURIComponent(open_.id)}`)).json()) as {
      status: string;
    };
    assert.equal(after.status, 'closed');
    await shot(page, '05-alert-closed');
    await context.close();
  });

  test('alerts page against the specified API shape (mocked in the browser: list, evidence, close)', async () => {
    // The alerts API may not be wired yet; this drives the page against its specified answers, with
    // evidence ids of real stored events, so the page's own logic is covered either way.
    const ids = (
      (await (
        await api(`/api/v1/search?${new URLSearchParams({ q: 'event_code=4624 | head 3', from: '-24h' })}`)
      ).json()) as { events: { metadata: { uid: string } }[] }
    ).events.map((e) => e.metadata.uid);
    assert.equal(ids.length, 3);
    const alert = {
      id: 'a-1',
      rule: { id: 'r-1', title: 'Encoded PowerShell', level: 'high', kind: 'sigma' },
      severity: 'high',
      status: 'new',
      entities: { host: 'WS-FIN-01.corp.example.com', user: 'dave' },
      attack: { tactics: ['execution'], techniques: ['T1059.001'] },
      first_seen: Date.now() - HOUR,
      last_seen: Date.now() - 60_000,
      signal_count: 3,
      event_ids: ids,
      summary: 'powershell -enc on WS-FIN-01',
      assignee: null,
      comments: [],
      history: [],
      close_reason: null as { reason: string; note: string } | null,
    };
    const posted: { path: string; body: unknown }[] = [];
    const { context, page } = await open({ bypassCSP: true });
    await page.route(/\/api\/v1\/alerts/, async (route) => {
      const url = new URL(route.request().url());
      if (route.request().method() === 'POST') {
        const body = route.request().postDataJSON() as { reason: string; note: string };
        posted.push({ path: url.pathname, body });
        if (url.pathname.endsWith('/close'))
          Object.assign(alert, { status: 'closed', close_reason: { reason: body.reason, note: body.note } });
        return route.fulfill({ json: alert });
      }
      if (url.pathname === '/api/v1/alerts') return route.fulfill({ json: { alerts: [alert], total: 1 } });
      return route.fulfill({ json: alert });
    });
    await login(page, '#/alerts');
    await page.click('a:has-text("Encoded PowerShell")');
    await page.waitForSelector('[data-testid=alert-status]:has-text("new")');
    await page.waitForSelector('h2:has-text("Evidence")');
    await waitFor('the evidence events', async () =>
      (await page.locator('table.events tbody tr[data-event-id]').count()) === 3 ? true : undefined,
    );
    assert.ok(
      await page.locator('a[href*="timeline"]:has-text("dave")').count(),
      'entities pivot to timelines',
    );
    await page.selectOption('#alert-reason', 'false_positive');
    await page.fill('#alert-note', 'admin script');
    await page.click('button:has-text("Close alert")');
    await page.waitForSelector(
      '[data-testid=alert-status]:has-text("closed (false_positive: admin script)")',
    );
    assert.deepEqual(posted, [
      { path: '/api/v1/alerts/a-1/close', body: { reason: 'false_positive', note: 'admin script' } },
    ]);
    assert.deepEqual(await axeViolations(page), [], 'alert page');
    await page.goto(`${server.url}/#/alerts?status=`);
    await page.waitForSelector('[data-testid=alert-total]');
    assert.deepEqual(await axeViolations(page), [], 'alerts list');
    await shot(page, '05-alert-mocked-closed');
    await context.close();
  });

  test('host timeline: events in time order, findings, pivots to related entities', async () => {
    const hosts = (await (
      await api(
        `/api/v1/search?${new URLSearchParams({ q: `host=${STORY_ACTORS.victim}* | stats count() by host`, from: '-24h' })}`,
      )
    ).json()) as { rows: unknown[][] };
    const host = String(hosts.rows[0]![0]);
    const { context, page } = await open();
    await login(page, `#/timeline?kind=host&value=${encodeURIComponent(host)}`);
    await page.waitForSelector('[data-testid=timeline-count]');
    const n = Number(/^(\d+) events/.exec((await page.textContent('[data-testid=timeline-count]'))!)![1]);
    assert.equal(n, Math.min(1000, await count(`host="${host}"`, '-24h')));
    const times = await page.$$eval('table.events tbody tr[data-event-id] td:nth-child(2)', (tds) =>
      tds.map((td) => td.textContent ?? ''),
    );
    assert.deepEqual(times, [...times].sort(), 'oldest first');
    const pivot = page.locator('[data-testid=related] a').first();
    const label = (await pivot.textContent())!;
    await pivot.click();
    const value = label.split(':').slice(1).join(':').split('(')[0]!.trim();
    await page.waitForSelector(`h1:has-text(${JSON.stringify(value)})`);
    await page.waitForSelector('[data-testid=timeline-count]');
    await waitFor('the pivot to load', async () =>
      (await page.locator('text=Loading…').count()) === 0 ? true : undefined,
    );
    assert.equal(await page.inputValue('#timeline-value'), value, 'the form follows the pivot');
    await shot(page, '06-timeline');
    await context.close();
  });

  test('network map of the internal network', async () => {
    const { context, page } = await open();
    await login(page, '#/network?focus=10.0.0.0%2F8');
    await page.waitForSelector('[data-testid=netmap]');
    const nodes = await page.locator('[data-testid=netmap] .node').count();
    assert.ok(nodes >= 2, `nodes: ${nodes}`);
    assert.ok((await page.locator('[data-testid=netmap] .node.external').count()) >= 1, 'the C2 is external');
    await shot(page, '07-network');
    await context.close();
  });

  test('dashboards: built-in panels, and a panel made from a query', async () => {
    const { context, page } = await open();
    await login(page, '#/dashboards');
    await page.waitForSelector(
      '#panel-events-per-second-by-source canvas, #panel-events-per-second-by-source ~ * canvas',
    );
    await page.fill('#panel-title', 'All events');
    // The audit log grows with every API call (this test's own included): count the rest.
    await page.fill('#panel-query', 'NOT source=audit | stats count()');
    await page.selectOption('#panel-viz', 'single');
    await page.click('button:has-text("Add panel")');
    const value = await page.locator('[data-testid=single-value]').textContent();
    assert.equal(Number(value!.replace(/,/g, '')), await count('NOT source=audit', '-24h'));
    await shot(page, '08-dashboards');
    await context.close();
  });

  test('traces: waterfall of a trace, where the traces API exists', async (t) => {
    const probe = await api('/api/v1/traces?from=-24h');
    if (probe.status === 404) {
      t.skip('GET /api/v1/traces is 404: the OTLP traces API is not wired yet');
      return;
    }
    const { context, page } = await open();
    await login(page, '#/traces');
    await page.waitForSelector('h1:has-text("Traces")');
    await shot(page, '09-traces');
    await context.close();
  });

  test('trace waterfall against the specified API shape (mocked in the browser)', async () => {
    const t0 = Date.now() - 60_000;
    // The traces API's shape (src/traces/store.ts StoredSpan, TraceSummary).
    const span = (
      spanId: string,
      parentSpanId: string | null,
      startMs: number,
      ms: number,
      name: string,
    ) => ({
      traceId: 'abc123'.padEnd(32, '0'),
      spanId,
      parentSpanId,
      name,
      kind: 2,
      service: 'checkout',
      start: t0 + startMs,
      durationNs: ms * 1e6,
      statusCode: name === 'db' ? 2 : 1,
      statusMessage: '',
      depth: parentSpanId ? 1 : 0,
      attributes: {},
      events: [],
    });
    const { context, page } = await open();
    await page.route(/\/api\/v1\/traces/, (route) =>
      new URL(route.request().url()).pathname === '/api/v1/traces'
        ? route.fulfill({
            json: {
              traces: [
                {
                  traceId: 'abc123'.padEnd(32, '0'),
                  rootName: 'GET /cart',
                  rootService: 'checkout',
                  services: ['checkout'],
                  spanCount: 3,
                  start: t0,
                  durationMs: 100,
                  error: true,
                },
              ],
            },
          })
        : route.fulfill({
            json: {
              spans: [
                span('c2', 'root', 60, 30, 'db'),
                span('root', null, 0, 100, 'GET /cart'),
                span('c1', 'root', 5, 40, 'auth'),
              ],
              traceId: 'abc123'.padEnd(32, '0'),
              logs: [{ message: 'cart loaded' }],
            },
          }),
    );
    await login(page, '#/traces');
    await page.click('a:has-text("GET /cart")');
    await page.waitForSelector('.waterfall li');
    const names = await page.locator('.waterfall .span-name').allTextContents();
    assert.deepEqual(names, ['checkout: GET /cart', 'checkout: auth', 'checkout: db']);
    assert.equal(await page.locator('.waterfall li.error').count(), 1);
    assert.match((await page.textContent('pre'))!, /cart loaded/);
    await shot(page, '09-trace-mocked');
    await context.close();
  });

  test('narrow screen and accessibility: no serious or critical axe violations on the main pages', async () => {
    const pages = [
      ['search', '#/search?q=event_code%3D4625'],
      ['alerts', '#/alerts'],
      ['timeline', `#/timeline?kind=user&value=${STORY_ACTORS.user}`],
      ['network', '#/network?focus=10.0.0.0%2F8'],
      ['dashboards', '#/dashboards'],
    ] as const;
    for (const width of [1280, 375]) {
      // axe is injected as a script, which the console's CSP forbids: this context bypasses it.
      const { context, page } = await open({ width, height: width === 375 ? 740 : 800, bypassCSP: true });
      await login(page);
      for (const [name, hash] of pages) {
        await page.goto(`${server.url}/${hash}`);
        await page.waitForSelector('main h1');
        await page.waitForLoadState('networkidle');
        await page.waitForFunction(
          "![...document.querySelectorAll('[role=status]')].some((e) => e.textContent.startsWith('Loading'))",
        );
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${name} at ${width}px`);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        assert.ok(overflow <= 1, `${name} at ${width}px overflows by ${overflow}px`);
        await shot(page, `10-${name}-${width}`);
      }
      await context.close();
    }
  });
});
