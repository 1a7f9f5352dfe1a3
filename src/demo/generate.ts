/**
 * Synthetic but realistic telemetry for `vigil demo` and the benchmarks: a small company's Windows
 * workstations and servers (Security 4624/4625 and Sysmon 1/3/10/11/22 in evtx_dump's JSON shape)
 * and Linux servers (sshd, sudo, cron, systemd as RFC 5424 or RFC 3164 syslog), with an office-hours
 * rhythm and one attack story (story.ts) in the middle of the range.
 *
 * Everything derives from the seed through a small PRNG, never Math.random, so a seed replays
 * byte for byte. The text of each record is what a real sender would send; nothing Vigil-specific.
 */
import { createHash } from 'node:crypto';
import {
  playStory,
  STORY_ACTORS,
  type LogonSpec,
  type ProcessRef,
  type ProcessSpec,
  type StoryWorld,
} from './story.js';

export interface DemoRecord {
  /** Epoch milliseconds: the event's own timestamp, as written in `text`. */
  time: number;
  format: 'json' | 'syslog';
  text: string;
}

export interface DemoOptions {
  seed: number;
  /** Epoch milliseconds of the first instant of the range. */
  start: number;
  durationMs: number;
  /** Monitored hosts, 3–200 (default 8: three workstations, a DC, a file server, three Linux). */
  hosts?: number;
  /** Domain users, 4–500 (default 12). */
  users?: number;
  /**
   * Background events per minute during office hours (weekdays 08:00–18:00 UTC; nights and weekends
   * run at about an eighth). Scheduled jobs and the story come on top. Default 60.
   */
  eventsPerMinute?: number;
}

// ---------------------------------------------------------------------------------------------
// PRNG

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** mulberry32: 32 bits of state, fast, and statistically good enough for synthetic data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the high bits in too, so seeds beyond 2^32 differ; Math.floor keeps fractions stable.
    const s = Math.floor(Math.abs(seed));
    const high = Math.floor(s / 4294967296) >>> 0;
    this.state = (s >>> 0) ^ Math.imul(high, 0x85ebca6b) ^ (seed < 0 ? 0x5bd1e995 : 0);
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** `digits` hexadecimal digits, upper case. */
  hex(digits: number): string {
    let s = '';
    while (s.length < digits) {
      const n = (this.next() * 4294967296) >>> 0;
      s +=
        HEX_BYTES[n >>> 24]! +
        HEX_BYTES[(n >>> 16) & 0xff]! +
        HEX_BYTES[(n >>> 8) & 0xff]! +
        HEX_BYTES[n & 0xff]!;
    }
    return s.length === digits ? s : s.slice(0, digits);
  }

  /** An independent stream, so one part of the data does not shift when another changes. */
  fork(label: number): Rng {
    return new Rng(((this.next() * 4294967296) >>> 0) ^ Math.imul(label + 1, 0x9e3779b1));
  }
}

/** The generator's PRNG for a seed (what `benchEvent` takes). */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

