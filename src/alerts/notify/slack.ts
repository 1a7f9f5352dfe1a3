/**
 * Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): `{ text, blocks }` with a
 * header, the summary, the key fields and the rate-limit summary. The URL is the secret here, so
 * it is never logged or put in an error.
 */
import { z } from 'zod';
import {
  deliverySchema,
  entityText,
  post,
  suppressedText,
  titleOf,
  type Channel,
  type Notification,
} from './channel.js';

export const slackOptionsSchema = deliverySchema
  .extend({
    type: z.literal('slack'),
    url: z.url({ protocol: /^https?$/ }).describe('The incoming-webhook URL (a secret; never logged).'),
    alert_url: z
      .string()
      .optional()
      .describe('Link base for alerts, e.g. `https://vigil.example/alerts/` (the alert id is appended).'),
  })
  .strict();

export type SlackOptions = z.infer<typeof slackOptionsSchema>;

/** Slack mrkdwn needs `&`, `<` and `>` escaped; everything else is literal. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Block {
  type: string;
  [key: string]: unknown;
}

/** The `{ text, blocks }` payload. `text` is the fallback shown in notifications. */
export function slackPayload(message: Notification, alertUrl?: string): { text: string; blocks: Block[] } {
  const title = titleOf(message);
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } }];
  const a = message.alert;
  if (a) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: slackEscape(a.summary).slice(0, 3000) } });
    const fields = [
      `*Severity*\n${a.severity}`,
      `*Rule*\n${slackEscape(a.rule.id)}`,
      `*Entities*\n${slackEscape(entityText(a.entities) || '-')}`,
      `*Signals*\n${a.signal_count} (${a.event_count} events)`,
    ];
    if (a.attack.tactics.length > 0 || a.attack.techniques.length > 0)
      fields.push(`*ATT&amp;CK*\n${slackEscape([...a.attack.tactics, ...a.attack.techniques].join(', '))}`);
    blocks.push({ type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) });
    const link = alertUrl ? ` · <${alertUrl}${encodeURIComponent(a.id)}|open>` : '';
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `alert ${a.id} · first seen ${new Date(a.first_seen).toISOString()}${link}`,
        },
      ],
    });
  }
  const held = suppressedText(message.suppressed);
  if (held) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(held) }] });
  return { text: held && !a ? held : title, blocks };
}

export class SlackChannel implements Channel {
  readonly type = 'slack';

  constructor(
    readonly name: string,
    private readonly options: SlackOptions,
  ) {}

  async send(message: Notification): Promise<void> {
    const body = JSON.stringify(slackPayload(message, this.options.alert_url));
    await post(this.name, this.options.url, body, {}, this.options.timeout_ms);
  }

  async close(): Promise<void> {}
}
