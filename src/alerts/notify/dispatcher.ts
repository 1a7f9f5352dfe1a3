/**
 * Routing and delivery of alert notifications. A route sends the alerts it matches (matcher of
 * match.ts) to its channels. Each channel has a token bucket: messages beyond it are counted and
 * the count (by rule) rides along with the next message that goes out, or with a summary message
 * once tokens are back (`flushHeldBack`), so nothing is lost silently. Each channel delivers in
 * order, one message at a time, retrying transient failures with exponential backoff and full
 * jitter; final failures are counted and logged without the message's secrets.
 */
import type { Logger } from '../../telemetry/log.js';
import { compileMatch, type Matcher, type MatchOptions } from '../match.js';
import type { Alert } from '../model.js';
import {
  DeliveryError,
  type Channel,
  type DeliveryOptions,
  type Notification,
  type Suppressed,
} from './channel.js';
import { TokenBucket } from './ratelimit.js';

export interface RouteOptions {
  name?: string;
  match: MatchOptions;
  channels: string[];
  events: ('created' | 'escalated')[];
}

export interface ChannelStats {
  sent: number;
  failed: number;
  retried: number;
  rate_limited: number;
  queued: number;
}

interface ChannelState {
  channel: Channel;
  delivery: DeliveryOptions;
  bucket: TokenBucket;
  held: Suppressed;
  stats: ChannelStats;
  /** The tail of this channel's delivery chain. */
  tail: Promise<void>;
}

export interface DispatcherOptions {
  log: Logger;
  now?: () => number;
  /** Waits between retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Most messages waiting on one channel; beyond, they are held back (counted). */
  maxQueue?: number;
}

/** Backoff before retry `attempt` (1-based): full jitter over min(max, initial·2^(attempt-1)). */
export function backoffMs(delivery: DeliveryOptions, attempt: number, random: () => number): number {
  const ceiling = Math.min(delivery.retry.max_ms, delivery.retry.initial_ms * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export class Dispatcher {
  private readonly channels = new Map<string, ChannelState>();
  private readonly routes: { options: RouteOptions; match: Matcher }[];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxQueue: number;

  constructor(
    channels: Map<string, { channel: Channel; delivery: DeliveryOptions }>,
    routes: RouteOptions[],
    private readonly options: DispatcherOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.random = options.random ?? Math.random;
    this.maxQueue = options.maxQueue ?? 1000;
    for (const [name, { channel, delivery }] of channels)
      this.channels.set(name, {
        channel,
        delivery,
        bucket: new TokenBucket(delivery.rate_limit.per_minute, delivery.rate_limit.burst, this.now),
        held: { count: 0, since: 0, rules: {} },
        stats: { sent: 0, failed: 0, retried: 0, rate_limited: 0, queued: 0 },
        tail: Promise.resolve(),
      });
    for (const r of routes)
      for (const c of r.channels)
        if (!this.channels.has(c))
          throw new Error(`alerts route ${r.name ?? '(unnamed)'}: unknown channel '${c}'`);
    this.routes = routes.map((options) => ({ options, match: compileMatch(options.match) }));
  }

  /** Channel names the routes send this alert event to. */
  targets(alert: Alert, event: 'created' | 'escalated'): string[] {
    const subject = {
      ruleId: alert.rule.id,
      severity: alert.severity,
      tags: alert.rule.tags,
      tactics: alert.attack.tactics,
      entities: alert.entities,
    };
    const names = new Set<string>();
    for (const r of this.routes)
      if (r.options.events.includes(event) && r.match(subject))
        for (const c of r.options.channels) names.add(c);
    return [...names];
  }

  /** Route an alert event; delivery happens in the background (see `drain`). */
  notify(alert: Alert, event: 'created' | 'escalated'): void {
    const targets = this.targets(alert, event);
    if (targets.length === 0) return;
    const snapshot = structuredClone(alert);
    for (const name of targets) {
      const state = this.channels.get(name)!;
      if (state.stats.queued >= this.maxQueue || !state.bucket.take()) {
        this.holdBack(state, alert.rule.id, 1);
        continue;
      }
      this.enqueue(state, { event, alert: snapshot });
    }
  }

  /** Send a summary on every channel that held messages back and has a token again. */
  flushHeldBack(): void {
    for (const state of this.channels.values())
      if (state.held.count > 0 && state.stats.queued < this.maxQueue && state.bucket.take())
        this.enqueue(state, { event: 'summary' });
  }

  private holdBack(state: ChannelState, rule: string, n: number): void {
    if (state.held.count === 0) state.held.since = this.now();
    state.held.count += n;
    state.held.rules[rule] = (state.held.rules[rule] ?? 0) + n;
    state.stats.rate_limited += n;
  }

  private restoreHeldBack(state: ChannelState, held: Suppressed): void {
    if (state.held.count === 0) state.held.since = held.since;
    else state.held.since = Math.min(state.held.since, held.since);
    state.held.count += held.count;
    for (const [rule, n] of Object.entries(held.rules))
      state.held.rules[rule] = (state.held.rules[rule] ?? 0) + n;
  }

  private enqueue(state: ChannelState, message: Notification): void {
    if (state.held.count > 0) {
      message.suppressed = state.held;
      state.held = { count: 0, since: 0, rules: {} };
    }
    state.stats.queued++;
    state.tail = state.tail.then(() => this.deliver(state, message));
  }

  private async deliver(state: ChannelState, message: Notification): Promise<void> {
    const { retry } = state.delivery;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await state.channel.send(message);
          state.stats.sent++;
          return;
        } catch (error) {
          const transient = !(error instanceof DeliveryError) || error.transient;
          if (!transient || attempt >= retry.attempts) {
            state.stats.failed++;
            // The held-back count it carried is not lost: it goes with the next message.
            if (message.suppressed) this.restoreHeldBack(state, message.suppressed);
            this.options.log.warn(
              {
                channel: state.channel.name,
                type: state.channel.type,
                alert: message.alert?.id,
                attempts: attempt,
              },
              `alert notification failed: ${(error as Error).message}`,
            );
            return;
          }
          state.stats.retried++;
          await this.sleep(backoffMs(state.delivery, attempt, this.random));
        }
      }
    } finally {
      state.stats.queued--;
    }
  }

  /** Per-channel counters. */
  stats(): Record<string, ChannelStats> {
    return Object.fromEntries([...this.channels].map(([name, s]) => [name, { ...s.stats }]));
  }

  /** Wait until every queued message is delivered or has failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.channels.values()].map((s) => s.tail));
  }

  async close(): Promise<void> {
    await this.drain();
    await Promise.all([...this.channels.values()].map((s) => s.channel.close()));
  }
}
