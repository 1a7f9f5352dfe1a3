/**
 * Channel types by `type`: the options schema of each (the config's single source of truth) and
 * its constructor. Adding a channel is one file and one line here.
 */
import { z } from 'zod';
import type { Channel } from './channel.js';
import { EmailChannel, emailOptionsSchema } from './email.js';
import { SlackChannel, slackOptionsSchema } from './slack.js';
import { SyslogChannel, syslogOptionsSchema } from './syslog.js';
import { WebhookChannel, webhookOptionsSchema } from './webhook.js';

export const channelOptionsSchema = z.discriminatedUnion('type', [
  webhookOptionsSchema,
  slackOptionsSchema,
  emailOptionsSchema,
  syslogOptionsSchema,
]);

export type ChannelOptions = z.infer<typeof channelOptionsSchema>;

export function createChannel(name: string, options: ChannelOptions, now: () => number = Date.now): Channel {
  switch (options.type) {
    case 'webhook':
      return new WebhookChannel(name, options, now);
    case 'slack':
      return new SlackChannel(name, options);
    case 'email':
      return new EmailChannel(name, options);
    case 'syslog':
      return new SyslogChannel(name, options, now);
  }
}
