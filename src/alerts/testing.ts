/** Test helpers for alerts: signals with sensible defaults, a config with defaults applied. */
import type { Signal } from '../detect/signal.js';
import { alertsConfigSchema, type AlertsConfig } from './config.js';

export function testSignal(overrides: Partial<Signal> & { key?: string } = {}): Signal {
  const { key, ...rest } = overrides;
  return {
    kind: 'sigma',
    rule: {
      id: 'rule-1',
      title: 'Suspicious PowerShell',
      level: 'medium',
      tags: ['attack.execution', 'attack.t1059.001'],
    },
    firstTime: 1_700_000_000_000,
    time: 1_700_000_000_000,
    entities: { host: 'WS01', user: 'alice' },
    eventIds: ['1'],
    attack: { tactics: ['execution'], techniques: ['T1059.001'] },
    summary: 'powershell -enc ...',
    ...rest,
    ...(key !== undefined ? { details: { ...rest.details, key } } : {}),
  };
}

export function testConfig(raw: unknown = {}): AlertsConfig {
  return alertsConfigSchema.parse(raw);
}
