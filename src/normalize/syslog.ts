/**
 * Syslog records → OCSF. Messages of programs whose lines carry security meaning are mapped to
 * their class with real field values: sshd, su and pam_unix to Authentication (3002), sudo to
 * Process Activity (1007). Everything else (and any line of those programs in a shape not known
 * here) becomes a Base Event (0) whose message is the syslog MSG. Pure: time comes from the record,
 * or the receive time in the context.
 */
import { isIP } from 'node:net';
import { bsdTimestampToMs } from '../parsers/syslog.js';
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import {
  addObservable,
  ObservableType,
  OcsfClass,
  ocsfEvent,
  Severity,
  SEVERITY_CAPTIONS,
  type OcsfEvent,
  type OcsfMetadata,
} from './ocsf.js';

/** Syslog severity (0 emerg … 7 debug) → OCSF severity_id. */
const SEVERITY_BY_SYSLOG: readonly number[] = [
  Severity.Fatal, // emerg: system is unusable
  Severity.Critical, // alert
  Severity.Critical, // crit
  Severity.High, // err
  Severity.Medium, // warning
  Severity.Low, // notice
  Severity.Informational, // info
  Severity.Informational, // debug
];

/** Vendors of the programs mapped here, for metadata.product. */
const VENDORS: Record<string, string> = { sshd: 'OpenSSH', 'sshd-session': 'OpenSSH', sudo: 'Sudo' };

const STATUS = { success: { id: 1, name: 'Success' }, failure: { id: 2, name: 'Failure' } } as const;
type Status = (typeof STATUS)[keyof typeof STATUS];

const AUTH_ACTIVITY = {
  logon: { id: 1, name: 'Logon' },
  logoff: { id: 2, name: 'Logoff' },
  accountSwitch: { id: 7, name: 'Account Switch' },
} as const;

/** The syslog fields a normalizer reads, checked for type (a record's fields are `unknown`). */
interface SyslogView {
  time?: number;
  timestamp?: string;
  hostname?: string;
  app?: string;
  procid?: string;
  severity?: number;
  msg: string;
  /** From rsyslog's `message repeated N times: [ ... ]`. */
  count?: number;
}

export const syslogNormalizer: Normalizer = {
  name: 'syslog',
  accepts: (record) => record.format === 'syslog',
  normalize(record, ctx) {
    const view = readView(record);
    return mapKnownProgram(view, record, ctx) ?? withCommon(baseEvent(view, record, ctx), view, record, {});
  },
};

function readView(record: ParsedRecord): SyslogView {
  const f = record.fields;
  const view: SyslogView = { msg: typeof f.msg === 'string' ? f.msg : '' };
  if (typeof f.time === 'number' && Number.isFinite(f.time)) view.time = f.time;
  if (typeof f.timestamp === 'string') view.timestamp = f.timestamp;
  if (typeof f.hostname === 'string' && f.hostname !== '') view.hostname = f.hostname;
  if (typeof f.app_name === 'string' && f.app_name !== '') view.app = f.app_name;
  if (typeof f.procid === 'string' && f.procid !== '') view.procid = f.procid;
  if (typeof f.severity === 'number' && Number.isInteger(f.severity)) view.severity = f.severity;
  // rsyslog folds repeats into one line; the event stands for all of them.
  const repeated = /^message repeated (\d+) times: \[ ?([\s\S]*?)\]$/.exec(view.msg);
  if (repeated) {
    view.count = Number(repeated[1]);
    view.msg = repeated[2]!;
  }
  return view;
}

