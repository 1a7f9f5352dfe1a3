/**
 * Playbooks: automated responses to alerts. A playbook matches alerts (match.ts, as routes do) and
 * runs its actions in order, once per alert (when it is created, or when an escalation first makes
 * it match): `webhook` POSTs the alert JSON, signed like webhook channels; `blocklist` adds the
 * values of the named entities to a plain-text blocklist (blocklist.ts). Every action's outcome,
 * success or failure, is recorded in the alert's history by `playbook:<name>`.
 */
import type { Logger } from '../telemetry/log.js';
import { Blocklist, indicatorOf } from './blocklist.js';
import { durationMs, type PlaybookAction, type PlaybookOptions } from './config.js';
import { compileMatch, globRegExp, type Matcher } from './match.js';
import type { Alert } from './model.js';
import { DeliveryError, post } from './notify/channel.js';
import { signedHeaders } from './notify/webhook.js';

export interface PlaybookDeps {
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Record an action's outcome in the alert's history (journaled). */
  record: (alertId: string, by: string, action: string, result: string) => Promise<void>;
}

export class PlaybookRunner {
  private readonly playbooks: { options: PlaybookOptions; match: Matcher }[];
  private readonly blocklists = new Map<string, Blocklist>();
  private readonly running = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    playbooks: PlaybookOptions[],
    private readonly deps: PlaybookDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.playbooks = playbooks.map((options) => ({ options, match: compileMatch(options.match) }));
    for (const p of playbooks)
      for (const a of p.actions)
        if (a.type === 'blocklist' && !this.blocklists.has(a.file))
          this.blocklists.set(a.file, new Blocklist(a.file, this.now));
  }

  /** Start the playbooks this alert matches and has not run yet (in the background; see drain). */
  run(alert: Alert): void {
    const subject = {
      ruleId: alert.rule.id,
      severity: alert.severity,
      tags: alert.rule.tags,
      tactics: alert.attack.tactics,
      entities: alert.entities,
    };
    for (const { options, match } of this.playbooks) {
      const by = `playbook:${options.name}`;
      const runKey = `${alert.id}\u0000${options.name}`;
      if (this.running.has(runKey) || alert.history.some((h) => h.by === by) || !match(subject)) continue;
      this.running.add(runKey);
      const snapshot = structuredClone(alert);
      const work = this.execute(options, snapshot, by)
        .catch((error: Error) =>
          this.deps.log.error({ alert: alert.id, playbook: options.name, err: error }, 'playbook failed'),
        )
        .finally(() => {
          this.running.delete(runKey);
          this.pending.delete(work);
        });
      this.pending.add(work);
    }
  }

  private async execute(playbook: PlaybookOptions, alert: Alert, by: string): Promise<void> {
    for (const action of playbook.actions) {
      const outcomes = await this.act(action, alert);
      for (const result of outcomes) await this.deps.record(alert.id, by, `playbook.${action.type}`, result);
    }
  }

  /** Run one action; the outcome lines for the history (errors included, never secrets). */
  private async act(action: PlaybookAction, alert: Alert): Promise<string[]> {
    if (action.type === 'webhook') {
      const body = JSON.stringify({ type: 'vigil.alert.playbook', alert });
      for (let attempt = 1; ; attempt++) {
        try {
          await post(
            'playbook webhook',
            action.url,
            body,
            signedHeaders(action.secret, body, this.now()),
            action.timeout_ms,
          );
          return [`webhook delivered to ${new URL(action.url).host}`];
        } catch (error) {
          const transient = error instanceof DeliveryError && error.transient;
          if (!transient || attempt >= action.attempts)
            return [`failed: ${(error as Error).message} (after ${attempt} attempt(s))`];
          await this.sleep(500 * 2 ** (attempt - 1));
        }
      }
    }
    const list = this.blocklists.get(action.file)!;
    const exclude = action.exclude.map(globRegExp);
    const ttl = action.ttl !== undefined ? durationMs(action.ttl) : undefined;
    const outcomes: string[] = [];
    for (const name of action.entities) {
      const value = alert.entities[name];
      if (value === undefined) continue;
      const checked = indicatorOf(name, value);
      if (!checked.ok) {
        outcomes.push(`not listed: ${checked.reason}`);
        continue;
      }
      if (exclude.some((re) => re.test(checked.indicator))) {
        outcomes.push(`not listed: ${checked.indicator} is excluded`);
        continue;
      }
      try {
        const { added, expires } = await list.add(checked.indicator, ttl);
        const until = expires === null ? '' : ` until ${new Date(expires).toISOString()}`;
        outcomes.push(`${added ? 'added' : 'already listed'} ${checked.indicator} to ${action.file}${until}`);
      } catch (error) {
        outcomes.push(`failed to list ${checked.indicator} in ${action.file}: ${(error as Error).message}`);
      }
    }
    if (outcomes.length === 0)
      outcomes.push(`nothing to list: the alert has none of ${action.entities.join(', ')}`);
    return outcomes;
  }

  /** Drop expired indicators from every blocklist. */
  async prune(): Promise<void> {
    for (const list of this.blocklists.values())
      await list
        .prune()
        .catch((error: Error) =>
          this.deps.log.warn({ file: list.file, err: error }, 'blocklist prune failed'),
        );
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
