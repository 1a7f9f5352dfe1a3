/**
 * The contract of a notification channel (webhook, Slack, email, syslog/CEF) and what they share:
 * the message (an alert event plus the summary of what the rate limit held back), the delivery
 * options every channel has (rate limit, retries), the transient/permanent failure distinction the
 * dispatcher retries on, and plain-text rendering. Channels never put secrets in errors or logs.
 */
import { z } from 'zod';
import type { Alert } from '../model.js';

/** What the rate limit held back since the last message that went out on a channel. */
export interface Suppressed {
  count: number;
  /** Wall-clock ms of the first held-back message. */
  since: number;
  /** Held-back messages by rule id. */
  rules: Record<string, number>;
}

export interface Notification {
  /** `created`: a new alert; `escalated`: its severity rose; `summary`: only the held-back count. */
  event: 'created' | 'escalated' | 'summary';
  alert?: Alert;
  suppressed?: Suppressed;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  /** Deliver once; throws DeliveryError (transient ones are retried by the dispatcher). */
  send(message: Notification): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery. `transient`: worth retrying (network, timeout, 429, 5xx). */
export class DeliveryError extends Error {
  constructor(
    readonly channel: string,
    message: string,
    readonly transient: boolean,
  ) {
    super(`channel ${channel}: ${message}`);
    this.name = 'DeliveryError';
  }
}

export const deliverySchema = z
  .object({
    rate_limit: z
      .object({
        per_minute: z.number().positive().default(30).describe('Messages per minute, sustained.'),
        burst: z.number().int().positive().default(10).describe('Messages that may go out at once.'),
      })
      .strict()
      .default({ per_minute: 30, burst: 10 })
      .describe(
        'Token bucket; messages beyond it are counted and summarized in the next message, never lost silently.',
      ),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).default(5).describe('Tries in all, the first included.'),
        initial_ms: z.number().int().nonnegative().default(1000).describe('First backoff.'),
        max_ms: z.number().int().positive().default(60_000).describe('Longest backoff.'),
      })
      .strict()
      .default({ attempts: 5, initial_ms: 1000, max_ms: 60_000 })
      .describe('Retries of transient failures, exponential backoff with full jitter.'),
    timeout_ms: z.number().int().positive().default(10_000).describe('Time limit of one attempt.'),
  })
  .strict();

export type DeliveryOptions = z.infer<typeof deliverySchema>;

/** `DC01 / alice`-style rendering of an alert's entities. */
export function entityText(entities: Record<string, string>): string {
  return Object.entries(entities)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** A one-line title: `[HIGH] Rule title (host=WS01 user=alice)`. */
export function titleOf(message: Notification): string {
  const a = message.alert;
  if (!a) return `Vigil: ${message.suppressed?.count ?? 0} alert notifications held back by the rate limit`;
  const entities = entityText(a.entities);
  return `[${a.severity.toUpperCase()}]${message.event === 'escalated' ? ' escalated:' : ''} ${a.rule.title}${entities ? ` (${entities})` : ''}`;
}

/** The held-back summary as one line, or '' when nothing was held back. */
export function suppressedText(s: Suppressed | undefined): string {
  if (!s || s.count === 0) return '';
  const top = Object.entries(s.rules)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([rule, n]) => `${rule} ×${n}`)
    .join(', ');
  return `${s.count} more notification(s) held back by the rate limit since ${new Date(s.since).toISOString()}${top ? `: ${top}` : ''}`;
}

/** The message as plain text (email body, logs). */
export function plainText(message: Notification): string {
  const lines: string[] = [titleOf(message)];
  const a = message.alert;
  if (a) {
    lines.push(
      '',
      a.summary,
      '',
      `Alert:      ${a.id}`,
      `Rule:       ${a.rule.id} (${a.rule.kind}, ${a.rule.level})`,
      `Severity:   ${a.severity}`,
      `Status:     ${a.status}`,
      `Entities:   ${entityText(a.entities) || '-'}`,
      `Tactics:    ${a.attack.tactics.join(', ') || '-'}`,
      `Techniques: ${a.attack.techniques.join(', ') || '-'}`,
      `First seen: ${new Date(a.first_seen).toISOString()}`,
      `Last seen:  ${new Date(a.last_seen).toISOString()}`,
      `Signals:    ${a.signal_count}, events: ${a.event_count}`,
    );
  }
  const held = suppressedText(message.suppressed);
  if (held) lines.push('', held);
  return lines.join('\n') + '\n';
}

/** POST a body; maps answers and network failures to DeliveryError. Never mentions the URL. */
export async function post(
  channel: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    throw new DeliveryError(channel, `request failed: ${e.cause?.code ?? e.name}`, true);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const transient = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new DeliveryError(channel, `HTTP ${response.status}`, transient);
}