function mapKnownProgram(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
): OcsfEvent | undefined {
  const msg = view.msg.trim();
  const pam = /^pam_unix\(([^:()]+):([^()]+)\): (.*)$/s.exec(msg);
  if (pam) return mapPamUnix(view, record, ctx, pam[1]!, pam[2]!, pam[3]!);
  // Older Linux-PAM tagged the line itself: `sshd(pam_unix)[19939]: authentication failure; ...`.
  const oldPam = view.app ? /^([^()]+)\(pam_unix\)$/.exec(view.app) : null;
  if (oldPam)
    return mapPamUnix(view, record, ctx, oldPam[1]!, msg.startsWith('session ') ? 'session' : 'auth', msg);
  switch (view.app?.toLowerCase()) {
    case 'sshd':
    case 'sshd-session': // OpenSSH 9.8+ logs authentication from sshd-session
      return mapSshd(view, record, ctx, msg);
    case 'sudo':
      return mapSudo(view, record, ctx, msg);
    case 'su':
      return mapSu(view, record, ctx, msg);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// sshd

interface AuthFacts {
  activity: { id: number; name: string };
  status: Status;
  user: string;
  detail?: string;
  /** Client address: an IP, or a hostname when sshd resolved it (UseDNS). */
  from?: string;
  port?: string;
  /** The authentication method (password, publickey, keyboard-interactive/pam...). */
  method?: string;
  service: string;
  remote?: boolean;
  actorUser?: string;
  userUid?: string;
  terminal?: string;
  extra?: Record<string, unknown>;
}

/** OpenSSH's log lines about authentication and sessions. Usernames are attacker-chosen, so the
 * patterns anchor on the end of the line (`from IP port N`), never on the first " from ". */
function mapSshd(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
  msg: string,
): OcsfEvent | undefined {
  const service = 'sshd';
  let m =
    /^(Accepted|Failed) (\S+) for (invalid user )?(.*) from (\S+) port (\d+)(?: (ssh2?))?(?:: (.*))?$/s.exec(
      msg,
    );
  if (m) {
    const ok = m[1] === 'Accepted';
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: ok ? STATUS.success : STATUS.failure,
      user: m[4]!,
      from: m[5],
      port: m[6],
      method: m[2],
      service,
      remote: true,
      ...(m[3] ? { detail: 'Invalid user' } : {}),
      // The key's type and fingerprint (publickey), or what follows the method.
      ...(m[8] ? { extra: { key: m[8] } } : {}),
    });
  }
  m = /^Invalid user (.*) from (\S+)(?: port (\d+))?$/s.exec(msg);
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user: m[1]!,
      from: m[2],
      port: m[3],
      service,
      remote: true,
      detail: 'Invalid user',
    });
  m = /^User (\S+) from (\S+) not allowed because (.*)$/s.exec(msg);
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user: m[1]!,
      from: m[2],
      service,
      remote: true,
      detail: `Not allowed because ${m[3]}`,
    });
  m = /^error: PAM: Authentication failure for (illegal user |invalid user )?(.*) from (\S+)$/s.exec(msg);
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user: m[2]!,
      from: m[3],
      service,
      remote: true,
      detail: m[1] ? 'PAM authentication failure (invalid user)' : 'PAM authentication failure',
    });
  m =
    /^maximum authentication attempts exceeded for (invalid user )?(.*) from (\S+) port (\d+)(?: ssh2)?(?: \[preauth\])?$/s.exec(
      msg,
    );
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user: m[2]!,
      from: m[3],
      port: m[4],
      service,
      remote: true,
      detail: 'Maximum authentication attempts exceeded',
    });
  // The client left before authenticating: a logon that did not succeed.
  m =
    /^(Disconnected from|Connection closed by|Connection reset by) (authenticating|invalid) user (.*) (\S+) port (\d+)(?: \[preauth\])?$/s.exec(
      msg,
    );
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user: m[3]!,
      from: m[4],
      port: m[5],
      service,
      remote: true,
      detail: `${m[1]} ${m[2]} user before authentication completed`,
    });
  m = /^Disconnected from user (.*) (\S+) port (\d+)$/s.exec(msg);
  if (m)
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.logoff,
      status: STATUS.success,
      user: m[1]!,
      from: m[2],
      port: m[3],
      service,
      remote: true,
    });
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// pam_unix (any service: sshd, su, sudo, login, cron...)