let isoDay = NaN;
let isoDayPrefix = '';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Date.prototype.toISOString for t ≥ 0, without a Date per call (the generator's hot path). */
function isoMs(t: number): string {
  const day = Math.floor(t / DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let rest = t - day * DAY;
  const h = Math.floor(rest / HOUR);
  rest -= h * HOUR;
  const m = Math.floor(rest / MINUTE);
  rest -= m * MINUTE;
  const sec = Math.floor(rest / 1000);
  const ms = rest - sec * 1000;
  return `${isoDayPrefix}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** Sysmon's UtcTime / CreationUtcTime: `2026-03-02 09:15:04.123`. */
function sysmonTime(t: number): string {
  const iso = isoMs(t);
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** `2026-03-02T09:15:04.123456Z`: the event log's 100 ns clock, printed to microseconds. */
function systemTime(t: number, rng: Rng): string {
  return `${isoMs(t).slice(0, 23)}${String(rng.int(0, 999)).padStart(3, '0')}Z`;
}

function rfc3164Time(t: number): string {
  const d = new Date(t);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${MONTHS[d.getUTCMonth()]} ${day} ${isoMs(t).slice(11, 19)}`;
}

function randomGuid(rng: Rng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

function hex16(n: number): string {
  return (n & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

/** 32-bit value as little-endian bytes in hex, as Sysmon lays a logon id into a LogonGuid. */
function leBytes(n: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += ((n >>> (8 * i)) & 0xff).toString(16).toUpperCase().padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Catalogue: binaries, their version resources and hashes; DNS names and addresses

const MS = 'Microsoft Corporation';
const WINDOWS_PRODUCT = 'Microsoft® Windows® Operating System';
const WORKSTATION_BUILD = '10.0.19041.4355 (WinBuild.160101.0800)';
const SERVER_BUILD = '10.0.20348.2402 (WinBuild.160101.0800)';

interface ImageMeta {
  version: string;
  description: string;
  product: string;
  company: string;
  original: string;
}

/** Windows binaries: lower-case file name → [Description, OriginalFileName]. */
const WINDOWS_BINARIES: Record<string, readonly [string, string]> = {
  'cmd.exe': ['Windows Command Processor', 'Cmd.Exe'],
  'powershell.exe': ['Windows PowerShell', 'PowerShell.EXE'],
  'whoami.exe': ['whoami - displays logged on user information', 'whoami.exe'],
  'net.exe': ['Net Command', 'net.exe'],
  'net1.exe': ['Net Command', 'net1.exe'],
  'nltest.exe': ['Microsoft® Logon Server Test Utility', 'nltestrk.exe'],
  'rundll32.exe': ['Windows host process (Rundll32)', 'RUNDLL32.EXE'],
  'schtasks.exe': ['Task Scheduler Configuration Tool', 'schtasks.exe'],
  'conhost.exe': ['Console Window Host', 'CONHOST.EXE'],
  'svchost.exe': ['Host Process for Windows Services', 'svchost.exe'],
  'taskhostw.exe': ['Host Process for Windows Tasks', 'taskhostw.exe'],
  'runtimebroker.exe': ['Runtime Broker', 'RuntimeBroker.exe'],
  'searchprotocolhost.exe': ['Microsoft Windows Search Protocol Host', 'searchprotocolhost.exe'],
  'searchfilterhost.exe': ['Microsoft Windows Search Filter Host', 'searchfilterhost.exe'],
  'searchindexer.exe': ['Microsoft Windows Search Indexer', 'SearchIndexer.exe'],
  'backgroundtaskhost.exe': ['Background Task Host', 'backgroundTaskHost.exe'],
  'wmiprvse.exe': ['WMI Provider Host', 'Wmiprvse.exe'],
  'dllhost.exe': ['COM Surrogate', 'dllhost.exe'],
  'smartscreen.exe': ['Windows Defender SmartScreen', 'smartscreen.exe'],
  'userinit.exe': ['Userinit Logon Application', 'USERINIT.EXE'],
  'explorer.exe': ['Windows Explorer', 'EXPLORER.EXE'],
  'winlogon.exe': ['Windows Logon Application', 'WINLOGON.EXE'],
  'services.exe': ['Services and Controller app', 'services.exe'],
  'lsass.exe': ['Local Security Authority Process', 'lsass.exe'],
  'mmc.exe': ['Microsoft Management Console', 'MMC.EXE'],
  'notepad.exe': ['Notepad', 'NOTEPAD.EXE'],
  'ipconfig.exe': ['IP Configuration Utility', 'ipconfig.exe'],
  'ping.exe': ['TCP/IP Ping Command', 'ping.exe'],
  'mstsc.exe': ['Remote Desktop Connection', 'mstsc.exe'],
  'dns.exe': ['Domain Name System (DNS) Server', 'dns.exe'],
  'wermgr.exe': ['Windows Problem Reporting', 'WerMgr'],
  'compattelrunner.exe': ['Microsoft Compatibility Telemetry', 'CompatTelRunner.exe'],
};

/** Other vendors' binaries: lower-case file name → version resource. */
const VENDOR_BINARIES: Record<string, ImageMeta> = {
  'chrome.exe': {
    version: '122.0.6261.129',
    description: 'Google Chrome',
    product: 'Google Chrome',
    company: 'Google LLC',
    original: 'chrome.exe',
  },
  'outlook.exe': {
    version: '16.0.17328.20184',
    description: 'Microsoft Outlook',
    product: 'Microsoft Outlook',
    company: MS,
    original: 'Outlook.exe',
  },
  'winword.exe': {
    version: '16.0.17328.20184',
    description: 'Microsoft Word',
    product: 'Microsoft Office',
    company: MS,
    original: 'WinWord.exe',
  },
  'excel.exe': {
    version: '16.0.17328.20184',
    description: 'Microsoft Excel',
    product: 'Microsoft Office',
    company: MS,
    original: 'Excel.exe',
  },
  'ms-teams.exe': {
    version: '24033.811.2738.2546',
    description: 'Microsoft Teams',
    product: 'Microsoft Teams',
    company: MS,
    original: 'ms-teams.exe',
  },
  'onedrive.exe': {
    version: '24.040.0225.0002',
    description: 'Microsoft OneDrive',
    product: 'Microsoft OneDrive',
    company: MS,
    original: 'OneDrive.exe',
  },
  'code.exe': {
    version: '1.87.2',
    description: 'Visual Studio Code',
    product: 'Visual Studio Code',
    company: MS,
    original: 'electron.exe',
  },
  'git.exe': {
    version: '2.44.0.windows.1',
    description: 'Git for Windows',
    product: 'Git',
    company: 'The Git Development Community',
    original: 'git.exe',
  },
  'node.exe': {
    version: '20.11.1',
    description: 'Node.js JavaScript Runtime',
    product: 'Node.js',
    company: 'Node.js',
    original: 'node.exe',
  },
  'mpcmdrun.exe': {
    version: '4.18.24020.7 (WinBuild.160101.0800)',
    description: 'Microsoft Malware Protection Command Line Utility',
    product: WINDOWS_PRODUCT,
    company: MS,
    original: 'MpCmdRun.exe',
  },
};

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('\\') + 1);
}

function imageMeta(image: string, server: boolean): ImageMeta {
  const name = baseName(image).toLowerCase();
  const vendor = VENDOR_BINARIES[name];
  if (vendor) return vendor;
  const win = WINDOWS_BINARIES[name];
  if (!win) throw new Error(`demo catalogue: no version resource for ${image}`);
  return {
    version: server ? SERVER_BUILD : WORKSTATION_BUILD,
    description: win[0],
    product: WINDOWS_PRODUCT,
    company: MS,
    original: win[1],
  };
}

const hashCache = new Map<string, string>();

/**
 * Sysmon's Hashes field. The digests are derived from the file name and version (the same binary
 * hashes the same everywhere), not taken from the real files.
 */
function imageHashes(image: string, version: string): string {
  const key = `${baseName(image).toLowerCase()}|${version}`;
  let hashes = hashCache.get(key);
  if (hashes === undefined) {
    const digest = (algorithm: string, salt: string): string =>
      createHash(algorithm).update(`vigil-demo|${salt}|${key}`).digest('hex').toUpperCase();
    hashes = `SHA1=${digest('sha1', 's')},MD5=${digest('md5', 'm')},SHA256=${digest('sha256', 'h')},IMPHASH=${digest('md5', 'i')}`;
    hashCache.set(key, hashes);
  }
  return hashes;
}

interface Domain {
  name: string;
  /** Sysmon's QueryResults: CNAMEs as `type:  5 name;`, addresses as `::ffff:a.b.c.d;`. */
  results: string;
  ips: string[];
}

function domain(name: string, cnames: string[], ips: string[]): Domain {
  return {
    name,
    results: cnames.map((c) => `type:  5 ${c};`).join('') + ips.map((ip) => `::ffff:${ip};`).join(''),
    ips,
  };
}

const WEB_COMMON = [
  domain('www.google.com', [], ['142.250.185.100', '142.250.185.132']),
  domain('clients2.google.com', ['clients.l.google.com'], ['142.250.186.46']),
  domain('en.wikipedia.org', ['dyna.wikimedia.org'], ['185.15.59.224']),
  domain(
    'www.linkedin.com',
    ['www-linkedin-com.l-0005.l-msedge.net', 'l-0005.l-msedge.net'],
    ['13.107.42.14'],
  ),
  domain(
    'www.bbc.co.uk',
    ['www.bbc.co.uk.pri.bbc.co.uk', 'uk.www.bbc.co.uk.pri.bbc.co.uk'],
    ['151.101.0.81', '151.101.64.81'],
  ),
  domain(
    'login.microsoftonline.com',
    ['login.mso.msidentity.com', 'ak.privatelink.msidentity.com', 'www.tm.ak.prd.aadg.akadns.net'],
    ['20.190.159.2', '20.190.159.68'],
  ),
  domain(
    'corpexample.sharepoint.com',
    ['corpexample.sharepoint.com.spo-0004.spo-msedge.net'],
    ['13.107.136.10'],
  ),
];
const WEB_ENGINEERING = [
  domain('github.com', [], ['140.82.121.4']),
  domain('api.github.com', [], ['140.82.121.6']),
  domain('stackoverflow.com', [], ['104.18.32.7', '172.64.155.249']),
  domain('registry.npmjs.org', [], ['104.16.2.35', '104.16.3.35']),
];
const WEB_FINANCE = [
  domain('www.xe.com', [], ['104.18.11.102']),
  domain('www.sec.gov', ['www.sec.gov.edgekey.net', 'e2928.dscb.akamaiedge.net'], ['23.50.112.90']),
];
const OUTLOOK = domain(
  'outlook.office365.com',
  ['outlook.ha.office365.com', 'outlook.ms-acdc.office.com'],
  ['52.97.146.178', '52.97.211.34'],
);
const TEAMS = domain(
  'teams.microsoft.com',
  ['teams.office.com', 'teams-office-com.s-0005.dc-msedge.net', 's-0005.dc-msedge.net'],
  ['52.113.194.132'],
);
const WINDOWS_SERVICES = [
  domain('settings-win.data.microsoft.com', ['atm-settingsfe-prod-geo2.trafficmanager.net'], ['20.42.65.92']),
  domain('slscr.update.microsoft.com', ['glb.sls.prod.dcat.dsp.trafficmanager.net'], ['20.12.23.50']),
  domain('v10.events.data.microsoft.com', ['global.asimov.events.data.trafficmanager.net'], ['20.189.173.1']),
];
const DNS_FORWARDERS = ['1.1.1.1', '9.9.9.9'];

/** Sysmon's DestinationPortName for the ports the demo uses. */
const PORT_NAMES: Record<number, string> = {
  53: 'domain',
  88: 'kerberos',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
};

// ---------------------------------------------------------------------------------------------
// Environment: the company

const DOMAIN_FQDN = 'corp.example.com';
const NETBIOS = 'CORP';
const REALM = DOMAIN_FQDN.toUpperCase();
const SYSTEM32 = 'C:\\Windows\\System32';
const SVCHOST = `${SYSTEM32}\\svchost.exe`;
const POWERSHELL = `${SYSTEM32}\\WindowsPowerShell\\v1.0\\powershell.exe`;
const CHROME = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16';
const TEAMS_EXE =
  'C:\\Program Files\\WindowsApps\\MSTeams_24033.811.2738.2546_x64__8wekyb3d8bbwe\\ms-teams.exe';
const SYSTEM_USER = 'NT AUTHORITY\\SYSTEM';
const CI_RUNNER_IP = '10.10.3.15';
const SCANNER_NET = '192.0.2.';

type Department = 'Finance' | 'HR' | 'IT' | 'Engineering' | 'Sales';

const PEOPLE: readonly (readonly [string, Department])[] = [
  ['alice', 'Finance'],
  ['bob', 'Finance'],
  ['carol', 'HR'],
  ['dave', 'IT'],
  ['erin', 'Engineering'],
  ['frank', 'IT'],
  ['grace', 'Engineering'],
  ['heidi', 'Sales'],
  ['ivan', 'Engineering'],
  ['judy', 'Finance'],
  ['ken', 'Sales'],
  ['laura', 'HR'],
  ['mike', 'Sales'],
  ['nina', 'Engineering'],
  ['oscar', 'IT'],
  ['paula', 'Finance'],
  ['quinn', 'Engineering'],
  ['rita', 'HR'],
  ['sam', 'Sales'],
  ['tina', 'Engineering'],
];
const DEPARTMENTS: readonly Department[] = ['Sales', 'Finance', 'HR', 'Engineering', 'IT'];
const DEPT_CODES: Record<Department, string> = {
  Finance: 'FIN',
  HR: 'HR',
  IT: 'IT',
  Engineering: 'ENG',
  Sales: 'SAL',
};

interface User {
  name: string;
  dept: Department;
  sid: string;
  /** Linux uid (sssd maps domain users onto the Linux hosts). */
  uid: number;
  /** The address this user's workstation has, monitored or not. */
  ip: string;
  workstation?: WinHost;
  sshKey: string;
}

interface WinProc extends ProcessRef {
  guid: string;
  cmdLine: string;
  user: string;
  logonId: string;
  logonGuid: string;
  session: number;
  integrity: string;
  cwd: string;
}

interface Desktop {
  host: WinHost;
  user: User;
  logonId: string;
  explorer: WinProc;
  chrome: WinProc;
  outlook: WinProc;
  teams: WinProc;
  code?: WinProc;
}

interface WinHost {
  os: 'windows';
  name: string;
  fqdn: string;
  /** The fqdn as a JSON string literal. */
  fqdnJson: string;
  ip: string;
  role: 'workstation' | 'dc' | 'server';
  dept?: Department;
  machineSid: string;
  guidPrefix: string;
  guidTail: string;
  guidCounter: number;
  sysmonPid: number;
  sysmonThreads: number[];
  securityThreads: number[];
  activityId: string;
  recordStart: { security: number; sysmon: number };
  livePids: Set<number>;
  /** Sysmon's LogonGuid of each logon session, fixed when the session is first seen. */
  logonGuids: Map<string, string>;
  procs: Map<string, WinProc>;
  desktop?: Desktop;
}

interface LinuxHost {
  os: 'linux';
  name: string;
  ip: string;
  role: 'bastion' | 'web' | 'db' | 'app';
  syntax: 'rfc5424' | 'rfc3164';
  nextPid: number;
  logindPid: number;
  nextSession: number;
}

type Host = WinHost | LinuxHost;

interface Env {
  users: User[];
  hosts: Host[];
  windows: WinHost[];
  linux: LinuxHost[];
  workstations: WinHost[];
  byName: Map<string, Host>;
  dc: WinHost;
  fileServer?: WinHost;
  bastion: LinuxHost;
  domainSid: string;
}

interface HostPlan {
  name: string;
  os: 'windows' | 'linux';
  role: WinHost['role'] | LinuxHost['role'];
  ip: string;
  dept?: Department;
  syntax?: LinuxHost['syntax'];
}

/** The first eight hosts; the story needs the first three. */
const HOST_PLANS: readonly HostPlan[] = [
  { name: STORY_ACTORS.bastion, os: 'linux', role: 'bastion', ip: STORY_ACTORS.bastionIp, syntax: 'rfc5424' },
  { name: STORY_ACTORS.victim, os: 'windows', role: 'workstation', ip: '10.20.1.51', dept: 'Finance' },
  { name: 'SRV-DC-01', os: 'windows', role: 'dc', ip: '10.10.1.10' },
  { name: 'WS-HR-02', os: 'windows', role: 'workstation', ip: '10.20.1.52', dept: 'HR' },
  { name: 'lnx-web-01', os: 'linux', role: 'web', ip: '10.30.0.21', syntax: 'rfc5424' },
  { name: 'SRV-FILE-01', os: 'windows', role: 'server', ip: '10.10.1.20' },
  { name: 'WS-ENG-03', os: 'windows', role: 'workstation', ip: '10.20.1.53', dept: 'Engineering' },
  { name: 'lnx-db-01', os: 'linux', role: 'db', ip: '10.10.2.31', syntax: 'rfc3164' },
];

function hostPlan(index: number): HostPlan {
  if (index < HOST_PLANS.length) return HOST_PLANS[index]!;
  const n = index - HOST_PLANS.length;
  const number = String(index + 1).padStart(2, '0');
  switch (n % 4) {
    case 0:
    case 1: {
      const ws = Math.floor(n / 4) * 2 + (n % 4);
      const dept = DEPARTMENTS[ws % DEPARTMENTS.length]!;
      return {
        name: `WS-${DEPT_CODES[dept]}-${number}`,
        os: 'windows',
        role: 'workstation',
        ip: `10.20.1.${54 + ws}`,
        dept,
      };
    }
    case 2:
      return {
        name: `SRV-APP-${number}`,
        os: 'windows',
        role: 'server',
        ip: `10.10.1.${30 + Math.floor(n / 4)}`,
      };
    default:
      return {
        name: `lnx-app-${number}`,
        os: 'linux',
        role: 'app',
        ip: `10.10.2.${40 + Math.floor(n / 4)}`,
        syntax: Math.floor(n / 4) % 2 === 0 ? 'rfc5424' : 'rfc3164',
      };
  }
}

function personAt(index: number): readonly [string, Department] {
  if (index < PEOPLE.length) return PEOPLE[index]!;
  const [name, dept] = PEOPLE[index % PEOPLE.length]!;
  return [`${name}${Math.floor(index / PEOPLE.length) + 1}`, dept];
}

function pidAllocator(host: WinHost, rng: Rng): number {
  for (;;) {
    const pid = rng.int(300, 4999) * 4;
    if (!host.livePids.has(pid)) return pid;
  }
}

function processGuid(host: WinHost, startTime: number): string {
  const seconds = Math.floor(startTime / 1000);
  host.guidCounter = (host.guidCounter + 1) & 0xffff;
  return `${host.guidPrefix}-${hex16(seconds)}-${hex16(seconds >>> 16)}-${hex16(host.guidCounter)}-${host.guidTail}`;
}

/** Sysmon's LogonGuid: machine prefix, the logon time, then the logon id's bytes little-endian. */
function logonGuid(host: WinHost, logonTime: number, logonId: string): string {
  let guid = host.logonGuids.get(logonId);
  if (guid === undefined) {
    const seconds = Math.floor(logonTime / 1000);
    const bytes = leBytes(Number.parseInt(logonId.slice(2), 16));
    guid = `${host.guidPrefix}-${hex16(seconds)}-${hex16(seconds >>> 16)}-${bytes.slice(0, 4)}-${bytes.slice(4)}00000000`;
    host.logonGuids.set(logonId, guid);
  }
  return guid;
}

function newLogonId(rng: Rng): string {
  return `0x${rng.int(0x100000, 0xfffffff).toString(16)}`;
}

/** A long-running process that exists before the range starts (no Sysmon 1 for it). */
function longLived(
  host: WinHost,
  rng: Rng,
  startTime: number,
  image: string,
  cmdLine: string,
  user: string,
  logonId: string,
  session: number,
  integrity: string,
  pid?: number,
): WinProc {
  const p: WinProc = {
    pid: pid ?? pidAllocator(host, rng),
    image,
    guid: processGuid(host, startTime),
    cmdLine,
    user,
    logonId,
    logonGuid: logonGuid(host, startTime, logonId),
    session,
    integrity,
    cwd: `${SYSTEM32}\\`,
  };
  host.livePids.add(p.pid);
  return p;
}

function buildEnvironment(rng: Rng, hostCount: number, userCount: number, start: number): Env {
  const domainSid = `S-1-5-21-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}-${rng.int(1e8, 4e9)}`;
  const users: User[] = [];
  for (let i = 0; i < userCount; i++) {
    const [name, dept] = personAt(i);
    const b64 = Buffer.from(Array.from({ length: 32 }, () => rng.int(0, 255))).toString('base64');
    users.push({
      name,
      dept,
      sid: `${domainSid}-${1104 + i}`,
      uid: 1002 + i,
      ip: `10.20.${2 + Math.floor(i / 200)}.${20 + (i % 200)}`,
      sshKey: b64.replace(/=+$/, ''),
    });
  }

  const hosts: Host[] = [];
  for (let i = 0; i < hostCount; i++) {
    const plan = hostPlan(i);
    if (plan.os === 'linux') {
      hosts.push({
        os: 'linux',
        name: plan.name,
        ip: plan.ip,
        role: plan.role as LinuxHost['role'],
        syntax: plan.syntax ?? 'rfc5424',
        nextPid: rng.int(20000, 90000),
        logindPid: rng.int(480, 900),
        nextSession: rng.int(200, 4000),
      });
      continue;
    }
    hosts.push(windowsHost(rng, plan, start, domainSid, 1500 + i));
  }

  const windows = hosts.filter((h): h is WinHost => h.os === 'windows');
  const linux = hosts.filter((h): h is LinuxHost => h.os === 'linux');
  const workstations = windows.filter((h) => h.role === 'workstation');

  // Owners: someone from the workstation's department first, then anyone without one.
  for (const ws of workstations) {
    const owner =
      users.find((u) => !u.workstation && u.dept === ws.dept) ??
      users.find((u) => !u.workstation && u.name !== STORY_ACTORS.user) ??
      users[workstations.indexOf(ws) % users.length]!;
    if (!owner.workstation) {
      owner.workstation = ws;
      owner.ip = ws.ip;
    }
    ws.desktop = desktopSession(ws, owner, rng, start);
  }

  const byName = new Map<string, Host>(hosts.map((h) => [h.name, h]));
  const dc = windows.find((h) => h.role === 'dc')!;
  const fileServer = windows.find((h) => h.name === 'SRV-FILE-01');
  const bastion = linux.find((h) => h.role === 'bastion')!;
  return { users, hosts, windows, linux, workstations, byName, dc, fileServer, bastion, domainSid };
}

function windowsHost(
  rng: Rng,
  plan: HostPlan,
  start: number,
  domainSid: string,
  machineRid: number,
): WinHost {
  const host: WinHost = {
    os: 'windows',
    name: plan.name,
    fqdn: `${plan.name}.${DOMAIN_FQDN}`,
    fqdnJson: JSON.stringify(`${plan.name}.${DOMAIN_FQDN}`),
    ip: plan.ip,
    role: plan.role as WinHost['role'],
    dept: plan.dept,
    machineSid: `${domainSid}-${machineRid}`,
    guidPrefix: rng.hex(8),
    guidTail: `00000000${rng.hex(2)}02`,
    guidCounter: rng.int(0, 0xffff),
    sysmonPid: rng.int(600, 1200) * 4,
    sysmonThreads: [rng.int(600, 1500) * 4, rng.int(600, 1500) * 4],
    securityThreads: Array.from({ length: 6 }, () => rng.int(100, 2000) * 4),
    activityId: randomGuid(rng),
    recordStart: { security: rng.int(150_000, 4_000_000), sysmon: rng.int(800_000, 30_000_000) },
    livePids: new Set([4]),
    logonGuids: new Map(),
    procs: new Map(),
  };
  const boot = start - rng.int(1, 12) * DAY - rng.int(0, DAY);
  const sys = (
    key: string,
    image: string,
    cmd: string,
    pid?: number,
    user = SYSTEM_USER,
    logonId = '0x3e7',
  ) =>
    host.procs.set(
      key,
      longLived(host, rng, boot + rng.int(5_000, 90_000), image, cmd, user, logonId, 0, 'System', pid),
    );
  sys('System', 'System', '', 4);
  sys(
    'services.exe',
    `${SYSTEM32}\\services.exe`,
    'C:\\Windows\\system32\\services.exe',
    rng.int(150, 200) * 4,
  );
  sys('lsass.exe', `${SYSTEM32}\\lsass.exe`, 'C:\\Windows\\system32\\lsass.exe', rng.int(150, 200) * 4);
  host.procs.set(
    'winlogon.exe',
    longLived(
      host,
      rng,
      boot + 4_000,
      `${SYSTEM32}\\winlogon.exe`,
      'winlogon.exe',
      SYSTEM_USER,
      '0x3e7',
      1,
      'System',
    ),
  );
  sys('DcomLaunch', SVCHOST, 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p');
  sys('Schedule', SVCHOST, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule');
  sys('wuauserv', SVCHOST, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv');
  sys(
    'Dnscache',
    SVCHOST,
    'C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache',
    undefined,
    'NT AUTHORITY\\NETWORK SERVICE',
    '0x3e4',
  );
  if (host.role === 'workstation')
    sys(
      'SearchIndexer',
      `${SYSTEM32}\\SearchIndexer.exe`,
      'C:\\Windows\\system32\\SearchIndexer.exe /Embedding',
    );
  if (host.role === 'dc') sys('dns.exe', `${SYSTEM32}\\dns.exe`, 'C:\\Windows\\system32\\dns.exe');
  return host;
}

function desktopSession(ws: WinHost, user: User, rng: Rng, start: number): Desktop {
  const logonAt = start - rng.int(1, 4) * DAY - rng.int(0, 10 * HOUR);
  const logonId = newLogonId(rng);
  const who = `${NETBIOS}\\${user.name}`;
  const app = (image: string, cmd: string, offset: number) =>
    longLived(ws, rng, logonAt + offset, image, cmd, who, logonId, 1, 'Medium');
  const explorer = app('C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE', 6_000);
  const desktop: Desktop = {
    host: ws,
    user,
    logonId,
    explorer,
    chrome: app(CHROME, `"${CHROME}" `, rng.int(60_000, 900_000)),
    outlook: app(`${OFFICE}\\OUTLOOK.EXE`, `"${OFFICE}\\OUTLOOK.EXE" `, rng.int(60_000, 900_000)),
    teams: app(TEAMS_EXE, `"${TEAMS_EXE}" msteams:system-initiated`, 40_000),
  };
  if (user.dept === 'Engineering') {
    const code = `C:\\Users\\${user.name}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe`;
    desktop.code = app(code, `"${code}" `, rng.int(60_000, 3_600_000));
  }
  return desktop;
}

// ---------------------------------------------------------------------------------------------
// Records

/**
 * A record waiting for the sort. Windows events are rendered up to their EventRecordID, which is
 * only known once the records of each event log are in time order.
 */
interface Pending {
  time: number;
  seq: number;
  text: string;
  tail: string | undefined;
  counter: string | undefined;
  recordStart: number;
}

const SYSMON = {
  Name: 'Microsoft-Windows-Sysmon',
  Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9',
  channel: 'Microsoft-Windows-Sysmon/Operational',
};
const SECURITY = {
  Name: 'Microsoft-Windows-Security-Auditing',
  Guid: '54849625-5478-4994-A5BA-3E3B0328C30D',
  channel: 'Security',
};
/** Manifest versions of the events as current Sysmon (v15) and Windows 10+ write them. */
const SYSMON_VERSIONS: Record<number, number> = { 1: 5, 3: 5, 10: 3, 11: 2, 22: 5 };
const EVENT_XMLNS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** Facility × 8 + severity, as sshd, PAM, sudo, cron and systemd log on Debian. */
const PRI = {
  authInfo: 4 * 8 + 6,
  authprivNotice: 10 * 8 + 5,
  authprivInfo: 10 * 8 + 6,
  cronInfo: 9 * 8 + 6,
  daemonInfo: 3 * 8 + 6,
};

/** Collects records out of order; `finish` sorts them and numbers each event log. */
class Sink {
  readonly pending: Pending[] = [];
  private seq = 0;

  constructor(private readonly rng: Rng) {}

  get count(): number {
    return this.pending.length;
  }

  sysmon(host: WinHost, time: number, eventId: number, data: Record<string, unknown>): void {
    // The evtx_dump layout, written as text: JSON.stringify of the nested System object costs more
    // than the rest of the generator together.
    const head =
      `{"Event":{"#attributes":{"xmlns":"${EVENT_XMLNS}"},"System":{"Provider":{"#attributes":{"Name":"${SYSMON.Name}",` +
      `"Guid":"${SYSMON.Guid}"}},"EventID":${eventId},"Version":${SYSMON_VERSIONS[eventId] ?? 5},"Level":4,` +
      `"Task":${eventId},"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{"#attributes":` +
      `{"SystemTime":"${systemTime(time, this.rng)}"}},"EventRecordID":`;
    const tail =
      `,"Correlation":null,"Execution":{"#attributes":{"ProcessID":${host.sysmonPid},` +
      `"ThreadID":${this.rng.pick(host.sysmonThreads)}}},"Channel":"${SYSMON.channel}","Computer":${host.fqdnJson},` +
      `"Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":${JSON.stringify(data)}}}`;
    this.windows(host, time, head, tail, 'sysmon', host.recordStart.sysmon);
  }

  security(host: WinHost, time: number, eventId: 4624 | 4625, data: Record<string, unknown>): void {
    const success = eventId === 4624;
    const head =
      `{"Event":{"#attributes":{"xmlns":"${EVENT_XMLNS}"},"System":{"Provider":{"#attributes":{"Name":"${SECURITY.Name}",` +
      `"Guid":"${SECURITY.Guid}"}},"EventID":${eventId},"Version":${success ? 2 : 0},"Level":0,"Task":12544,` +
      `"Opcode":0,"Keywords":"${success ? '0x8020000000000000' : '0x8010000000000000'}","TimeCreated":` +
      `{"#attributes":{"SystemTime":"${systemTime(time, this.rng)}"}},"EventRecordID":`;
    const tail =
      `,"Correlation":{"#attributes":{"ActivityID":"${host.activityId}"}},"Execution":{"#attributes":` +
      `{"ProcessID":${host.procs.get('lsass.exe')!.pid},"ThreadID":${this.rng.pick(host.securityThreads)}}},` +
      `"Channel":"${SECURITY.channel}","Computer":${host.fqdnJson},"Security":null},"EventData":${JSON.stringify(data)}}}`;
    this.windows(host, time, head, tail, 'security', host.recordStart.security);
  }

  private windows(
    host: WinHost,
    time: number,
    head: string,
    tail: string,
    channel: string,
    recordStart: number,
  ): void {
    this.pending.push({
      time,
      seq: this.seq++,
      text: head,
      tail,
      counter: `${host.name}|${channel}`,
      recordStart,
    });
  }

  syslog(
    host: LinuxHost,
    time: number,
    app: string,
    pid: number | undefined,
    pri: number,
    message: string,
  ): void {
    if (host.syntax === 'rfc3164') {
      // BSD syslog has whole seconds only; the record's time is what its text says.
      const t = Math.floor(time / 1000) * 1000;
      const tag = pid === undefined ? app : `${app}[${pid}]`;
      const text = `<${pri}>${rfc3164Time(t)} ${host.name} ${tag}: ${message}`;
      this.pending.push({
        time: t,
        seq: this.seq++,
        text,
        tail: undefined,
        counter: undefined,
        recordStart: 0,
      });
      return;
    }
    const ts = `${isoMs(time).slice(0, 23)}${String(this.rng.int(0, 999)).padStart(3, '0')}+00:00`;
    const text = `<${pri}>1 ${ts} ${host.name} ${app} ${pid ?? '-'} - - ${message}`;
    this.pending.push({ time, seq: this.seq++, text, tail: undefined, counter: undefined, recordStart: 0 });
  }

  finish(start: number, end: number): DemoRecord[] {
    const kept = this.pending.filter((p) => p.time >= start && p.time < end);
    kept.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const counters = new Map<string, number>();
    return kept.map((p): DemoRecord => {
      if (p.counter === undefined) return { time: p.time, format: 'syslog', text: p.text };
      const next = (counters.get(p.counter) ?? p.recordStart) + 1;
      counters.set(p.counter, next);
      return { time: p.time, format: 'json', text: `${p.text}${next}${p.tail}` };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Windows event builders

class Windows {
  constructor(
    private readonly sink: Sink,
    private readonly rng: Rng,
  ) {}

  /** Sysmon 1; returns the new process. */
  process(
    host: WinHost,
    time: number,
    parent: WinProc,
    image: string,
    cmdLine: string,
    opts: { user?: string; logonId?: string; integrity?: string; session?: number; cwd?: string } = {},
  ): WinProc {
    const user = opts.user ?? parent.user;
    const logonId = opts.logonId ?? parent.logonId;
    const proc: WinProc = {
      pid: pidAllocator(host, this.rng),
      image,
      guid: processGuid(host, time),
      cmdLine,
      user,
      logonId,
      logonGuid: logonGuid(host, time, logonId),
      session: opts.session ?? parent.session,
      integrity: opts.integrity ?? parent.integrity,
      cwd: opts.cwd ?? parent.cwd,
    };
    const meta = imageMeta(image, host.role !== 'workstation');
    this.sink.sysmon(host, time, 1, {
      RuleName: '-',
      UtcTime: sysmonTime(time - this.rng.int(1, 9)),
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: image,
      FileVersion: meta.version,
      Description: meta.description,
      Product: meta.product,
      Company: meta.company,
      OriginalFileName: meta.original,
      CommandLine: cmdLine,
      CurrentDirectory: proc.cwd,
      User: user,
      LogonGuid: proc.logonGuid,
      LogonId: logonId,
      TerminalSessionId: proc.session,
      IntegrityLevel: proc.integrity,
      Hashes: imageHashes(image, meta.version),
      ParentProcessGuid: parent.guid,
      ParentProcessId: parent.pid,
      ParentImage: parent.image,
      ParentCommandLine: parent.cmdLine,
      ParentUser: parent.user,
    });
    return proc;
  }

  /** A console program started from a GUI or service parent gets its own conhost.exe. */
  conhost(host: WinHost, time: number, console: WinProc): void {
    this.process(
      host,
      time + this.rng.int(2, 30),
      console,
      `${SYSTEM32}\\conhost.exe`,
      '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
    );
  }

  /** Sysmon 3. */
  network(
    host: WinHost,
    time: number,
    proc: WinProc,
    dstIp: string,
    dstPort: number,
    opts: { protocol?: 'tcp' | 'udp'; dstHostname?: string } = {},
  ): void {
    this.sink.sysmon(host, time, 3, {
      RuleName: '-',
      UtcTime: sysmonTime(time - this.rng.int(1, 900)),
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: proc.image,
      User: proc.user,
      Protocol: opts.protocol ?? 'tcp',
      Initiated: true,
      SourceIsIpv6: false,
      SourceIp: host.ip,
      SourceHostname: host.fqdn,
      SourcePort: this.rng.int(49152, 65535),
      SourcePortName: '-',
      DestinationIsIpv6: false,
      DestinationIp: dstIp,
      DestinationHostname: opts.dstHostname ?? '-',
      DestinationPort: dstPort,
      DestinationPortName: PORT_NAMES[dstPort] ?? '-',
    });
  }

  /** Sysmon 22. */
  dns(host: WinHost, time: number, proc: WinProc, queryName: string, results: string): void {
    this.sink.sysmon(host, time, 22, {
      RuleName: '-',
      UtcTime: sysmonTime(time - this.rng.int(1, 40)),
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      QueryName: queryName,
      QueryStatus: '0',
      QueryResults: results,
      Image: proc.image,
      User: proc.user,
    });
  }

  /** Sysmon 11. */
  fileCreate(host: WinHost, time: number, proc: WinProc, path: string): void {
    const utc = sysmonTime(time - this.rng.int(1, 9));
    this.sink.sysmon(host, time, 11, {
      RuleName: '-',
      UtcTime: utc,
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: proc.image,
      TargetFilename: path,
      CreationUtcTime: utc,
      User: proc.user,
    });
  }

  /** Sysmon 10. */
  processAccess(
    host: WinHost,
    time: number,
    source: WinProc,
    target: WinProc,
    access: string,
    callTrace: string,
  ): void {
    this.sink.sysmon(host, time, 10, {
      RuleName: '-',
      UtcTime: sysmonTime(time - this.rng.int(1, 9)),
      SourceProcessGUID: source.guid,
      SourceProcessId: source.pid,
      SourceThreadId: this.rng.int(200, 5000) * 4,
      SourceImage: source.image,
      TargetProcessGUID: target.guid,
      TargetProcessId: target.pid,
      TargetImage: target.image,
      GrantedAccess: access,
      CallTrace: callTrace,
      SourceUser: source.user,
      TargetUser: target.user,
    });
  }

  /**
   * Security 4624. `kind` picks the shape Windows writes: a Kerberos network logon (file shares,
   * SYSVOL), an NTLM network logon (RDP's network-level authentication), or an interactive one
   * (unlock, RDP) made by the machine on the user's behalf.
   */
  logon(
    host: WinHost,
    time: number,
    o: {
      kind: 'kerberos' | 'ntlm' | 'interactive';
      logonType: number;
      userName: string;
      userSid: string;
      ip: string;
      port: number;
      workstation?: string;
      elevated?: boolean;
      logonId?: string;
    },
  ): string {
    const logonId = o.logonId ?? newLogonId(this.rng);
    const interactive = o.kind === 'interactive';
    const machine = `${host.name}$`;
    this.sink.security(host, time, 4624, {
      SubjectUserSid: interactive ? 'S-1-5-18' : 'S-1-0-0',
      SubjectUserName: interactive ? machine : '-',
      SubjectDomainName: interactive ? NETBIOS : '-',
      SubjectLogonId: interactive ? '0x3e7' : '0x0',
      TargetUserSid: o.userSid,
      TargetUserName: o.userName,
      TargetDomainName: o.kind === 'kerberos' ? REALM : NETBIOS,
      TargetLogonId: logonId,
      LogonType: o.logonType,
      LogonProcessName: o.kind === 'kerberos' ? 'Kerberos' : o.kind === 'ntlm' ? 'NtLmSsp ' : 'User32 ',
      AuthenticationPackageName:
        o.kind === 'kerberos' ? 'Kerberos' : o.kind === 'ntlm' ? 'NTLM' : 'Negotiate',
      WorkstationName: o.kind === 'kerberos' ? '-' : (o.workstation ?? host.name),
      LogonGuid: o.kind === 'ntlm' ? ZERO_GUID : randomGuid(this.rng),
      TransmittedServices: '-',
      LmPackageName: o.kind === 'ntlm' ? 'NTLM V2' : '-',
      KeyLength: o.kind === 'ntlm' ? 128 : 0,
      ProcessId: interactive ? `0x${host.procs.get('Schedule')!.pid.toString(16)}` : '0x0',
      ProcessName: interactive ? SVCHOST : '-',
      IpAddress: o.ip,
      IpPort: String(o.port),
      ImpersonationLevel: '%%1833',
      RestrictedAdminMode: o.logonType === 10 ? '%%1843' : '-',
      TargetOutboundUserName: '-',
      TargetOutboundDomainName: '-',
      VirtualAccount: '%%1843',
      TargetLinkedLogonId: '0x0',
      ElevatedToken: o.elevated === false ? '%%1843' : '%%1842',
    });
    return logonId;
  }

  /** Security 4625: a wrong password (0xC000006D / 0xC000006A). */
  logonFailed(
    host: WinHost,
    time: number,
    o: {
      interactive: boolean;
      logonType: number;
      userName: string;
      ip: string;
      port: number;
      workstation: string;
    },
  ): void {
    this.sink.security(host, time, 4625, {
      SubjectUserSid: o.interactive ? 'S-1-5-18' : 'S-1-0-0',
      SubjectUserName: o.interactive ? `${host.name}$` : '-',
      SubjectDomainName: o.interactive ? NETBIOS : '-',
      SubjectLogonId: o.interactive ? '0x3e7' : '0x0',
      TargetUserSid: 'S-1-0-0',
      TargetUserName: o.userName,
      TargetDomainName: NETBIOS,
      Status: '0xc000006d',
      FailureReason: '%%2313',
      SubStatus: '0xc000006a',
      LogonType: o.logonType,
      LogonProcessName: o.interactive ? 'User32 ' : 'NtLmSsp ',
      AuthenticationPackageName: o.interactive ? 'Negotiate' : 'NTLM',
      WorkstationName: o.workstation,
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: 0,
      ProcessId: o.interactive ? `0x${host.procs.get('Schedule')!.pid.toString(16)}` : '0x0',
      ProcessName: o.interactive ? SVCHOST : '-',
      IpAddress: o.ip,
      IpPort: String(o.port),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Background activity

/** 0 at night, 1 in the busy office hours (UTC), low at weekends. */
export function officeFactor(time: number): number {
  const d = new Date(time);
  const weekday = d.getUTCDay();
  const hour = d.getUTCHours();
  // Nobody works between midnight and 06:00; machines keep talking (see `run`).
  const byHour = [
    0, 0, 0, 0, 0, 0, 0.03, 0.3, 0.8, 1, 1, 1, 0.7, 1, 1, 1, 1, 0.6, 0.3, 0.15, 0.08, 0.05, 0.02, 0,
  ][hour]!;
  return weekday === 0 || weekday === 6 ? byHour * 0.08 : byHour;
}

const DOCUMENTS: Record<Department, readonly string[]> = {
  Finance: [
    'Budget 2026 Q2.xlsx',
    'forecast_march.xlsx',
    'AP aging report.xlsx',
    'Board pack draft.docx',
    'VAT return notes.docx',
  ],
  HR: [
    'Onboarding checklist.docx',
    'Holiday planner 2026.xlsx',
    'Job description - Support Engineer.docx',
    'Policy update.docx',
  ],
  IT: ['Server inventory.xlsx', 'Change request 4411.docx', 'Patch schedule.xlsx'],
  Engineering: ['Design review notes.docx', 'Release plan.xlsx', 'API changes.docx'],
  Sales: ['Pipeline Q2.xlsx', 'Proposal - Northwind.docx', 'Pricing 2026.xlsx', 'Customer visit notes.docx'],
};
const DOWNLOADS = [
  'invoice_88213.pdf',
  'statement_2026_02.pdf',
  'meeting-notes.pdf',
  'ChromeSetup.exe',
  'report_final_v3.pdf',
  'export.csv',
  'screenshot 2026-03-02.png',
];
const GIT_COMMANDS = [
  'status -z -uall',
  'fetch',
  '-c core.quotepath=false -c color.ui=false rev-parse --show-toplevel',
  'pull --tags origin main',
  'log --oneline -20',
];
const SVCHOST_CHILDREN: readonly (readonly [string, string, string])[] = [
  ['DcomLaunch', `${SYSTEM32}\\RuntimeBroker.exe`, 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding'],
  [
    'DcomLaunch',
    `${SYSTEM32}\\wbem\\WmiPrvSE.exe`,
    'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
  ],
  [
    'DcomLaunch',
    `${SYSTEM32}\\dllhost.exe`,
    'C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}',
  ],
  ['DcomLaunch', `${SYSTEM32}\\smartscreen.exe`, 'C:\\Windows\\System32\\smartscreen.exe -Embedding'],
  [
    'DcomLaunch',
    `${SYSTEM32}\\backgroundTaskHost.exe`,
    '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider',
  ],
  ['Schedule', `${SYSTEM32}\\taskhostw.exe`, 'taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}'],
  ['Schedule', `${SYSTEM32}\\taskhostw.exe`, 'taskhostw.exe KEYROAMING'],
  ['Schedule', `${SYSTEM32}\\wermgr.exe`, 'C:\\Windows\\system32\\wermgr.exe -upload'],
  ['Schedule', `${SYSTEM32}\\CompatTelRunner.exe`, 'C:\\Windows\\system32\\compattelrunner.exe -maintenance'],
];
const LINUX_SUDO: Record<LinuxHost['role'], readonly string[]> = {
  bastion: [
    '/usr/bin/journalctl -u ssh --since today',
    '/usr/bin/systemctl status fail2ban',
    '/usr/bin/apt-get update',
    '/usr/bin/tail -n 200 /var/log/auth.log',
  ],
  web: [
    '/usr/sbin/nginx -t',
    '/usr/bin/systemctl reload nginx',
    '/usr/bin/tail -n 100 /var/log/nginx/error.log',
    '/usr/bin/systemctl status app.service',
  ],
  db: [
    '/usr/bin/systemctl status postgresql',
    '/usr/bin/du -sh /var/lib/postgresql/15/main',
    '/usr/bin/tail -n 100 /var/log/postgresql/postgresql-15-main.log',
  ],
  app: [
    '/usr/bin/systemctl status app.service',
    '/usr/bin/df -h',
    '/usr/bin/journalctl -u app.service -n 200',
  ],
};
const SCANNER_USERS = [
  'admin',
  'test',
  'user',
  'ubuntu',
  'oracle',
  'support',
  'pi',
  'guest',
  'ftpuser',
  'git',
];

class Background {
  private readonly win: Windows;

  constructor(
    private readonly env: Env,
    private readonly sink: Sink,
    private readonly rng: Rng,
  ) {
    this.win = new Windows(sink, rng);
  }

  private jitter(t: number, maxMs: number): number {
    return t + this.rng.int(0, maxMs);
  }

  // --- user activity on a monitored workstation

  browse(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    const dept = d.user.dept;
    const pool =
      dept === 'Engineering'
        ? [...WEB_COMMON, ...WEB_ENGINEERING]
        : dept === 'Finance'
          ? [...WEB_COMMON, ...WEB_FINANCE]
          : WEB_COMMON;
    const site = this.rng.pick(pool);
    if (this.rng.chance(0.75)) this.win.dns(ws, t, d.chrome, site.name, site.results);
    const n = this.rng.int(1, 2);
    for (let i = 0; i < n; i++)
      this.win.network(ws, t + 40 + i * this.rng.int(20, 400), d.chrome, this.rng.pick(site.ips), 443);
  }

  mail(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    if (this.rng.chance(0.3)) this.win.dns(ws, t, d.outlook, OUTLOOK.name, OUTLOOK.results);
    this.win.network(ws, t + 30, d.outlook, this.rng.pick(OUTLOOK.ips), 443);
    if (this.rng.chance(0.15)) {
      const file = this.rng.pick(DOCUMENTS[d.user.dept]);
      const cache = `C:\\Users\\${d.user.name}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${this.rng.hex(8)}`;
      this.win.fileCreate(ws, t + this.rng.int(2_000, 30_000), d.outlook, `${cache}\\${file}`);
    }
  }

  teams(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    if (this.rng.chance(0.2)) this.win.dns(ws, t, d.teams, TEAMS.name, TEAMS.results);
    this.win.network(ws, t + 25, d.teams, TEAMS.ips[0]!, 443);
  }

  openDocument(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    const file = this.rng.pick(DOCUMENTS[d.user.dept]);
    const folder = this.rng.chance(0.5)
      ? `C:\\Users\\${d.user.name}\\Documents`
      : `C:\\Users\\${d.user.name}\\OneDrive - Corp\\${d.user.dept}`;
    const word = file.endsWith('.docx');
    const image = `${OFFICE}\\${word ? 'WINWORD.EXE' : 'EXCEL.EXE'}`;
    const cmd = word ? `"${image}" /n "${folder}\\${file}" /o ""` : `"${image}" "${folder}\\${file}"`;
    const proc = this.win.process(ws, t, d.explorer, image, cmd, { cwd: `${folder}\\` });
    // Office's owner file: "~$" plus the name without its first two characters.
    this.win.fileCreate(ws, t + this.rng.int(800, 3_000), proc, `${folder}\\~$${file.slice(2)}`);
  }

  download(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    this.win.fileCreate(ws, t, d.chrome, `C:\\Users\\${d.user.name}\\Downloads\\${this.rng.pick(DOWNLOADS)}`);
  }

  launchApp(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    const home = `C:\\Users\\${d.user.name}\\`;
    switch (this.rng.int(0, 4)) {
      case 0:
      case 1: {
        const renderer = this.rng.int(8, 400);
        this.win.process(
          ws,
          t,
          d.chrome,
          CHROME,
          `"${CHROME}" --type=renderer --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=${renderer} --time-ticks-at-unix-epoch=-${this.rng.int(1e15, 9e15)} --launch-time-ticks=${this.rng.int(1e9, 9e10)} --mojo-platform-channel-handle=${this.rng.int(1000, 9000)} --field-trial-handle=1908,i,${this.rng.int(1e17, 9e17)},${this.rng.int(1e17, 9e17)},262144 /prefetch:1`,
          { cwd: 'C:\\Program Files\\Google\\Chrome\\Application\\122.0.6261.129\\' },
        );
        return;
      }
      case 2: {
        const file = `${home}Desktop\\notes.txt`;
        this.win.process(
          ws,
          t,
          d.explorer,
          `${SYSTEM32}\\notepad.exe`,
          `"C:\\Windows\\system32\\NOTEPAD.EXE" ${file}`,
          { cwd: home },
        );
        return;
      }
      case 3: {
        const cmd = this.win.process(
          ws,
          t,
          d.explorer,
          `${SYSTEM32}\\cmd.exe`,
          '"C:\\Windows\\system32\\cmd.exe" ',
          { cwd: home },
        );
        this.win.conhost(ws, t, cmd);
        const tool = this.rng.chance(0.5)
          ? ['ipconfig.exe', 'ipconfig  /all']
          : ['ping.exe', `ping  ${this.env.dc.fqdn}`];
        this.win.process(ws, t + this.rng.int(3_000, 40_000), cmd, `${SYSTEM32}\\${tool[0]}`, tool[1]!, {
          cwd: home,
        });
        return;
      }
      default:
        if (d.user.dept === 'IT') {
          this.win.process(
            ws,
            t,
            d.explorer,
            `${SYSTEM32}\\mmc.exe`,
            '"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\dsa.msc" ',
            {
              cwd: home,
            },
          );
        } else {
          this.openDocument(ws, t);
        }
    }
  }

  develop(ws: WinHost, t: number): void {
    const d = ws.desktop!;
    if (!d.code) return this.browse(ws, t);
    const repo = `C:\\Users\\${d.user.name}\\src\\billing-service`;
    if (this.rng.chance(0.7)) {
      const git = this.win.process(
        ws,
        t,
        d.code,
        'C:\\Program Files\\Git\\cmd\\git.exe',
        `"C:\\Program Files\\Git\\cmd\\git.exe" ${this.rng.pick(GIT_COMMANDS)}`,
        {
          cwd: `${repo}\\`,
        },
      );
      if (this.rng.chance(0.3)) {
        const gh = WEB_ENGINEERING[0]!;
        this.win.network(ws, t + 200, git, gh.ips[0]!, 443);
      }
      return;
    }
    const shell = this.win.process(
      ws,
      t,
      d.code,
      POWERSHELL,
      'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      {
        cwd: `${repo}\\`,
      },
    );
    const node = this.win.process(
      ws,
      t + this.rng.int(5_000, 60_000),
      shell,
      'C:\\Program Files\\nodejs\\node.exe',
      `"C:\\Program Files\\nodejs\\node.exe" "C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js" ${this.rng.pick(['run build', 'test', 'install', 'run lint'])}`,
    );
    const npm = WEB_ENGINEERING[3]!;
    if (this.rng.chance(0.5)) {
      this.win.dns(ws, t + 70_000, node, npm.name, npm.results);
      this.win.network(ws, t + 70_100, node, npm.ips[0]!, 443);
    }
  }

  shareAccess(user: User, t: number): void {
    const server = this.env.fileServer ?? this.env.dc;
    this.win.logon(server, t, {
      kind: 'kerberos',
      logonType: 3,
      userName: user.name,
      userSid: user.sid,
      ip: user.ip,
      port: this.rng.int(49152, 65535),
    });
    const ws = user.workstation;
    if (ws)
      this.win.network(ws, t - this.rng.int(5, 60), ws.procs.get('System')!, server.ip, 445, {
        dstHostname: server.fqdn,
      });
  }

  dcLogon(user: User, t: number): void {
    this.win.logon(this.env.dc, t, {
      kind: 'kerberos',
      logonType: 3,
      userName: user.name,
      userSid: user.sid,
      ip: user.ip,
      port: this.rng.int(49152, 65535),
    });
  }

  /** A mistyped password, then the right one. */
  typo(user: User, t: number): void {
    const ws = user.workstation;
    if (ws?.desktop) {
      const common = { logonType: 7, userName: user.name, ip: '127.0.0.1', port: 0, workstation: ws.name };
      this.win.logonFailed(ws, t, { interactive: true, ...common });
      this.win.logon(ws, t + this.rng.int(4_000, 15_000), {
        kind: 'interactive',
        ...common,
        userSid: user.sid,
        elevated: user.dept === 'IT',
        logonId: ws.desktop.logonId,
      });
      return;
    }
    const server = this.env.fileServer ?? this.env.dc;
    const port = this.rng.int(49152, 65535);
    // Users without a monitored workstation work on laptops, named apart from the WS-* hosts.
    const workstation = `LT-${DEPT_CODES[user.dept]}-${String(this.env.users.indexOf(user) + 1).padStart(3, '0')}`;
    this.win.logonFailed(server, t, {
      interactive: false,
      logonType: 3,
      userName: user.name,
      ip: user.ip,
      port,
      workstation,
    });
  }

  /** An admin's SSH session: from their workstation to the bastion, or through it to a server. */
  adminSession(user: User, t: number): void {
    const targets = this.env.linux;
    const host = this.rng.chance(0.45) ? this.env.bastion : this.rng.pick(targets);
    const from = host === this.env.bastion ? user.ip : this.env.bastion.ip;
    const duration = this.rng.int(2 * MINUTE, 40 * MINUTE);
    this.sshSession(host, t, user.name, user.uid, from, user.sshKey, duration, () =>
      this.rng.pick(LINUX_SUDO[host.role]),
    );
  }

  sshSession(
    host: LinuxHost,
    t: number,
    user: string,
    uid: number,
    from: string,
    key: string,
    duration: number,
    sudoCommand: () => string,
    tty = true,
  ): void {
    const pid = this.linuxPid(host);
    const port = this.rng.int(32768, 60999);
    const session = host.nextSession++;
    const s = this.sink;
    s.syslog(
      host,
      t,
      'sshd',
      pid,
      PRI.authInfo,
      `Accepted publickey for ${user} from ${from} port ${port} ssh2: ED25519 SHA256:${key}`,
    );
    s.syslog(
      host,
      t + 12,
      'sshd',
      pid,
      PRI.authprivInfo,
      `pam_unix(sshd:session): session opened for user ${user}(uid=${uid}) by (uid=0)`,
    );
    s.syslog(
      host,
      t + 30,
      'systemd-logind',
      host.logindPid,
      PRI.authInfo,
      `New session ${session} of user ${user}.`,
    );
    const sudos = this.rng.int(0, 3);
    const pts = this.rng.int(0, 4);
    for (let i = 0; i < sudos; i++) {
      const at = t + Math.round(((i + 1) / (sudos + 1)) * duration);
      const spid = this.linuxPid(host);
      const home = user === 'deploy' ? '/srv/app' : `/home/${user}`;
      s.syslog(
        host,
        at,
        'sudo',
        undefined,
        PRI.authprivNotice,
        `${user} : TTY=${tty ? `pts/${pts}` : 'unknown'} ; PWD=${home} ; USER=root ; COMMAND=${sudoCommand()}`,
      );
      s.syslog(
        host,
        at + 4,
        'sudo',
        spid,
        PRI.authprivInfo,
        `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=${uid})`,
      );
      s.syslog(
        host,
        at + this.rng.int(50, 4000),
        'sudo',
        spid,
        PRI.authprivInfo,
        'pam_unix(sudo:session): session closed for user root',
      );
    }
    const end = t + duration;
    s.syslog(
      host,
      end,
      'sshd',
      pid,
      PRI.authInfo,
      `Received disconnect from ${from} port ${port}:11: disconnected by user`,
    );
    s.syslog(host, end + 2, 'sshd', pid, PRI.authInfo, `Disconnected from user ${user} ${from} port ${port}`);
    s.syslog(
      host,
      end + 6,
      'sshd',
      pid,
      PRI.authprivInfo,
      `pam_unix(sshd:session): session closed for user ${user}`,
    );
    s.syslog(
      host,
      end + 15,
      'systemd-logind',
      host.logindPid,
      PRI.authInfo,
      `Session ${session} logged out. Waiting for processes to exit.`,
    );
    s.syslog(host, end + 40, 'systemd-logind', host.logindPid, PRI.authInfo, `Removed session ${session}.`);
  }

  linuxPid(host: LinuxHost): number {
    host.nextPid += this.rng.int(1, 40);
    if (host.nextPid > 4_194_304) host.nextPid = 1000;
    return host.nextPid;
  }

  // --- machine activity

  serviceChild(t: number): void {
    const host = this.rng.pick(this.env.windows);
    const [parentKey, image, cmd] = this.rng.pick(SVCHOST_CHILDREN);
    const parent = host.procs.get(parentKey)!;
    const desktop = host.desktop;
    // COM servers run in the interactive user's session; scheduled tasks as SYSTEM.
    if (parentKey === 'DcomLaunch' && desktop) {
      this.win.process(host, t, parent, image, cmd, {
        user: `${NETBIOS}\\${desktop.user.name}`,
        logonId: desktop.logonId,
        integrity: 'Medium',
        session: 1,
        cwd: `${SYSTEM32}\\`,
      });
      return;
    }
    this.win.process(host, t, parent, image, cmd, { cwd: `${SYSTEM32}\\` });
    if (host.role === 'workstation' && host.procs.has('SearchIndexer') && this.rng.chance(0.3)) {
      this.win.process(
        host,
        t + 500,
        host.procs.get('SearchIndexer')!,
        `${SYSTEM32}\\SearchProtocolHost.exe`,
        '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 6.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" ',
      );
    }
  }

  machineLogon(t: number): void {
    const host = this.rng.pick(this.env.windows);
    if (host === this.env.dc) return this.dnsForward(t);
    this.win.logon(this.env.dc, t, {
      kind: 'kerberos',
      logonType: 3,
      userName: `${host.name}$`,
      userSid: host.machineSid,
      ip: host.ip,
      port: this.rng.int(49152, 65535),
    });
  }

  windowsServices(t: number): void {
    const host = this.rng.pick(this.env.windows);
    const site = this.rng.pick(WINDOWS_SERVICES);
    const proc = host.procs.get(this.rng.chance(0.5) ? 'wuauserv' : 'DcomLaunch')!;
    this.win.dns(host, t, proc, site.name, site.results);
    this.win.network(host, t + 35, proc, site.ips[0]!, 443);
  }

  dnsForward(t: number): void {
    const dc = this.env.dc;
    this.win.network(dc, t, dc.procs.get('dns.exe')!, this.rng.pick(DNS_FORWARDERS), 53, { protocol: 'udp' });
  }

  /** What every internet-facing sshd sees: scanners guessing names, from all over. */
  scanner(t: number): void {
    const host = this.env.bastion;
    const ip = `${SCANNER_NET}${this.rng.int(1, 254)}`;
    const pid = this.linuxPid(host);
    const port = this.rng.int(1024, 65535);
    const s = this.sink;
    if (this.rng.chance(0.35)) {
      s.syslog(host, t, 'sshd', pid, PRI.authInfo, `Connection closed by ${ip} port ${port} [preauth]`);
      return;
    }
    const user = this.rng.pick(SCANNER_USERS);
    s.syslog(host, t, 'sshd', pid, PRI.authInfo, `Invalid user ${user} from ${ip} port ${port}`);
    s.syslog(host, t + 30, 'sshd', pid, PRI.authInfo, 'pam_unix(sshd:auth): check pass; user unknown');
    s.syslog(
      host,
      t + 35,
      'sshd',
      pid,
      PRI.authprivNotice,
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}`,
    );
    s.syslog(
      host,
      t + 2100,
      'sshd',
      pid,
      PRI.authInfo,
      `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`,
    );
    s.syslog(
      host,
      t + 2300,
      'sshd',
      pid,
      PRI.authInfo,
      `Connection closed by invalid user ${user} ${ip} port ${port} [preauth]`,
    );
  }

  // --- the minute loop

  run(start: number, end: number, perMinute: number): void {
    const owners = this.env.workstations.map((w) => w.desktop!);
    for (let minute = start; minute < end; minute += MINUTE) {
      const office = officeFactor(minute);
      const target = perMinute * (0.12 + 0.88 * office);
      const n = Math.floor(target) + (this.rng.chance(target % 1) ? 1 : 0);
      const userShare = (0.88 * office) / (0.12 + 0.88 * office);
      const before = this.sink.count;
      while (this.sink.count - before < n) {
        const t = this.jitter(minute, MINUTE - 1);
        if (this.rng.chance(userShare)) this.userActivity(t, owners);
        else this.machineActivity(t);
      }
    }
  }

  private userActivity(t: number, owners: Desktop[]): void {
    if (owners.length > 0 && this.rng.chance(0.65)) {
      const d = this.rng.pick(owners);
      const ws = d.host;
      const activity = this.rng.weighted<(ws: WinHost, t: number) => void>([
        [(w, at) => this.browse(w, at), 30],
        [(w, at) => this.mail(w, at), 12],
        [(w, at) => this.teams(w, at), 10],
        [(w, at) => this.launchApp(w, at), 12],
        [(w, at) => this.openDocument(w, at), d.user.dept === 'Engineering' ? 2 : 8],
        [(w, at) => this.download(w, at), 4],
        [(w, at) => this.develop(w, at), d.user.dept === 'Engineering' ? 16 : 0],
        [(_w, at) => this.shareAccess(d.user, at), 10],
      ]);
      activity(ws, t);
      return;
    }
    const user = this.rng.pick(this.env.users);
    const admin = user.dept === 'IT';
    const activity = this.rng.weighted<(u: User, t: number) => void>([
      [(u, at) => this.dcLogon(u, at), 45],
      [(u, at) => this.shareAccess(u, at), 35],
      [(u, at) => this.typo(u, at), 0.6],
      [(u, at) => this.adminSession(u, at), admin ? 1.2 : 0],
    ]);
    activity(user, t);
  }

  private machineActivity(t: number): void {
    this.rng.weighted<(t: number) => void>([
      [(at) => this.serviceChild(at), 30],
      [(at) => this.machineLogon(at), 30],
      [(at) => this.windowsServices(at), 20],
      [(at) => this.dnsForward(at), 8],
    ])(t);
  }

  // --- scheduled work, independent of the event rate

  schedule(start: number, end: number): void {
    const firstHour = Math.floor(start / HOUR) * HOUR;
    for (const host of this.env.linux) this.linuxSchedule(host, firstHour, end);
    this.linuxDeploys(start, end);
    for (let t = start + this.rng.int(0, 8 * MINUTE); t < end; t += this.rng.int(30_000, 8 * MINUTE))
      this.scanner(t);
    const firstDay = Math.floor(start / DAY) * DAY;
    for (let day = firstDay; day < end; day += DAY) {
      const weekday = new Date(day).getUTCDay();
      for (const ws of this.env.workstations) {
        const d = ws.desktop!;
        const owner = d.user;
        if (weekday !== 0 && weekday !== 6) {
          // Morning and after-lunch unlocks, sometimes after a typo.
          for (const at of [
            day + 8 * HOUR + this.rng.int(0, 75 * MINUTE),
            day + 12 * HOUR + 45 * MINUTE + this.rng.int(0, 45 * MINUTE),
          ]) {
            if (this.rng.chance(0.12)) this.typo(owner, at);
            else
              this.win.logon(ws, at, {
                kind: 'interactive',
                logonType: 7,
                userName: owner.name,
                userSid: owner.sid,
                ip: '127.0.0.1',
                port: 0,
                elevated: owner.dept === 'IT',
                logonId: d.logonId,
              });
          }
        }
        this.inventoryTask(ws, day + 10 * HOUR + this.rng.int(0, 30 * MINUTE));
      }
      for (const host of this.env.windows) {
        const schedule = host.procs.get('Schedule')!;
        this.win.process(
          host,
          day + 3 * HOUR + this.rng.int(0, 2 * HOUR),
          schedule,
          'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24020.7-0\\MpCmdRun.exe',
          '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24020.7-0\\MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance',
          { cwd: `${SYSTEM32}\\` },
        );
      }
    }
  }

  /** A GPO-deployed inventory script, run daily by the Task Scheduler as SYSTEM. */
  private inventoryTask(ws: WinHost, t: number): void {
    const schedule = ws.procs.get('Schedule')!;
    const script = `\\\\${DOMAIN_FQDN}\\NETLOGON\\inventory.ps1`;
    const ps = this.win.process(
      ws,
      t,
      schedule,
      POWERSHELL,
      `powershell.exe -NoProfile -ExecutionPolicy Bypass -File "${script}"`,
      {
        cwd: `${SYSTEM32}\\`,
      },
    );
    this.win.conhost(ws, t, ps);
    this.win.network(ws, t + this.rng.int(200, 900), ws.procs.get('System')!, this.env.dc.ip, 445, {
      dstHostname: this.env.dc.fqdn,
    });
  }

  private linuxSchedule(host: LinuxHost, firstHour: number, end: number): void {
    const s = this.sink;
    const cron = (t: number, user: string, uid: number, command: string) => {
      const pid = this.linuxPid(host);
      s.syslog(
        host,
        t,
        'CRON',
        pid,
        PRI.authprivInfo,
        `pam_unix(cron:session): session opened for user ${user}(uid=${uid}) by (uid=0)`,
      );
      s.syslog(host, t + 2, 'CRON', pid, PRI.cronInfo, `(${user}) CMD (${command})`);
      s.syslog(
        host,
        t + this.rng.int(30, 3000),
        'CRON',
        pid,
        PRI.authprivInfo,
        `pam_unix(cron:session): session closed for user ${user}`,
      );
    };
    const unit = (t: number, name: string, description: string) => {
      s.syslog(host, t, 'systemd', 1, PRI.daemonInfo, `Starting ${name} - ${description}...`);
      s.syslog(
        host,
        t + this.rng.int(40, 900),
        'systemd',
        1,
        PRI.daemonInfo,
        `${name}: Deactivated successfully.`,
      );
      s.syslog(
        host,
        t + this.rng.int(901, 1200),
        'systemd',
        1,
        PRI.daemonInfo,
        `Finished ${name} - ${description}.`,
      );
    };
    for (let hour = firstHour; hour < end; hour += HOUR) {
      const h = new Date(hour).getUTCHours();
      cron(
        hour + 17 * MINUTE + this.rng.int(0, 900),
        'root',
        0,
        'cd / && run-parts --report /etc/cron.hourly',
      );
      for (let m = 5; m < 60; m += 10) {
        cron(
          hour + m * MINUTE + this.rng.int(0, 900),
          'root',
          0,
          'command -v debian-sa1 > /dev/null && debian-sa1 1 1',
        );
      }
      if (host.role === 'web') {
        for (const m of [9, 39])
          unit(
            hour + m * MINUTE + this.rng.int(0, 2000),
            'phpsessionclean.service',
            'Clean php session files',
          );
      }
      if (host.role === 'db' && h === 2)
        cron(
          hour + 30 * MINUTE + this.rng.int(0, 900),
          'postgres',
          114,
          '/usr/local/bin/pg_backup.sh nightly',
        );
      if (h === 0) unit(hour + this.rng.int(0, 60_000), 'logrotate.service', 'Rotate log files');
      if (h === 0)
        unit(hour + this.rng.int(60_000, 20 * MINUTE), 'man-db.service', 'Daily man-db regeneration');
      if (h === 6)
        unit(
          hour + this.rng.int(0, 60 * MINUTE - 2000),
          'apt-daily-upgrade.service',
          'Daily apt upgrade and clean activities',
        );
      if (h === 3 + (host.name.length % 5))
        unit(
          hour + this.rng.int(0, 60 * MINUTE - 2000),
          'apt-daily.service',
          'Daily apt download activities',
        );
    }
  }

  /** CI deploys to the web servers, twice a working day. */
  private linuxDeploys(start: number, end: number): void {
    const web = this.env.linux.filter((h) => h.role === 'web' || h.role === 'app');
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff))
      .toString('base64')
      .replace(/=+$/, '');
    for (let day = Math.floor(start / DAY) * DAY; day < end; day += DAY) {
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      for (const host of web) {
        for (const hour of [11, 16]) {
          this.sshSession(
            host,
            day + hour * HOUR + this.rng.int(0, 50 * MINUTE),
            'deploy',
            1001,
            CI_RUNNER_IP,
            key,
            this.rng.int(40_000, 150_000),
            () =>
              this.rng.pick(['/usr/bin/systemctl restart app.service', '/usr/bin/systemctl reload nginx']),
            false,
          );
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The story's world: story.ts speaks in hosts and processes; this maps it onto the records

class World implements StoryWorld {
  readonly domainFqdn = DOMAIN_FQDN;
  readonly netbios = NETBIOS;
  private readonly procs = new Map<ProcessRef, WinProc>();

  constructor(
    private readonly env: Env,
    private readonly sink: Sink,
    private readonly win: Windows,
    private readonly background: Background,
  ) {}

  private windowsHost(name: string): WinHost {
    const host = this.env.byName.get(name);
    if (host?.os !== 'windows') throw new Error(`demo story: no Windows host ${name}`);
    return host;
  }

  private linuxHost(name: string): LinuxHost {
    const host = this.env.byName.get(name);
    if (host?.os !== 'linux') throw new Error(`demo story: no Linux host ${name}`);
    return host;
  }

  private user(name: string): User {
    const user = this.env.users.find((u) => u.name === name);
    if (!user) throw new Error(`demo story: no user ${name}`);
    return user;
  }

  private proc(ref: ProcessRef): WinProc {
    const proc = this.procs.get(ref);
    if (!proc) throw new Error(`demo story: unknown process ${ref.image} (${ref.pid})`);
    return proc;
  }

  private track(proc: WinProc): ProcessRef {
    this.procs.set(proc, proc);
    return proc;
  }

  linuxUid(user: string): number {
    return this.user(user).uid;
  }

  linuxPid(host: string): number {
    return this.background.linuxPid(this.linuxHost(host));
  }

  logindPid(host: string): number {
    return this.linuxHost(host).logindPid;
  }

  nextSession(host: string): number {
    return this.linuxHost(host).nextSession++;
  }

  syslog(
    time: number,
    host: string,
    app: string,
    pid: number | undefined,
    pri: number,
    message: string,
  ): void {
    this.sink.syslog(this.linuxHost(host), time, app, pid, pri, message);
  }

  logon(time: number, host: string, spec: LogonSpec): string {
    const user = this.user(spec.user);
    return this.win.logon(this.windowsHost(host), time, {
      kind: spec.authPackage === 'NTLM' ? 'ntlm' : 'interactive',
      logonType: spec.logonType,
      userName: user.name,
      userSid: user.sid,
      ip: spec.ip,
      port: spec.port,
      workstation: spec.workstation,
      elevated: true,
    });
  }

  systemProcess(host: string, name: 'winlogon.exe' | 'lsass.exe' | 'Schedule'): ProcessRef {
    return this.track(this.windowsHost(host).procs.get(name)!);
  }

  process(time: number, host: string, spec: ProcessSpec): ProcessRef {
    const h = this.windowsHost(host);
    const proc = this.win.process(h, time, this.proc(spec.parent), spec.image, spec.cmdLine, {
      user: spec.user,
      logonId: spec.logonId,
      integrity: spec.integrity,
      session: spec.session,
      cwd: spec.cwd,
    });
    h.livePids.add(proc.pid);
    return this.track(proc);
  }

  network(time: number, host: string, proc: ProcessRef, dstIp: string, dstPort: number): void {
    this.win.network(this.windowsHost(host), time, this.proc(proc), dstIp, dstPort);
  }

  dns(time: number, host: string, proc: ProcessRef, queryName: string, results: string): void {
    this.win.dns(this.windowsHost(host), time, this.proc(proc), queryName, results);
  }

  fileCreate(time: number, host: string, proc: ProcessRef, path: string): void {
    this.win.fileCreate(this.windowsHost(host), time, this.proc(proc), path);
  }

  processAccess(
    time: number,
    host: string,
    source: ProcessRef,
    target: ProcessRef,
    access: string,
    callTrace: string,
  ): void {
    this.win.processAccess(
      this.windowsHost(host),
      time,
      this.proc(source),
      this.proc(target),
      access,
      callTrace,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

function checkOptions(o: DemoOptions): { hosts: number; users: number; perMinute: number } {
  const finite = (name: string, v: number) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(`demo: ${name} must be a finite number, got ${v}`);
  };
  finite('seed', o.seed);
  finite('start', o.start);
  finite('durationMs', o.durationMs);
  if (o.start < 0) throw new RangeError(`demo: start must be an epoch time in milliseconds, got ${o.start}`);
  if (o.durationMs <= 0) throw new RangeError(`demo: durationMs must be positive, got ${o.durationMs}`);
  const hosts = o.hosts ?? 8;
  const users = o.users ?? 12;
  const perMinute = o.eventsPerMinute ?? 60;
  if (!Number.isInteger(hosts) || hosts < 3 || hosts > 200) {
    throw new RangeError(
      `demo: hosts must be an integer from 3 (the story needs a bastion, a workstation, a DC) to 200, got ${hosts}`,
    );
  }
  if (!Number.isInteger(users) || users < 4 || users > 500) {
    throw new RangeError(
      `demo: users must be an integer from 4 (the story's user is the fourth) to 500, got ${users}`,
    );
  }
  finite('eventsPerMinute', perMinute);
  if (perMinute <= 0 || perMinute > 100_000)
    throw new RangeError(`demo: eventsPerMinute must be in (0, 100000], got ${perMinute}`);
  return { hosts, users, perMinute };
}

/** The demo's telemetry for a time range, sorted by time, with the attack story in the middle. */
export function generateDemo(options: DemoOptions): DemoRecord[] {
  const { hosts, users, perMinute } = checkOptions(options);
  const { seed, start, durationMs } = options;
  const end = start + durationMs;
  const root = new Rng(seed);
  const env = buildEnvironment(root.fork(1), hosts, users, start);
  const sink = new Sink(root.fork(2));
  const background = new Background(env, sink, root.fork(3));
  background.run(start, end, perMinute);
  background.schedule(start, end);
  const storyRng = root.fork(4);
  const world = new World(env, sink, new Windows(sink, storyRng), background);
  playStory(world, start, durationMs, () => storyRng.next());
  return sink.finish(start, end);
}

// ---------------------------------------------------------------------------------------------
// Benchmark events

/**
 * Fixed start for benchmark events; `benchEvent(rng, i)` places event i at this time plus i × 7 ms.
 */
export const BENCH_BASE_TIME = Date.UTC(2026, 2, 2, 9, 0, 0);

const BENCH_HOSTS = [
  ['WS-FIN-01', '10.20.1.51'],
  ['WS-HR-02', '10.20.1.52'],
  ['WS-ENG-03', '10.20.1.53'],
  ['WS-SAL-09', '10.20.1.59'],
  ['SRV-DC-01', '10.10.1.10'],
  ['SRV-FILE-01', '10.10.1.20'],
] as const;
const BENCH_LINUX = ['lnx-bastion-01', 'lnx-web-01', 'lnx-db-01', 'lnx-app-12'];
const BENCH_IMAGES = [
  [CHROME, `"${CHROME}" --type=utility --lang=en-US /prefetch:8`, CHROME],
  [`${SYSTEM32}\\cmd.exe`, '"C:\\Windows\\system32\\cmd.exe" /c ipconfig /all', 'C:\\Windows\\explorer.exe'],
  [POWERSHELL, 'powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1', SVCHOST],
  [`${SYSTEM32}\\taskhostw.exe`, 'taskhostw.exe KEYROAMING', SVCHOST],
  [`${SYSTEM32}\\RuntimeBroker.exe`, 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding', SVCHOST],
  [
    `${OFFICE}\\EXCEL.EXE`,
    `"${OFFICE}\\EXCEL.EXE" "C:\\Users\\Public\\report.xlsx"`,
    'C:\\Windows\\explorer.exe',
  ],
] as const;
const BENCH_SITES = [...WEB_COMMON, ...WEB_ENGINEERING, OUTLOOK, TEAMS, ...WINDOWS_SERVICES];

/**
 * One realistic ~450-byte JSON event for throughput benchmarks: Sysmon 1/3/11/22 and Security
 * 4624/4625 in the flat layout that NXLog and Windows exports write (the OTRF corpus's "family B":
 * system and event fields side by side), and sshd/sudo lines as `journalctl -o json` writes them.
 * The evtx_dump layout cannot be this small: its System block alone is ~550 bytes. Objects are
 * written as literals, never spread: V8 serializes those several times faster.
 */
export function benchEvent(rng: Rng, i: number): string {
  const time = BENCH_BASE_TIME + i * 7;
  const kind = rng.weighted(BENCH_KINDS);
  if (kind === 0) return benchJournal(rng, time, i);
  const [host, ip] = rng.pick(BENCH_HOSTS);
  const hostname = `${host}.${DOMAIN_FQDN}`;
  const iso = isoMs(time);
  const user = `${NETBIOS}\\${personAt(rng.int(0, 30))[0]}`;
  const record = 1_200_000 + i;
  if (kind === 4624 || kind === 4625) {
    const ok = kind === 4624;
    const target = personAt(rng.int(0, 30))[0];
    return JSON.stringify({
      TimeCreated: iso,
      Hostname: hostname,
      Channel: 'Security',
      EventID: kind,
      RecordNumber: record,
      Keywords: ok ? '0x8020000000000000' : '0x8010000000000000',
      TargetUserSid: ok ? `S-1-5-21-3421-${1100 + rng.int(0, 400)}` : 'S-1-0-0',
      TargetUserName: target,
      TargetDomainName: NETBIOS,
      Status: ok ? undefined : '0xc000006d',
      SubStatus: ok ? undefined : '0xc000006a',
      TargetLogonId: ok ? `0x${rng.int(0x100000, 0xfffffff).toString(16)}` : undefined,
      LogonType: String(rng.pick(BENCH_LOGON_TYPES)),
      LogonProcessName: ok ? 'Kerberos' : 'NtLmSsp ',
      AuthenticationPackageName: ok ? 'Kerberos' : 'NTLM',
      WorkstationName: ok ? '-' : rng.pick(BENCH_HOSTS)[0],
      IpAddress: `10.20.${rng.int(1, 4)}.${rng.int(10, 250)}`,
      IpPort: String(rng.int(49152, 65535)),
    });
  }
  const utc = sysmonTime(time - rng.int(1, 9));
  const guid = `{${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}}`;
  const pid = String(rng.int(300, 5000) * 4);
  switch (kind) {
    case 1: {
      const [image, cmd, parent] = rng.pick(BENCH_IMAGES);
      return JSON.stringify({
        TimeCreated: iso,
        Hostname: hostname,
        Channel: SYSMON.channel,
        EventID: 1,
        RecordNumber: record,
        UtcTime: utc,
        ProcessGuid: guid,
        ProcessId: pid,
        Image: image,
        CommandLine: cmd,
        User: user,
        IntegrityLevel: 'Medium',
        Hashes: `SHA256=${rng.hex(64)}`,
        ParentImage: parent,
      });
    }
    case 3: {
      const site = rng.pick(BENCH_SITES);
      return JSON.stringify({
        TimeCreated: iso,
        Hostname: hostname,
        Channel: SYSMON.channel,
        EventID: 3,
        RecordNumber: record,
        UtcTime: utc,
        ProcessGuid: guid,
        ProcessId: pid,
        Image: rng.pick(BENCH_IMAGES)[0],
        User: user,
        Protocol: 'tcp',
        SourceIp: ip,
        SourcePort: String(rng.int(49152, 65535)),
        DestinationIp: rng.pick(site.ips),
        DestinationHostname: site.name,
        DestinationPort: '443',
      });
    }
    case 11:
      return JSON.stringify({
        TimeCreated: iso,
        Hostname: hostname,
        Channel: SYSMON.channel,
        EventID: 11,
        RecordNumber: record,
        UtcTime: utc,
        ProcessGuid: guid,
        ProcessId: pid,
        Image: CHROME,
        TargetFilename: `C:\\Users\\${user.slice(NETBIOS.length + 1)}\\Downloads\\${rng.pick(DOWNLOADS)}`,
        CreationUtcTime: sysmonTime(time - rng.int(10, 5000)),
        User: user,
      });
    default: {
      const site = rng.pick(BENCH_SITES);
      return JSON.stringify({
        TimeCreated: iso,
        Hostname: hostname,
        Channel: SYSMON.channel,
        EventID: 22,
        RecordNumber: record,
        UtcTime: utc,
        ProcessGuid: guid,
        ProcessId: pid,
        QueryName: site.name,
        QueryStatus: '0',
        QueryResults: site.results,
        Image: CHROME,
        User: user,
      });
    }
  }
}

const BENCH_KINDS: readonly (readonly [number, number])[] = [
  [1, 8],
  [3, 16],
  [11, 10],
  [22, 14],
  [4624, 22],
  [4625, 5],
  [0, 25],
];
const BENCH_LOGON_TYPES = [2, 3, 3, 3, 3, 7, 10];

function benchJournal(rng: Rng, time: number, i: number): string {
  const host = rng.pick(BENCH_LINUX);
  const user = personAt(rng.int(0, 30))[0];
  const sshd = rng.chance(0.7);
  const port = rng.int(32768, 60999);
  const ip = rng.chance(0.6)
    ? `10.20.${rng.int(1, 4)}.${rng.int(10, 250)}`
    : `${SCANNER_NET}${rng.int(1, 254)}`;
  let message: string;
  if (!sshd) {
    message = `${user} : TTY=pts/${rng.int(0, 5)} ; PWD=/home/${user} ; USER=root ; COMMAND=${rng.pick(LINUX_SUDO.web)}`;
  } else {
    switch (rng.int(0, 2)) {
      case 0:
        message = `Accepted publickey for ${user} from ${ip} port ${port} ssh2: ED25519 SHA256:${rng.hex(43)}`;
        break;
      case 1:
        message = `Failed password for invalid user ${user} from ${ip} port ${port} ssh2`;
        break;
      default:
        message = `Disconnected from user ${user} ${ip} port ${port}`;
    }
  }
  return JSON.stringify({
    __CURSOR: `s=${rng.hex(32).toLowerCase()};i=${(0x1a2b3 + i).toString(16)}`,
    __REALTIME_TIMESTAMP: String(time * 1000 + rng.int(0, 999)),
    _HOSTNAME: host,
    SYSLOG_IDENTIFIER: sshd ? 'sshd' : 'sudo',
    SYSLOG_FACILITY: sshd ? '4' : '10',
    PRIORITY: sshd ? '6' : '5',
    _PID: String(rng.int(1000, 400000)),
    _UID: '0',
    _COMM: sshd ? 'sshd' : 'sudo',
    _SYSTEMD_UNIT: sshd ? 'ssh.service' : `session-${rng.int(100, 5000)}.scope`,
    MESSAGE: message,
  });
}
