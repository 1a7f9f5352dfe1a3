/**
 * `vigil alerts list|show|ack|assign|comment|close|reopen`: the alert queue from the terminal.
 * Alerts live in the running server (its journal is written by one process), so these commands
 * talk to the `vigil serve` of the data directory through its API with the local CLI token.
 */
import { Option, type Command } from 'commander';
import type { Alert } from '../alerts/model.js';
import { CLOSE_REASONS } from '../alerts/model.js';
import { CliError, Exit } from './exit.js';
import { apiCall, runningServer } from './local.js';
import { formatResult } from './output.js';

const defaultDataDir = () => process.env.VIGIL_DATA_DIR ?? 'vigil-data';

function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR)').default(
    defaultDataDir(),
    defaultDataDir(),
  );
}

/** Call the alerts API; the parsed JSON answer, or a CliError with the server's message. */
async function call<T>(dataDir: string, path: string, body?: unknown): Promise<T> {
  const server = runningServer(dataDir);
  if (!server) throw new CliError(`no running \`vigil serve\` for ${dataDir}: alerts are kept by the server`);
  const response = await apiCall(
    server,
    path,
    body === undefined
      ? {}
      : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
  );
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from the server (${response.status}): ${text.slice(0, 200)}`);
  }
  if (!response.ok)
    throw new CliError(
      (parsed as { message?: string }).message ?? `request failed (${response.status})`,
      response.status === 400 || response.status === 404 || response.status === 409
        ? Exit.Usage
        : Exit.Failure,
    );
  return parsed as T;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Alerts as a table. */
export function alertTable(alerts: Alert[]): string {
  return formatResult(
    {
      kind: 'table',
      columns: ['id', 'severity', 'status', 'rule', 'entities', 'signals', 'last_seen', 'assignee'],
      rows: alerts.map((a) => [
        a.id,
        a.severity,
        a.status,
        a.rule.title,
        Object.entries(a.entities)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        a.signal_count,
        iso(a.last_seen),
        a.assignee ?? '',
      ]),
      elapsedMs: 0,
    },
    'table',
  );
}

/** One alert in full, for `vigil alerts show`. */
export function alertDetail(a: Alert): string {
  const lines = [
    `${a.id}  [${a.severity.toUpperCase()}] ${a.rule.title}`,
    `status:     ${a.status}${a.close_reason ? ` (${a.close_reason.reason}${a.close_reason.note ? `: ${a.close_reason.note}` : ''})` : ''}`,
    `assignee:   ${a.assignee ?? '-'}`,
    `rule:       ${a.rule.id} (${a.rule.kind}, ${a.rule.level})`,
    `entities:   ${
      Object.entries(a.entities)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-'
    }`,
    `att&ck:     ${[...a.attack.tactics, ...a.attack.techniques].join(', ') || '-'}`,
    `seen:       ${iso(a.first_seen)} – ${iso(a.last_seen)}, ${a.signal_count} signal(s), ${a.event_count} event(s)`,
    `summary:    ${a.summary}`,
    `events:     ${a.event_ids.slice(0, 20).join(' ')}${a.event_count > 20 ? ` … (${a.event_count} in all)` : ''}`,
  ];
  if (a.comments.length > 0) {
    lines.push('comments:');
    for (const c of a.comments) lines.push(`  ${iso(c.at)} ${c.by}: ${c.text}`);
  }
  lines.push('history:');
  for (const h of a.history)
    lines.push(
      `  ${iso(h.at)} ${h.by} ${h.action}${h.from !== undefined || h.to !== undefined ? ` ${h.from ?? ''} → ${h.to ?? ''}` : ''}`,
    );
  return lines.join('\n') + '\n';
}

function output(format: string, value: unknown, text: () => string): void {
  process.stdout.write(format === 'json' ? JSON.stringify(value, null, 2) + '\n' : text());
}

function formatOption(): Option {
  return new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table');
}

export function registerAlertCommands(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('The alert queue of the running server: list, inspect, triage.');

  alerts
    .command('list')
    .description('List alerts, newest activity first.')
    .option('--status <status>', 'new, acknowledged, closed (comma-separated)')
    .option('--severity <severity>', 'informational, low, medium, high, critical (comma-separated)')
    .option('--rule <glob>', 'rule id glob')
    .option('--entity <entity>', 'name=value, or a value any entity has')
    .option('-q, --query <text>', 'text in title, summary, entities or comments')
    .option('--limit <n>', 'most alerts to show', '50')
    .addOption(formatOption())
    .addOption(dataDirOption())
    .action(
      async (opts: {
        status?: string;
        severity?: string;
        rule?: string;
        entity?: string;
        query?: string;
        limit: string;
        format: string;
        dataDir: string;
      }) => {
        const params = new URLSearchParams({ limit: opts.limit });
        if (opts.status) params.set('status', opts.status);
        if (opts.severity) params.set('severity', opts.severity);
        if (opts.rule) params.set('rule', opts.rule);
        if (opts.entity) params.set('entity', opts.entity);
        if (opts.query) params.set('q', opts.query);
        const answer = await call<{ total: number; alerts: Alert[] }>(
          opts.dataDir,
          `/api/v1/alerts?${params}`,
        );
        output(opts.format, answer, () =>
          answer.total === 0
            ? 'no alerts\n'
            : `${alertTable(answer.alerts)}${answer.total > answer.alerts.length ? `(${answer.alerts.length} of ${answer.total} shown)\n` : ''}`,
        );
      },
    );

  alerts
    .command('show')
    .description('One alert with its evidence ids, comments and history.')
    .argument('<id>', 'alert id')
    .addOption(formatOption())
    .addOption(dataDirOption())
    .action(async (id: string, opts: { format: string; dataDir: string }) => {
      const alert = await call<Alert>(opts.dataDir, `/api/v1/alerts/${encodeURIComponent(id)}`);
      output(opts.format, alert, () => alertDetail(alert));
    });

  const change = (name: string, description: string) =>
    alerts
      .command(name)
      .description(description)
      .argument('<id>', 'alert id')
      .addOption(formatOption())
      .addOption(dataDirOption());

  const act = async (
    id: string,
    action: string,
    payload: unknown,
    opts: { format: string; dataDir: string },
  ) => {
    const alert = await call<Alert>(
      opts.dataDir,
      `/api/v1/alerts/${encodeURIComponent(id)}/${action}`,
      payload,
    );
    output(
      opts.format,
      alert,
      () => `${alert.id}: ${alert.status}${alert.assignee ? `, assigned to ${alert.assignee}` : ''}\n`,
    );
  };

  change('ack', 'Acknowledge an alert (new → acknowledged).').action(
    (id: string, opts: { format: string; dataDir: string }) => act(id, 'ack', {}, opts),
  );
  change('reopen', 'Reopen a closed alert.').action((id: string, opts: { format: string; dataDir: string }) =>
    act(id, 'reopen', {}, opts),
  );
  change('assign', 'Assign an alert to someone ("" unassigns).')
    .requiredOption('--to <assignee>', 'who owns it')
    .action((id: string, opts: { to: string; format: string; dataDir: string }) =>
      act(id, 'assign', { assignee: opts.to }, opts),
    );
  change('comment', 'Add a comment to an alert.')
    .requiredOption('-m, --message <text>', 'the comment')
    .action((id: string, opts: { message: string; format: string; dataDir: string }) =>
      act(id, 'comment', { text: opts.message }, opts),
    );
  change('close', 'Close an alert with a reason.')
    .addOption(new Option('--reason <reason>', 'why').choices([...CLOSE_REASONS]).makeOptionMandatory())
    .option('--note <text>', 'free text', '')
    .action((id: string, opts: { reason: string; note: string; format: string; dataDir: string }) =>
      act(id, 'close', { reason: opts.reason, note: opts.note }, opts),
    );
}