function mapPamUnix(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
  service: string,
  kind: string,
  text: string,
): OcsfEvent | undefined {
  const switchesUser = service === 'su' || service === 'su-l';
  if (kind === 'auth') {
    const m = /^authentication failure;(.*)$/s.exec(text);
    if (!m) return undefined;
    const kv = pamKeyValues(m[1]!);
    const user = kv.user || kv.ruser || kv.logname;
    if (!user) return undefined;
    return authEvent(view, record, ctx, {
      activity: switchesUser ? AUTH_ACTIVITY.accountSwitch : AUTH_ACTIVITY.logon,
      status: STATUS.failure,
      user,
      service,
      from: kv.rhost || undefined,
      remote: kv.rhost ? true : undefined,
      actorUser: kv.ruser || kv.logname || undefined,
      terminal: kv.tty || undefined,
      detail: 'Authentication failure',
      method: 'password',
      extra: { pam: kv },
    });
  }
  if (kind === 'session') {
    let m = /^session opened for user (\S+?)(?:\(uid=(\d+)\))? by (\S*?)(?:\(uid=(\d+)\))?$/s.exec(text);
    if (m)
      return authEvent(view, record, ctx, {
        activity: switchesUser ? AUTH_ACTIVITY.accountSwitch : AUTH_ACTIVITY.logon,
        status: STATUS.success,
        user: m[1]!,
        userUid: m[2],
        service,
        actorUser: m[3] || undefined,
      });
    m = /^session closed for user (\S+)$/s.exec(text);
    if (m)
      return authEvent(view, record, ctx, {
        activity: AUTH_ACTIVITY.logoff,
        status: STATUS.success,
        user: m[1]!,
        service,
      });
  }
  return undefined;
}

/** `logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root` → a map (empty values kept). */
function pamKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=(\S*)/g)) {
    if (!Object.hasOwn(out, m[1]!)) out[m[1]!] = m[2]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// su (shadow-utils and util-linux wordings)

/** su's wordings → who switched to whom, on which terminal, and whether it worked. */
const SU_PATTERNS: {
  re: RegExp;
  read: (m: RegExpExecArray) => { ok: boolean; target: string; by: string; terminal?: string };
}[] = [
  // shadow-utils: `Successful su for root by alice`, `FAILED su for root by student`
  {
    re: /^(Successful|FAILED) su for (\S+) by (\S+)$/,
    read: (m) => ({ ok: m[1] === 'Successful', target: m[2]!, by: m[3]! }),
  },
  // util-linux: `(to root) alice on pts/1`, `FAILED SU (to root) bob on pts/3`
  {
    re: /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)$/,
    read: (m) => ({ ok: !m[1], target: m[2]!, by: m[3]!, terminal: m[4]! }),
  },
  // older shadow-utils: `+ pts/0 alice:root`, `- pts/0 mallory:root`
  {
    re: /^([+-]) (\S+) (\S+):(\S+)$/,
    read: (m) => ({ ok: m[1] === '+', terminal: m[2]!, by: m[3]!, target: m[4]! }),
  },
];

function mapSu(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
  msg: string,
): OcsfEvent | undefined {
  for (const { re, read } of SU_PATTERNS) {
    const m = re.exec(msg);
    if (!m) continue;
    const { ok, target, by, terminal } = read(m);
    return authEvent(view, record, ctx, {
      activity: AUTH_ACTIVITY.accountSwitch,
      status: ok ? STATUS.success : STATUS.failure,
      user: target,
      actorUser: by,
      terminal: terminal === '???' || terminal === 'none' ? undefined : terminal,
      service: 'su',
      ...(ok ? {} : { detail: 'su failed' }),
    });
  }
  return undefined;
}

