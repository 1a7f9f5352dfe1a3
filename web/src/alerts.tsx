/**
 * Alerts inbox: list with filters (status, severity, rule, text) and grouping by rule; an alert's
 * page shows its rule, ATT&CK techniques, entities (each a pivot to its timeline), evidence events
 * (searched by id), comments and history, and the analyst's actions: acknowledge, assign, comment,
 * close with a reason, reopen.
 */
import { useState } from 'preact/hooks';
import { getJson, hasPermission, postJson, search } from './api';
import { EventTable, Notice, Scroll } from './components';
import { useAsync } from './hooks';
import { href, navigate, type Route } from './router';
import { formatTime } from './timerange';

export interface Alert {
  id: string;
  rule: { id: string; title: string; level: string; kind: string };
  severity: string;
  status: string;
  entities: Record<string, string>;
  attack: { tactics: string[]; techniques: string[] };
  first_seen: number | string;
  last_seen: number | string;
  signal_count: number;
  event_ids: string[];
  summary: string;
  assignee?: string | null;
  comments?: { by?: string; author?: string; text: string; at?: number | string }[];
  history?: { action?: string; by?: string; at?: number | string; [k: string]: unknown }[];
  /** `{reason, note}` from the alerts API; a bare reason in the first specification. */
  close_reason?: { reason: string; note?: string } | string | null;
}

export const CLOSE_REASONS = ['true_positive', 'false_positive', 'benign', 'duplicate', 'other'] as const;
/** Status filters: the API takes a comma list; "open" is everything not closed. */
const STATUSES: readonly [string, string][] = [
  ['new,acknowledged', 'open'],
  ['new', 'new'],
  ['acknowledged', 'acknowledged'],
  ['closed', 'closed'],
  ['', 'any'],
];

function closeReason(a: Alert): string {
  const r = a.close_reason;
  if (!r) return '';
  return typeof r === 'string' ? r : `${r.reason}${r.note ? `: ${r.note}` : ''}`;
}
const SEVERITIES = ['', 'informational', 'low', 'medium', 'high', 'critical'];

function when(t: number | string | undefined): string {
  if (t === undefined || t === null) return '';
  return formatTime(typeof t === 'number' ? t : Date.parse(t));
}

/** The timeline kind of an entity key (host, user, ip, process), if it has one. */
export function entityKind(key: string): string | undefined {
  if (/host/i.test(key)) return 'host';
  if (/user/i.test(key)) return 'user';
  if (/ip$|_ip|address/i.test(key)) return 'ip';
  if (/process|image/i.test(key)) return 'process';
  return undefined;
}

