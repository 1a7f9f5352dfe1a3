/**
 * Helpers for the stateful detectors' tests: telemetry records in the shapes real senders write
 * (Windows events in evtx_dump's JSON layout, Zeek conn JSON, CloudTrail records), run through the
 * real parse → normalize path, given store ids, and fed to a DetectionEngine batch by batch.
 */
import type { StoreInput } from '../../store/duckdb.js';
import { processRecord } from '../../pipeline/process.js';
import type { DetectionEngine, EngineOutput } from '../engine.js';
import type { Signal } from '../signal.js';

const XMLNS = 'http://schemas.microsoft.com/win/2004/08/events/event';
const PROVIDERS: Readonly<Record<string, string>> = {
  Security: 'Microsoft-Windows-Security-Auditing',
  System: 'Microsoft-Windows-Eventlog',
  'Microsoft-Windows-Sysmon/Operational': 'Microsoft-Windows-Sysmon',
};

let record = 1000;

/** A Windows event as evtx_dump writes it (JSON). */
export function windowsEvent(o: {
  time: number;
  channel: string;
  eventId: number;
  computer: string;
  data: Record<string, unknown>;
}): string {
  return JSON.stringify({
    Event: {
      '#attributes': { xmlns: XMLNS },
      System: {
        Provider: { '#attributes': { Name: PROVIDERS[o.channel] ?? o.channel } },
        EventID: o.eventId,
        Level: 4,
        TimeCreated: { '#attributes': { SystemTime: new Date(o.time).toISOString() } },
        EventRecordID: record++,
        Channel: o.channel,
        Computer: o.computer,
      },
      EventData: o.data,
    },
  });
}

/** A Zeek conn.log record (JSON streaming output). */
export function zeekConn(o: { time: number; orig: string; resp: string; port: number }): string {
  return JSON.stringify({
    ts: o.time / 1000,
    uid: `C${(record++).toString(36)}x`,
    'id.orig_h': o.orig,
    'id.orig_p': 49152 + (record % 1000),
    'id.resp_h': o.resp,
    'id.resp_p': o.port,
    proto: 'tcp',
    service: 'ssl',
    conn_state: 'SF',
    duration: 1.5,
    orig_bytes: 900,
    resp_bytes: 4200,
  });
}

/** A CloudTrail record. */
export function cloudTrail(o: {
  time: number;
  eventName: string;
  eventSource: string;
  user: string;
}): string {
  return JSON.stringify({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', userName: o.user, arn: `arn:aws:iam::123456789012:user/${o.user}` },
    eventTime: new Date(o.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: o.eventSource,
    eventName: o.eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { name: 'org-trail' },
    eventID: `e-${record++}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '123456789012',
  });
}

/** Feeds records to an engine like the store does: ids in order, one batch per call. */
export class Scenario {
  readonly signals: Signal[] = [];

  /** `nextId`: the store id the next record gets (after a restore: the one after the watermark). */
  constructor(
    public engine: DetectionEngine,
    private nextId = 1,
  ) {}

  /** One record → a stored input (parsed, normalized, id assigned). Throws when it is rejected. */
  input(text: string): StoreInput {
    const outcome = processRecord({ text, position: 'test' }, { source: 'test', receivedAt: 1 });
    if (!outcome.ok) throw new Error(`rejected: ${outcome.error.message}`);
    outcome.event.metadata.uid = String(this.nextId++);
    return { event: outcome.event, source: 'test', format: outcome.format, fields: outcome.fields };
  }

  /** A batch of records; returns their ids and what the engine made of them. */
  run(texts: readonly string[]): EngineOutput & { ids: string[] } {
    const inputs = texts.map((t) => this.input(t));
    const out = this.engine.process(inputs);
    this.signals.push(...out.signals);
    return { ...out, ids: inputs.map((i) => i.event.metadata.uid!) };
  }

  /** Records one at a time (each its own batch); returns the ids. */
  each(texts: readonly string[]): string[] {
    return texts.flatMap((t) => this.run([t]).ids);
  }
}