function authEvent(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
  facts: AuthFacts,
): OcsfEvent {
  const event = ocsfEvent(OcsfClass.Authentication, facts.activity, {
    time: eventTime(view, ctx),
    severity_id: severityOf(view),
    metadata: metadataOf(view, record),
    message: view.msg,
  });
  event.status_id = facts.status.id;
  event.status = facts.status.name;
  if (facts.detail) event.status_detail = facts.detail;
  const user: Record<string, unknown> = { name: facts.user };
  if (facts.userUid) user.uid = facts.userUid;
  event.user = user;
  addObservable(event, 'user.name', ObservableType.UserName, facts.user);
  if (facts.actorUser) {
    event.actor = { user: { name: facts.actorUser } };
    addObservable(event, 'actor.user.name', ObservableType.UserName, facts.actorUser);
  }
  if (facts.activity.id === AUTH_ACTIVITY.accountSwitch.id) {
    event.account_switch_type_id = 1;
    event.account_switch_type = 'Substitute User';
  }
  if (facts.from) {
    const endpoint: Record<string, unknown> = isIP(facts.from)
      ? { ip: facts.from }
      : { hostname: facts.from };
    const port = facts.port === undefined ? NaN : Number(facts.port);
    if (Number.isInteger(port) && port >= 0 && port <= 65535) endpoint.port = port;
    event.src_endpoint = endpoint;
    if (endpoint.ip) addObservable(event, 'src_endpoint.ip', ObservableType.IPAddress, endpoint.ip);
    else addObservable(event, 'src_endpoint.hostname', ObservableType.Hostname, endpoint.hostname);
  }
  // The host that logged the line is the one being logged on to.
  // It is also the device that reported the event (OCSF host profile), so host searches find it.
  if (view.hostname) {
    event.dst_endpoint = { hostname: view.hostname };
    event.device = { hostname: view.hostname, type_id: 0, type: 'Unknown' };
    event.metadata.profiles = ['host'];
    addObservable(event, 'dst_endpoint.hostname', ObservableType.Hostname, view.hostname);
    addObservable(event, 'device.hostname', ObservableType.Hostname, view.hostname);
  }
  event.service = { name: facts.service };
  if (facts.method) {
    // OCSF's protocol list (NTLM, Kerberos, SAML...) has no SSH methods: Other, named.
    event.auth_protocol_id = 99;
    event.auth_protocol = facts.method;
  }
  if (facts.remote !== undefined) event.is_remote = facts.remote;
  if (facts.terminal) event.session = { terminal: facts.terminal };
  const pid = pidOf(view);
  if (view.app && pid !== undefined) event.logon_process = { name: view.app, pid };
  return withCommon(event, view, record, {
    ...(facts.extra ? { [facts.service]: facts.extra } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// sudo

/**
 * `alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash`, and the refusals that put
 * a reason first (`3 incorrect password attempts ; TTY=...`, `user NOT in sudoers ; TTY=...`).
 * COMMAND is last and may itself contain " ; ", so it is cut off before the rest is split.
 */
function mapSudo(
  view: SyslogView,
  record: ParsedRecord,
  ctx: NormalizeContext,
  msg: string,
): OcsfEvent | undefined {
  const m = /^(\S+) : ([\s\S]*)$/.exec(msg);
  if (!m || !view.hostname) return undefined; // Process Activity requires the device
  const invoker = m[1]!;
  const rest = m[2]!;
  const at = rest.startsWith('COMMAND=') ? 0 : rest.indexOf(' ; COMMAND=');
  if (at < 0) return undefined;
  const head = rest.slice(0, at);
  const command = rest.slice(at === 0 ? 'COMMAND='.length : at + ' ; COMMAND='.length);
  const keys: Record<string, string> = {};
  const reasons: string[] = [];
  for (const part of head.split(' ; ')) {
    const kv = /^([A-Z_]+)=([\s\S]*)$/.exec(part.trim());
    if (kv) keys[kv[1]!] = kv[2]!;
    else if (part.trim() !== '') reasons.push(part.trim());
  }
  const denied = reasons.length > 0;
  const runAs = keys.USER ?? 'root'; // sudo's default target user, which it then omits
  const event = ocsfEvent(
    OcsfClass.ProcessActivity,
    { id: 1, name: 'Launch' },
    {
      time: eventTime(view, ctx),
      severity_id: severityOf(view),
      metadata: metadataOf(view, record),
      message: view.msg.trim(),
    },
  );
  event.status_id = denied ? STATUS.failure.id : STATUS.success.id;
  event.status = denied ? STATUS.failure.name : STATUS.success.name;
  if (denied) event.status_detail = reasons.join('; ');
  const executable = command.trim().split(/\s+/)[0] ?? '';
  const name = executable.slice(executable.lastIndexOf('/') + 1);
  const pid = pidOf(view);
  const sudoProcess: Record<string, unknown> | undefined =
    pid !== undefined ? { name: 'sudo', pid } : undefined;
  const process: Record<string, unknown> = {
    // sudo does not log the pid its command gets, and OCSF requires an identifier: the uid names
    // this launch by host, sudo's pid and the time as logged.
    uid: `sudo:${view.hostname}:${view.procid ?? '-'}:${view.timestamp ?? eventTime(view, ctx)}`,
    cmd_line: command,
    user: { name: runAs, ...(keys.GROUP ? { groups: [{ name: keys.GROUP }] } : {}) },
  };
  if (name) process.name = name;
  if (executable.startsWith('/')) process.file = { name, path: executable, type_id: 1, type: 'Regular File' };
  if (keys.PWD) process.working_directory = keys.PWD;
  if (sudoProcess) process.parent_process = sudoProcess;
  event.process = process;
  const actor: Record<string, unknown> = { user: { name: invoker } };
  if (sudoProcess) actor.process = sudoProcess;
  if (keys.TTY && keys.TTY !== 'unknown') actor.session = { terminal: keys.TTY };
  event.actor = actor;
  event.device = { hostname: view.hostname, type_id: 0, type: 'Unknown' };
  addObservable(event, 'actor.user.name', ObservableType.UserName, invoker);
  addObservable(event, 'process.user.name', ObservableType.UserName, runAs);
  addObservable(event, 'process.cmd_line', ObservableType.CommandLine, command);
  if (name) addObservable(event, 'process.name', ObservableType.ProcessName, name);
  addObservable(event, 'device.hostname', ObservableType.Hostname, view.hostname);
  const { TTY: _tty, PWD: _pwd, USER: _user, ...otherKeys } = keys;
  return withCommon(event, view, record, Object.keys(otherKeys).length > 0 ? { sudo: otherKeys } : {});
}

// ---------------------------------------------------------------------------------------------
// common parts

function baseEvent(view: SyslogView, record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 0, name: 'Unknown' },
    {
      time: eventTime(view, ctx),
      severity_id: severityOf(view),
      metadata: metadataOf(view, record),
      message: view.msg,
    },
  );
  if (view.hostname) {
    event.device = { hostname: view.hostname, type_id: 0, type: 'Unknown' };
    // `device` comes from OCSF's host profile in Base Event, which the event must then declare.
    (event.metadata as OcsfMetadata & { profiles?: string[] }).profiles = ['host'];
    addObservable(event, 'device.hostname', ObservableType.Hostname, view.hostname);
  }
  return event;
}

/** What every event gets: severity caption, count, unmapped syslog fields, raw_data. */
function withCommon(
  event: OcsfEvent,
  view: SyslogView,
  record: ParsedRecord,
  extra: Record<string, unknown>,
): OcsfEvent {
  event.severity = SEVERITY_CAPTIONS[event.severity_id] ?? 'Unknown';
  if (view.count !== undefined) event.count = view.count;
  event.unmapped = { ...unmappedFields(record), ...extra };
  event.raw_data = record.raw;
  return event;
}

/** Syslog fields with no OCSF home (msg, time, timestamp, hostname and app_name all have one). */
function unmappedFields(record: ParsedRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.fields)) {
    if (key === 'msg' || key === 'time' || key === 'timestamp' || key === 'hostname' || key === 'app_name')
      continue;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function metadataOf(view: SyslogView, record: ParsedRecord): Omit<OcsfMetadata, 'version'> {
  const app = view.app;
  const vendor = app ? VENDORS[app.toLowerCase()] : undefined;
  const msgid = record.fields.msgid;
  return {
    product: { name: app ?? 'syslog', ...(vendor ? { vendor_name: vendor } : {}) },
    log_name: 'syslog',
    ...(view.timestamp ? { original_time: view.timestamp } : {}),
    ...(typeof msgid === 'string' && msgid !== '' ? { event_code: msgid } : {}),
  };
}

/** The parsed time; for a year-less BSD timestamp, the year nearest the receive time; else the receive time. */
function eventTime(view: SyslogView, ctx: NormalizeContext): number {
  if (view.time !== undefined) return view.time;
  if (view.timestamp) {
    const t = bsdTimestampToMs(view.timestamp, ctx.receivedAt);
    if (t !== undefined) return t;
  }
  return ctx.receivedAt;
}

function severityOf(view: SyslogView): number {
  return view.severity === undefined
    ? Severity.Unknown
    : (SEVERITY_BY_SYSLOG[view.severity] ?? Severity.Unknown);
}

function pidOf(view: SyslogView): number | undefined {
  if (!view.procid || !/^\d{1,10}$/.test(view.procid)) return undefined;
  const pid = Number(view.procid);
  return pid <= 2 ** 31 - 1 ? pid : undefined;
}