export function EntityLinks({ entities }: { entities: Record<string, string> }) {
  return (
    <ul class="chips">
      {Object.entries(entities).map(([k, v]) => {
        const kind = entityKind(k);
        return (
          <li key={k}>
            {kind ? (
              <a href={href('timeline', { kind, value: v })} title={`Timeline of ${k} ${v}`}>
                {k}: {v}
              </a>
            ) : (
              `${k}: ${v}`
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function AlertsPage({ route }: { route: Route }) {
  const id = route.path[1];
  return id ? <AlertDetail id={id} /> : <AlertList route={route} />;
}

function AlertList({ route }: { route: Route }) {
  const p = route.params;
  const filters = {
    status: p.get('status') ?? 'new,acknowledged',
    severity: p.get('severity') ?? '',
    rule: p.get('rule') ?? '',
    q: p.get('q') ?? '',
    group_by: p.get('group_by') ?? '',
  };
  const [text, setText] = useState(filters.q);
  const set = (change: Partial<typeof filters>) => navigate('alerts', { ...filters, ...change });
  const list = useAsync(
    // Grouping is done here, over the listed alerts, so the list keeps one shape.
    () =>
      getJson<{ alerts: Alert[]; total: number }>('/api/v1/alerts', {
        ...filters,
        group_by: undefined,
        limit: 200,
      }),
    [JSON.stringify(filters)],
  );
  const alerts = list.data?.alerts ?? [];
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) {
    const key = filters.group_by === 'rule' ? a.rule.title : '';
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: text });
        }}
      >
        <label for="alerts-status">Status</label>
        <select
          id="alerts-status"
          value={filters.status}
          onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}
        >
          {STATUSES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <label for="alerts-severity">Severity</label>
        <select
          id="alerts-severity"
          value={filters.severity}
          onChange={(e) => set({ severity: (e.target as HTMLSelectElement).value })}
        >
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
        <label for="alerts-q">Text</label>
        <input id="alerts-q" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <label class="inline">
          <input
            type="checkbox"
            checked={filters.group_by === 'rule'}
            onChange={(e) => set({ group_by: (e.target as HTMLInputElement).checked ? 'rule' : '' })}
          />{' '}
          Group by rule
        </label>
        <button type="submit">Filter</button>
      </form>
      <Notice error={list.error} />
      {list.data && (
        <p role="status" data-testid="alert-total">
          {list.data.total} {list.data.total === 1 ? 'alert' : 'alerts'}
        </p>
      )}
      {[...groups].map(([group, items]) => (
        <div key={group}>
          {group && (
            <h2>
              {group} ({items.length})
            </h2>
          )}
          <Scroll label={group ? `Alerts of ${group}` : 'Alerts'}>
            <table class="alerts">
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Status</th>
                  <th scope="col">Entities</th>
                  <th scope="col">ATT&amp;CK</th>
                  <th scope="col">Last seen (UTC)</th>
                  <th scope="col">Signals</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <span class={`sev sev-${a.severity}`}>{a.severity}</span>
                    </td>
                    <td>
                      <a href={href(`alerts/${encodeURIComponent(a.id)}`)}>{a.rule.title}</a>
                      <div class="muted">{a.summary}</div>
                    </td>
                    <td>{a.status}</td>
                    <td>
                      {Object.entries(a.entities)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(', ')}
                    </td>
                    <td>{a.attack.techniques.join(', ')}</td>
                    <td class="nowrap">{when(a.last_seen)}</td>
                    <td>{a.signal_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </div>
      ))}
    </section>
  );
}

function AlertDetail({ id }: { id: string }) {
  const alert = useAsync(() => getJson<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}`), [id]);
  const a = alert.data;
  const evidence = useAsync(
    async () =>
      a && a.event_ids.length > 0
        ? search(
            `id IN (${a.event_ids.slice(0, 500).map(Number).filter(Number.isFinite).join(', ')}) | sort time`,
            {},
            500,
          )
        : undefined,
    [a?.event_ids.join(',')],
  );
  const [actionError, setActionError] = useState<unknown>();
  const [assignee, setAssignee] = useState('');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState<string>('true_positive');
  const [note, setNote] = useState('');
  const act = async (action: string, body: unknown = {}) => {
    try {
      await postJson(`/api/v1/alerts/${encodeURIComponent(id)}/${action}`, body);
      setActionError(undefined);
      alert.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <section aria-labelledby="alert-title">
      <p>
        <a href={href('alerts')}>← All alerts</a>
      </p>
      <Notice error={alert.error} />
      {a && (
        <>
          <h1 id="alert-title">{a.rule.title}</h1>
          <dl class="facts">
            <dt>Status</dt>
            <dd data-testid="alert-status">
              {a.status}
              {a.close_reason ? ` (${closeReason(a)})` : ''}
            </dd>
            <dt>Severity</dt>
            <dd>
              <span class={`sev sev-${a.severity}`}>{a.severity}</span>
            </dd>
            <dt>Rule</dt>
            <dd>
              {a.rule.title}{' '}
              <span class="muted">
                ({a.rule.kind}, {a.rule.id})
              </span>
            </dd>
            <dt>ATT&amp;CK</dt>
            <dd>
              {a.attack.tactics.join(', ')}{' '}
              {a.attack.techniques.map((t) => (
                <a
                  key={t}
                  href={`https://attack.mitre.org/techniques/${t.replace('.', '/')}/`}
                  rel="noreferrer"
                  target="_blank"
                >
                  {t}
                </a>
              ))}
            </dd>
            <dt>Seen</dt>
            <dd>
              {when(a.first_seen)} – {when(a.last_seen)} ({a.signal_count} signals)
            </dd>
            <dt>Assignee</dt>
            <dd>{a.assignee ?? 'nobody'}</dd>
            <dt>Summary</dt>
            <dd>{a.summary}</dd>
          </dl>
          <h2>Entities</h2>
          <EntityLinks entities={a.entities} />
          <h2>Actions</h2>
          <Notice error={actionError} />
          {!hasPermission('alerts:write') && (
            <p class="muted">Your role may read alerts but not change them.</p>
          )}
          <div class="actions" hidden={!hasPermission('alerts:write')}>
            <button
              type="button"
              onClick={() => void act('ack')}
              disabled={a.status !== 'new' && a.status !== 'open'}
            >
              Acknowledge
            </button>
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void act('assign', { assignee });
              }}
            >
              <label for="alert-assignee">Assignee</label>
              <input
                id="alert-assignee"
                value={assignee}
                onInput={(e) => setAssignee((e.target as HTMLInputElement).value)}
              />
              <button type="submit" disabled={!assignee.trim()}>
                Assign
              </button>
            </form>
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void act('comment', { text: comment }).then(() => setComment(''));
              }}
            >
              <label for="alert-comment">Comment</label>
              <textarea
                id="alert-comment"
                rows={2}
                value={comment}
                onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
              />
              <button type="submit" disabled={!comment.trim()}>
                Add comment
              </button>
            </form>
            {a.status === 'closed' ? (
              <button type="button" onClick={() => void act('reopen')}>
                Reopen
              </button>
            ) : (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act('close', { reason, note });
                }}
              >
                <label for="alert-reason">Close reason</label>
                <select
                  id="alert-reason"
                  value={reason}
                  onChange={(e) => setReason((e.target as HTMLSelectElement).value)}
                >
                  {CLOSE_REASONS.map((r) => (
                    <option key={r} value={r}>
                      {r.replace('_', ' ')}
                    </option>
                  ))}
                </select>
                <label for="alert-note">Note</label>
                <input
                  id="alert-note"
                  value={note}
                  onInput={(e) => setNote((e.target as HTMLInputElement).value)}
                />
                <button type="submit">Close alert</button>
              </form>
            )}
          </div>
          <h2>Comments</h2>
          <ul class="comments">
            {(a.comments ?? []).map((c, i) => (
              <li key={i}>
                <strong>{c.by ?? c.author ?? 'someone'}</strong> <span class="muted">{when(c.at)}</span>:{' '}
                {c.text}
              </li>
            ))}
          </ul>
          <h2>Evidence ({a.event_ids.length} events)</h2>
          <Notice error={evidence.error} />
          {evidence.data?.kind === 'events' && (
            <EventTable events={evidence.data.events} label="Evidence events" />
          )}
          <details>
            <summary>History</summary>
            <ul>
              {(a.history ?? []).map((h, i) => (
                <li key={i}>
                  {when(h.at)} {h.action} {h.by ? `by ${h.by}` : ''}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
