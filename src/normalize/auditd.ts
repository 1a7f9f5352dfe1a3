/**
 * Linux audit events → OCSF. One audit event (all records sharing an event id, grouped by the
 * auditd line decoder; or LAUREL's JSON; or an audit line inside a shipper's JSON) becomes:
 * - Process Activity (1007): execve/execveat (Launch: command line from EXECVE, exe, cwd, pid,
 *   ppid, uid → process.user, auid → actor.user, tty/ses → session), fork/clone (Launch of the
 *   child), ptrace (Open/Inject), setuid family (Set User ID), exit (Terminate);
 * - File System Activity (1001): file syscalls with a named PATH item (open, creat, unlink, rename,
 *   mkdir, chmod, chown, xattr, truncate, mount...);
 * - Network Activity (4001): connect/accept/bind/listen/sendto/recvfrom with an IPv4/IPv6 SOCKADDR;
 * - Authentication (3002): USER_LOGIN, USER_AUTH, USER_START, USER_ERR, USER_LOGOUT, USER_END;
 * - Account Change (3001): ADD_USER, DEL_USER, USER_CHAUTHTOK, USER_MGMT, ACCT_LOCK/UNLOCK;
 * - Base Event (0) for everything else, and for events too incomplete to map.
 * Every event keeps all audit fields in `unmapped` (by record type, as the parser names them).
 * Audit times are UTC epoch seconds with milliseconds, so no zone applies. Pure; never throws.
 */
import { posix } from 'node:path';
import { isIP } from 'node:net';
import type { AuditEventFields, AuditRecordFields } from '../parsers/auditd.js';
import type { ParsedRecord } from '../parsers/record.js';
import { auditEventFromJson, auditJsonKind } from './auditd-json.js';
import { archName, syscallName } from './auditd-syscalls.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import {
  addObservable,
  ObservableType,
  OcsfClass,
  ocsfEvent,
  Severity,
  SEVERITY_CAPTIONS,
  type OcsfClassInfo,
  type OcsfEvent,
  type OcsfMetadata,
} from './ocsf.js';

type Fields = Record<string, unknown>;
type Activity = { id: number; name: string };

export const auditdNormalizer: Normalizer = {
  name: 'auditd',
  accepts: (record) =>
    record.format === 'auditd' || (record.format === 'json' && auditJsonKind(record.fields) !== undefined),
  normalize(record, ctx) {
    try {
      return normalizeAudit(record, ctx);
    } catch (error) {
      // Nothing in a record may stop the pipeline: keep it, with what went wrong.
      return fallbackEvent(record, ctx, error);
    }
  },
};

/** What every mapper reads: the event, its main records, and where it came from. */
interface AuditView {
  ev: AuditEventFields;
  ctx: NormalizeContext;
  raw: string;
  /** The first record type that is not SYSCALL or an auxiliary record: what the event is about. */
  primary: string;
  syscall?: AuditRecordFields;
  /** The syscall's name (`execve`), from the ENRICHED/LAUREL name or the arch tables. */
  call?: string;
  host?: string;
  envelope?: Fields;
}

/** Records that only add detail to a SYSCALL event. */
const AUXILIARY = new Set([
  'SYSCALL',
  'EOE',
  'EXECVE',
  'CWD',
  'PATH',
  'PROCTITLE',
  'SOCKADDR',
  'OBJ_PID',
  'BPRM_FCAPS',
  'CAPSET',
  'MMAP',
  'FD_PAIR',
  'SOCKETCALL',
  'IPC',
  'MQ_OPEN',
  'KERN_MODULE',
]);

function normalizeAudit(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  let ev: AuditEventFields;
  let envelope: Fields | undefined;
  let host: string | undefined;
  if (record.format === 'json') {
    const kind = auditJsonKind(record.fields)!;
    ({ event: ev, envelope, host } = auditEventFromJson(record.fields, kind));
  } else ev = record.fields as AuditEventFields;
  const syscall = recordOf(ev, 'SYSCALL');
  const types = Array.isArray(ev.types) ? ev.types.filter((t): t is string => typeof t === 'string') : [];
  const primary = types.find((t) => !AUXILIARY.has(t) && !t.startsWith('UNKNOWN')) ?? types[0] ?? 'UNKNOWN';
  const view: AuditView = {
    ev,
    ctx,
    raw: record.raw,
    primary: syscall && primary === 'EOE' ? 'SYSCALL' : primary,
  };
  if (syscall) {
    view.syscall = syscall;
    const call = str(syscall.SYSCALL) ?? syscallName(syscall.arch, syscall.syscall);
    if (call !== undefined) view.call = call;
  }
  const node = str(ev.node) ?? host;
  if (node) view.host = node;
  if (envelope) view.envelope = envelope;
  return mapEvent(view) ?? baseEvent(view);
}

function mapEvent(v: AuditView): OcsfEvent | undefined {
  const auth = AUTH_TYPES[v.primary];
  if (auth) return authentication(v, auth);
  const change = ACCOUNT_TYPES[v.primary];
  if (change) return accountChange(v, change);
  if (!v.syscall || !v.call || v.primary !== 'SYSCALL') return undefined;
  const call = v.call;
  if (call === 'execve' || call === 'execveat') return processLaunch(v);
  if (call === 'fork' || call === 'vfork' || call === 'clone' || call === 'clone3') return processFork(v);
  if (call === 'ptrace') return processPtrace(v);
  if (SETUID_CALLS.has(call)) return processSetUid(v);
  if (call === 'exit' || call === 'exit_group') return processExit(v);
  const fileOp = FILE_OPS[call];
  if (fileOp) return fileActivity(v, fileOp);
  const netOp = NET_OPS[call];
  if (netOp) return networkActivity(v, netOp);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Process Activity

const PROCESS = {
  launch: { id: 1, name: 'Launch' },
  terminate: { id: 2, name: 'Terminate' },
  open: { id: 3, name: 'Open' },
  inject: { id: 4, name: 'Inject' },
  setUserId: { id: 5, name: 'Set User ID' },
} as const;

const SETUID_CALLS = new Set([
  'setuid',
  'setuid32',
  'setreuid',
  'setresuid',
  'setfsuid',
  'setgid',
  'setregid',
  'setresgid',
  'setfsgid',
]);

/** execve: the new program, its arguments and working directory; the login user as the actor. */
function processLaunch(v: AuditView): OcsfEvent {
  const s = v.syscall!;
  const execve = recordOf(v.ev, 'EXECVE');
  const argv = Array.isArray(execve?.argv) ? execve.argv.map((a) => String(a)) : undefined;
  const process = callerProcess(v);
  const cmd = argv && argv.length > 0 ? argv.join(' ') : proctitle(v);
  if (cmd !== undefined) process.cmd_line = cmd;
  else delete process.cmd_line;
  // The executed file: the first PATH item (the program), else exe.
  const program = pathItems(v.ev).find((p) => p.nametype !== 'PARENT' && typeof p.name === 'string');
  const file = process.file as Fields | undefined;
  if (file && program) addFileDetails(file, program);
  const event = envelope(v, OcsfClass.ProcessActivity, PROCESS.launch);
  event.process = process;
  event.actor = actorOf(v, parentOf(s, v.ev));
  setSyscallStatus(event, s);
  addProcessObservables(event, 'process', process);
  return finish(v, event);
}

/** fork/clone: the child (pid = the return value) runs the same program; clones of threads are not processes. */
function processFork(v: AuditView): OcsfEvent | undefined {
  const s = v.syscall!;
  const child = intOf(s.exit);
  if (v.call === 'clone' && (hexNumber(s.a0) ?? 0) & 0x10000) return undefined; // CLONE_THREAD
  if (child === undefined || child <= 0) return undefined;
  const parent = callerProcess(v);
  const process: Fields = { ...parent, pid: child, parent_process: { ...parent } };
  delete (process.parent_process as Fields).parent_process;
  const event = envelope(v, OcsfClass.ProcessActivity, PROCESS.launch);
  event.process = process;
  event.actor = actorOf(v, parent);
  setSyscallStatus(event, s);
  addProcessObservables(event, 'process', process);
  return finish(v, event);
}

/** ptrace: the traced process (OBJ_PID, else the pid argument) opened or written to by the caller. */
function processPtrace(v: AuditView): OcsfEvent | undefined {
  const s = v.syscall!;
  const target = recordOf(v.ev, 'OBJ_PID') ?? first(v.ev.OBJ_PID);
  const process: Fields = {};
  const pid = target ? intOf(target.opid) : hexNumber(s.a1);
  if (pid === undefined) return undefined;
  process.pid = pid;
  const name = target ? str(target.ocomm) : undefined;
  if (name) process.name = name;
  const user = target ? userOf(target.ouid, target.OUID) : undefined;
  if (user) process.user = user;
  // PTRACE_POKETEXT/POKEDATA/POKEUSER/SETREGS/SETFPREGS write into the target.
  const request = hexNumber(s.a0);
  const writes = request !== undefined && [4, 5, 6, 13, 15].includes(request);
  const event = envelope(v, OcsfClass.ProcessActivity, writes ? PROCESS.inject : PROCESS.open);
  event.process = process;
  event.actor = actorOf(v, callerProcess(v));
  setSyscallStatus(event, s);
  addProcessObservables(event, 'process', process);
  return finish(v, event);
}

function processSetUid(v: AuditView): OcsfEvent {
  const process = callerProcess(v);
  const event = envelope(v, OcsfClass.ProcessActivity, PROCESS.setUserId);
  event.process = process;
  event.actor = actorOf(v, parentOf(v.syscall!, v.ev));
  setSyscallStatus(event, v.syscall!);
  addProcessObservables(event, 'process', process);
  return finish(v, event);
}

function processExit(v: AuditView): OcsfEvent {
  const process = callerProcess(v);
  const event = envelope(v, OcsfClass.ProcessActivity, PROCESS.terminate);
  event.process = process;
  event.actor = actorOf(v, process);
  const code = hexNumber(v.syscall!.a0);
  if (code !== undefined && code <= 0x7fffffff) event.exit_code = code;
  setSyscallStatus(event, v.syscall!);
  addProcessObservables(event, 'process', process);
  return finish(v, event);
}

// ---------------------------------------------------------------------------------------------
// File System Activity

type Pick = 'open' | 'create' | 'delete' | 'rename' | 'any';
const FILE = {
  create: { id: 1, name: 'Create' },
  read: { id: 2, name: 'Read' },
  update: { id: 3, name: 'Update' },
  delete: { id: 4, name: 'Delete' },
  rename: { id: 5, name: 'Rename' },
  setAttributes: { id: 6, name: 'Set Attributes' },
  setSecurity: { id: 7, name: 'Set Security' },
  getAttributes: { id: 8, name: 'Get Attributes' },
  mount: { id: 12, name: 'Mount' },
  unmount: { id: 13, name: 'Unmount' },
  open: { id: 14, name: 'Open' },
} as const;

const FILE_OPS: Record<string, { activity: Activity; pick: Pick }> = {};
function fileOps(names: string[], activity: Activity, pick: Pick): void {
  for (const n of names) FILE_OPS[n] = { activity, pick };
}
fileOps(['open', 'openat', 'openat2'], FILE.open, 'open');
fileOps(
  ['creat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'link', 'linkat', 'symlink', 'symlinkat'],
  FILE.create,
  'create',
);
fileOps(['unlink', 'unlinkat', 'rmdir'], FILE.delete, 'delete');
fileOps(['rename', 'renameat', 'renameat2'], FILE.rename, 'rename');
fileOps(
  [
    'chmod',
    'fchmod',
    'fchmodat',
    'fchmodat2',
    'chown',
    'fchown',
    'lchown',
    'fchownat',
    'chown32',
    'lchown32',
    'fchown32',
  ],
  FILE.setSecurity,
  'any',
);
fileOps(
  ['setxattr', 'lsetxattr', 'fsetxattr', 'removexattr', 'lremovexattr', 'fremovexattr'],
  FILE.setAttributes,
  'any',
);
fileOps(['truncate', 'ftruncate', 'write', 'pwrite64'], FILE.update, 'any');
fileOps(['read', 'pread64'], FILE.read, 'any');
fileOps(
  ['stat', 'lstat', 'fstat', 'access', 'faccessat', 'faccessat2', 'readlink'],
  FILE.getAttributes,
  'any',
);
fileOps(['mount'], FILE.mount, 'any');
fileOps(['umount2'], FILE.unmount, 'any');

/** A file syscall with a named PATH item; without one there is no file to name (Base Event). */
function fileActivity(v: AuditView, op: { activity: Activity; pick: Pick }): OcsfEvent | undefined {
  const items = pathItems(v.ev).filter((p) => typeof p.name === 'string' && p.name !== '');
  const byType = (t: string) => items.filter((p) => p.nametype === t);
  const notParent = items.filter((p) => p.nametype !== 'PARENT');
  let activity: Activity = op.activity;
  let target: AuditRecordFields | undefined;
  let result: AuditRecordFields | undefined;
  switch (op.pick) {
    case 'open':
      target = byType('CREATE')[0];
      if (target) activity = FILE.create;
      else target = notParent[0];
      break;
    case 'create':
      target = byType('CREATE').at(-1) ?? notParent.at(-1);
      break;
    case 'delete':
      target = byType('DELETE')[0] ?? notParent.at(-1);
      break;
    case 'rename':
      target = byType('DELETE')[0] ?? notParent[0];
      result = byType('CREATE')[0];
      break;
    default:
      target = notParent[0] ?? items[0];
  }
  if (!target) return undefined;
  const file = fileOf(v, target, items);
  const event = envelope(v, OcsfClass.FileSystemActivity, activity);
  event.file = file;
  if (result) event.file_result = fileOf(v, result, items);
  event.actor = actorOf(v, callerProcess(v));
  setSyscallStatus(event, v.syscall!);
  addObservable(event, 'file.name', ObservableType.FileName, file.name);
  addObservable(event, 'file.path', ObservableType.FilePath, file.path);
  return finish(v, event);
}

/** A PATH item → OCSF file: name, full path (relative names resolved against the parent or cwd), type, owner, inode. */
function fileOf(v: AuditView, item: AuditRecordFields, items: AuditRecordFields[]): Fields {
  const name = String(item.name);
  const file: Fields = { name: posix.basename(name) || name };
  const path = absolutePath(v, name, items);
  if (path !== undefined) file.path = path;
  addFileDetails(file, item);
  if (file.type_id === undefined) {
    file.type_id = 0;
    file.type = 'Unknown';
  }
  return file;
}

/** Where a relative PATH name points: beside the event's absolute PARENT item, else under CWD. */
function absolutePath(v: AuditView, name: string, items: AuditRecordFields[]): string | undefined {
  if (name.startsWith('/')) return name;
  const parent = items.find(
    (p) => p.nametype === 'PARENT' && typeof p.name === 'string' && p.name.startsWith('/'),
  );
  if (parent) return posix.join(String(parent.name), posix.basename(name));
  // `*at` calls resolve against their directory fd; only AT_FDCWD (-100) means the cwd.
  const call = v.call ?? '';
  const atFdCwd = /^f+9c$/i.test(str(v.syscall?.a0) ?? '');
  if (call.endsWith('at') && call !== 'creat' && !atFdCwd) return undefined;
  const cwd = str(recordOf(v.ev, 'CWD')?.cwd);
  return cwd?.startsWith('/') ? posix.join(cwd, name) : undefined;
}

/** File type (from mode), owner and inode of a PATH item. */
function addFileDetails(file: Fields, item: AuditRecordFields): void {
  const type = fileType(str(item.mode));
  if (type) {
    file.type_id = type.id;
    file.type = type.name;
  }
  const owner = userOf(item.ouid, item.OUID);
  if (owner) file.owner = owner;
  const inode = str(item.inode);
  if (inode !== undefined && /^\d+$/.test(inode)) file.uid = inode;
}

/** `0100755` (octal, or LAUREL's `0o100755`) → OCSF file type. */
function fileType(mode: string | undefined): Activity | undefined {
  if (mode === undefined) return undefined;
  const digits = mode.startsWith('0o') ? mode.slice(2) : mode;
  if (!/^[0-7]{1,7}$/.test(digits)) return undefined;
  switch (parseInt(digits, 8) & 0o170000) {
    case 0o100000:
      return { id: 1, name: 'Regular File' };
    case 0o040000:
      return { id: 2, name: 'Folder' };
    case 0o020000:
      return { id: 3, name: 'Character Device' };
    case 0o060000:
      return { id: 4, name: 'Block Device' };
    case 0o140000:
      return { id: 5, name: 'Local Socket' };
    case 0o010000:
      return { id: 6, name: 'Named Pipe' };
    case 0o120000:
      return { id: 7, name: 'Symbolic Link' };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Network Activity

const NET = {
  open: { id: 1, name: 'Open' },
  fail: { id: 4, name: 'Fail' },
  refuse: { id: 5, name: 'Refuse' },
  traffic: { id: 6, name: 'Traffic' },
  listen: { id: 7, name: 'Listen' },
} as const;

/** Which side the SOCKADDR names, and the direction. */
type NetOp = { activity: Activity; peer: 'dst' | 'src'; direction: 0 | 1 | 2 };
const NET_OPS: Record<string, NetOp> = {
  connect: { activity: NET.open, peer: 'dst', direction: 2 },
  accept: { activity: NET.open, peer: 'src', direction: 1 },
  accept4: { activity: NET.open, peer: 'src', direction: 1 },
  bind: { activity: NET.listen, peer: 'dst', direction: 0 },
  listen: { activity: NET.listen, peer: 'dst', direction: 0 },
  sendto: { activity: NET.traffic, peer: 'dst', direction: 2 },
  sendmsg: { activity: NET.traffic, peer: 'dst', direction: 2 },
  sendmmsg: { activity: NET.traffic, peer: 'dst', direction: 2 },
  recvfrom: { activity: NET.traffic, peer: 'src', direction: 1 },
  recvmsg: { activity: NET.traffic, peer: 'src', direction: 1 },
  recvmmsg: { activity: NET.traffic, peer: 'src', direction: 1 },
};

const DIRECTIONS = ['Unknown', 'Inbound', 'Outbound'];

/** A socket call with an IPv4/IPv6 SOCKADDR (local and netlink sockets are not network activity). */
function networkActivity(v: AuditView, op: NetOp): OcsfEvent | undefined {
  const sa = recordOf(v.ev, 'SOCKADDR');
  const ip = str(sa?.addr);
  if (!sa || (sa.family !== 'inet' && sa.family !== 'inet6') || ip === undefined || isIP(ip) === 0)
    return undefined;
  const s = v.syscall!;
  const ok = isSuccess(s.success);
  const errno = errnoOf(s.exit);
  let activity: Activity = op.activity;
  if (!ok && op.activity === NET.open)
    activity = errno === 'ECONNREFUSED' ? NET.refuse : errno === 'EINPROGRESS' ? NET.open : NET.fail;
  const endpoint: Fields = { ip };
  const port = intOf(sa.port);
  if (port !== undefined && port <= 65535) endpoint.port = port;
  const event = envelope(v, OcsfClass.NetworkActivity, activity);
  if (op.peer === 'dst') event.dst_endpoint = endpoint;
  else event.src_endpoint = endpoint;
  event.connection_info = {
    direction_id: op.direction,
    direction: DIRECTIONS[op.direction],
    protocol_ver_id: sa.family === 'inet' ? 4 : 6,
    protocol_ver:
      sa.family === 'inet' ? 'Internet Protocol version 4 (IPv4)' : 'Internet Protocol version 6 (IPv6)',
  };
  event.actor = actorOf(v, callerProcess(v));
  if (!ok && errno === 'EINPROGRESS') {
    // A non-blocking connect that has started: neither done nor failed yet.
    event.status_id = 99;
    event.status = 'In Progress';
    event.status_code = 'EINPROGRESS';
    event.status_detail = 'non-blocking connect in progress';
  } else setSyscallStatus(event, s);
  addObservable(event, `${op.peer}_endpoint.ip`, ObservableType.IPAddress, ip);
  if (endpoint.port !== undefined)
    addObservable(event, `${op.peer}_endpoint.port`, ObservableType.Port, endpoint.port);
  return finish(v, event);
}

// ---------------------------------------------------------------------------------------------
// Authentication (PAM and login records from user space)

const AUTH = {
  logon: { id: 1, name: 'Logon' },
  logoff: { id: 2, name: 'Logoff' },
  accountSwitch: { id: 7, name: 'Account Switch' },
} as const;

const AUTH_TYPES: Record<string, Activity> = {
  USER_LOGIN: AUTH.logon,
  USER_AUTH: AUTH.logon,
  USER_START: AUTH.logon,
  USER_ERR: AUTH.logon,
  USER_LOGOUT: AUTH.logoff,
  USER_END: AUTH.logoff,
};

/** Programs whose logons switch the account of a user already logged on. */
const SWITCHERS = new Set(['su', 'sudo', 'runuser', 'doas', 'pkexec', 'sudo-rs']);

function authentication(v: AuditView, activity: Activity): OcsfEvent {
  const rec = recordOf(v.ev, v.primary) ?? {};
  const msg = nestedOf(rec);
  const exe = str(msg.exe) ?? str(rec.exe);
  const program = exe ? posix.basename(exe) : undefined;
  const switches = activity.id === AUTH.logon.id && program !== undefined && SWITCHERS.has(program);
  const event = envelope(v, OcsfClass.Authentication, switches ? AUTH.accountSwitch : activity);
  event.user = targetUser(msg, rec);
  if (switches) {
    event.account_switch_type_id = 1;
    event.account_switch_type = 'Substitute User';
  }
  setResult(event, msg.res ?? rec.res);
  const src = remoteEndpoint(msg);
  if (src) {
    event.src_endpoint = src;
    event.is_remote = true;
    if (src.ip !== undefined) addObservable(event, 'src_endpoint.ip', ObservableType.IPAddress, src.ip);
  }
  if (v.host) {
    event.dst_endpoint = { hostname: v.host };
    addObservable(event, 'dst_endpoint.hostname', ObservableType.Hostname, v.host);
  }
  const terminal = usable(str(msg.terminal));
  const ses = sessionId(rec.ses);
  if (terminal || ses) event.session = { ...(ses ? { uid: ses } : {}), ...(terminal ? { terminal } : {}) };
  const process = userSpaceProcess(rec, exe);
  if (process) event.logon_process = process;
  if (program) event.service = { name: program };
  const actor = actorOf(v, process, rec);
  if (actor) event.actor = actor;
  addObservable(event, 'user.name', ObservableType.UserName, (event.user as Fields).name);
  return finish(v, event);
}

// ---------------------------------------------------------------------------------------------
// Account Change (shadow-utils, passwd, pam_faillock)

const ACCOUNT_TYPES: Record<string, Activity> = {
  ADD_USER: { id: 1, name: 'Create' },
  DEL_USER: { id: 6, name: 'Delete' },
  USER_CHAUTHTOK: { id: 3, name: 'Password Change' },
  USER_MGMT: { id: 99, name: 'Other' },
  ACCT_LOCK: { id: 9, name: 'Lock' },
  ACCT_UNLOCK: { id: 12, name: 'Unlock' },
};

function accountChange(v: AuditView, activity: Activity): OcsfEvent {
  const rec = recordOf(v.ev, v.primary) ?? {};
  const msg = nestedOf(rec);
  const event = envelope(v, OcsfClass.AccountChange, activity);
  event.user = targetUser(msg, rec);
  setResult(event, msg.res ?? rec.res);
  const op = str(msg.op);
  if (op && activity.id === 99) event.activity_name = op;
  const src = remoteEndpoint(msg);
  if (src) event.src_endpoint = src;
  const exe = str(msg.exe) ?? str(rec.exe);
  const actor = actorOf(v, userSpaceProcess(rec, exe), rec);
  if (actor) event.actor = actor;
  addObservable(event, 'user.name', ObservableType.UserName, (event.user as Fields).name);
  return finish(v, event);
}

/** The account a user-space record is about: `acct` (name) and/or `id` (uid); `?` when it names none. */
function targetUser(msg: Fields, rec: AuditRecordFields): Fields {
  const user: Fields = {};
  const acct = str(msg.acct);
  if (acct !== undefined && acct !== '') user.name = acct;
  // `id` names the account; the record's own uid is the process's, not the target's.
  const inner = rec.msg !== null && typeof rec.msg === 'object' ? (rec.msg as Fields) : rec;
  const id = str(inner.id);
  if (id !== undefined && /^\d+$/.test(id) && id !== UNSET) user.uid = id;
  const idName = str(msg.ID) ?? str(rec.ID);
  if (user.name === undefined && idName !== undefined && user.uid !== undefined) user.name = idName;
  if (user.name === undefined && user.uid === undefined) user.name = acct ?? '?';
  return user;
}

/** `addr=` / `hostname=` / `rport=` of a user-space record: the client's endpoint, when it names one. */
function remoteEndpoint(msg: Fields): Fields | undefined {
  const addr = usable(str(msg.addr));
  const hostname = usable(str(msg.hostname));
  const endpoint: Fields = {};
  if (addr && isIP(addr)) endpoint.ip = addr;
  else if (addr) endpoint.hostname = addr;
  if (hostname && hostname !== addr && endpoint.hostname === undefined) endpoint.hostname = hostname;
  const port = intOf(msg.rport);
  if (port !== undefined && port <= 65535) endpoint.port = port;
  if (endpoint.ip === undefined && endpoint.hostname === undefined) return undefined;
  // Local logons name the loopback or the terminal's own host: still an endpoint, not remote.
  return endpoint;
}

/** The process that wrote a user-space record (pid, exe; its uid as user). */
function userSpaceProcess(rec: AuditRecordFields, exe: string | undefined): Fields | undefined {
  const pid = intOf(rec.pid);
  if (pid === undefined && exe === undefined) return undefined;
  const process: Fields = {};
  if (pid !== undefined) process.pid = pid;
  if (exe) {
    process.name = posix.basename(exe);
    process.file = { name: posix.basename(exe) || exe, path: exe, type_id: 1, type: 'Regular File' };
  }
  const user = userOf(rec.uid, rec.UID);
  if (user) process.user = user;
  return process.pid === undefined ? undefined : process;
}

function setResult(event: OcsfEvent, res: unknown): void {
  const r = str(res);
  if (r === undefined) return;
  const ok = r === 'success' || r === 'yes' || r === '1';
  const failed = r === 'failed' || r === 'no' || r === '0' || r === 'fail';
  if (!ok && !failed) return;
  event.status_id = ok ? 1 : 2;
  event.status = ok ? 'Success' : 'Failure';
}

// ---------------------------------------------------------------------------------------------
// shared parts

const UNSET = '4294967295';

/** The process that made the syscall: pid, comm, exe, command line (PROCTITLE), user, session. */
function callerProcess(v: AuditView): Fields {
  const s = v.syscall ?? {};
  const process: Fields = {};
  const pid = intOf(s.pid);
  if (pid !== undefined) process.pid = pid;
  const exe = str(s.exe);
  // The program's file name; comm (15 characters, settable by the process) only without exe.
  const comm = str(s.comm);
  if (exe) process.name = posix.basename(exe) || exe;
  else if (comm) process.name = comm;
  if (exe) process.file = { name: posix.basename(exe) || exe, path: exe, type_id: 1, type: 'Regular File' };
  const cmd = proctitle(v);
  if (cmd !== undefined) process.cmd_line = cmd;
  const cwd = str(recordOf(v.ev, 'CWD')?.cwd);
  if (cwd) process.working_directory = cwd;
  const user = userOf(s.uid, s.UID);
  if (user) process.user = user;
  const session = sessionOf(s);
  if (session) process.session = session;
  const parent = parentOf(s, v.ev);
  if (parent) process.parent_process = parent;
  return process;
}

/** The parent process: ppid, named by LAUREL's PARENT_INFO (the parent's comm and exe) when present. */
function parentOf(s: AuditRecordFields, ev?: AuditEventFields): Fields | undefined {
  const ppid = intOf(s.ppid);
  if (ppid === undefined) return undefined;
  const parent: Fields = { pid: ppid };
  const info = ev?.PARENT_INFO;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) return parent;
  const exe = str((info as Fields).exe);
  const comm = str((info as Fields).comm);
  if (exe) {
    parent.name = posix.basename(exe) || exe;
    parent.file = { name: posix.basename(exe) || exe, path: exe, type_id: 1, type: 'Regular File' };
  } else if (comm) parent.name = comm;
  return parent;
}

/** The actor: the acting process, and the login user (auid) when set, else the process's user. */
function actorOf(
  v: AuditView,
  process: Fields | undefined,
  rec: AuditRecordFields | undefined = v.syscall,
): Fields {
  const actor: Fields = {};
  if (process && Object.keys(process).length > 0) actor.process = process;
  const login = rec ? userOf(rec.auid, rec.AUID) : undefined;
  const user = login ?? (rec ? userOf(rec.uid, rec.UID) : undefined);
  if (user) actor.user = user;
  const session = rec ? sessionOf(rec) : undefined;
  if (session) actor.session = session;
  if (Object.keys(actor).length === 0) actor.user = { name: 'unknown' };
  return actor;
}

/** ses and tty → OCSF session (`ses=4294967295` means none). */
function sessionOf(rec: AuditRecordFields): Fields | undefined {
  const ses = sessionId(rec.ses);
  const tty = usable(str(rec.tty));
  if (!ses && !tty) return undefined;
  return { ...(ses ? { uid: ses } : {}), ...(tty ? { terminal: tty } : {}) };
}

function sessionId(value: unknown): string | undefined {
  const ses = str(value);
  return ses !== undefined && /^\d+$/.test(ses) && ses !== UNSET ? ses : undefined;
}

/** A uid (and its name from the ENRICHED format or LAUREL) → OCSF user; unset uids give none. */
function userOf(uid: unknown, name: unknown): Fields | undefined {
  const id = str(uid);
  if (id === undefined || !/^\d+$/.test(id) || id === UNSET) return undefined;
  const user: Fields = { uid: id };
  const n = str(name);
  if (n && n !== 'unset' && !n.startsWith('unknown(')) user.name = n;
  return user;
}

function proctitle(v: AuditView): string | undefined {
  const title = recordOf(v.ev, 'PROCTITLE')?.proctitle;
  return typeof title === 'string' && title !== '' ? title : undefined;
}

/** success=yes/no → status; a failure's exit code (`-2`) → status_code and the errno name. */
function setSyscallStatus(event: OcsfEvent, s: AuditRecordFields): void {
  const success = str(s.success);
  if (success === undefined) return;
  const ok = isSuccess(success);
  event.status_id = ok ? 1 : 2;
  event.status = ok ? 'Success' : 'Failure';
  if (!ok) {
    const exit = str(s.exit);
    const errno = errnoOf(s.exit);
    if (exit !== undefined) event.status_code = exit;
    if (errno) event.status_detail = errno;
  }
}

function isSuccess(value: unknown): boolean {
  return str(value) === 'yes';
}

const ERRNO: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  9: 'EBADF',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  26: 'ETXTBSY',
  28: 'ENOSPC',
  30: 'EROFS',
  36: 'ENAMETOOLONG',
  38: 'ENOSYS',
  39: 'ENOTEMPTY',
  40: 'ELOOP',
  95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
  104: 'ECONNRESET',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  113: 'EHOSTUNREACH',
  115: 'EINPROGRESS',
};

function errnoOf(exit: unknown): string | undefined {
  const n = intOf(typeof exit === 'string' && exit.startsWith('-') ? exit.slice(1) : undefined);
  if (n !== undefined) return ERRNO[n];
  return typeof exit === 'number' && exit < 0 ? ERRNO[-exit] : undefined;
}

/** The envelope: time, metadata (event id, record type, rule key), device, severity. */
function envelope(v: AuditView, cls: OcsfClassInfo, activity: Activity): OcsfEvent {
  const ev = v.ev;
  const metadata: Omit<OcsfMetadata, 'version'> = {
    product: { name: 'auditd', vendor_name: 'Linux' },
    log_name: 'audit',
    profiles: ['host'],
    event_code: v.primary,
  };
  if (typeof ev.id === 'string') metadata.original_event_uid = ev.id;
  if (typeof ev.timestamp === 'string') metadata.original_time = ev.timestamp;
  const key = str(v.syscall?.key) ?? str(recordOf(ev, v.primary)?.key);
  if (key) metadata.tags = [{ name: 'audit_key', value: key }];
  const time = typeof ev.time === 'number' && Number.isFinite(ev.time) ? ev.time : v.ctx.receivedAt;
  const severity = SEVERITY_BY_TYPE[v.primary] ?? Severity.Informational;
  const event = ocsfEvent(cls, activity, { time, severity_id: severity, metadata, message: summary(v) });
  event.severity = SEVERITY_CAPTIONS[severity];
  event.device = deviceOf(v);
  if (v.host) addObservable(event, 'device.hostname', ObservableType.Hostname, v.host);
  return event;
}

/** Anomaly records (a process crashed, a NIC went promiscuous, a login failed too often) rank higher. */
const SEVERITY_BY_TYPE: Record<string, number> = {
  ANOM_ABEND: Severity.Low,
  ANOM_PROMISCUOUS: Severity.Medium,
  ANOM_LOGIN_FAILURES: Severity.Medium,
  ANOM_EXEC: Severity.Medium,
  ANOM_MK_EXEC: Severity.Medium,
  ANOM_MAX_DAC: Severity.Medium,
  ANOM_MAX_MAC: Severity.Medium,
  ANOM_ACCESS_FS: Severity.Medium,
  ANOM_ADD_ACCT: Severity.Medium,
  ANOM_DEL_ACCT: Severity.Medium,
  ANOM_MOD_ACCT: Severity.Medium,
  ANOM_ROOT_TRANS: Severity.Medium,
  AVC: Severity.Low,
  SECCOMP: Severity.Low,
};

/**
 * The host: `node=` (auditd.conf name_format), or the shipper's host name. Raw audit.log lines
 * usually carry neither; then the Vigil source the lines came from names the device.
 */
function deviceOf(v: AuditView): Fields {
  const os = { name: 'Linux', type_id: 200, type: 'Linux' };
  const arch = archName(v.syscall?.arch);
  const device: Fields = v.host
    ? { hostname: v.host, type_id: 0, type: 'Unknown', os }
    : { name: v.ctx.source, type_id: 0, type: 'Unknown', os };
  if (arch) device.hw_info = { cpu_architecture: arch };
  return device;
}

/** A one-line description: `SYSCALL execve by /usr/bin/perl (key software_mgmt): success`. */
function summary(v: AuditView): string {
  const s = v.syscall;
  const rec = recordOf(v.ev, v.primary);
  const msg = rec ? nestedOf(rec) : {};
  const parts: string[] = [v.primary];
  if (v.primary === 'SYSCALL' && v.call) parts.push(v.call);
  const op = str(msg.op) ?? str(rec?.op);
  if (op) parts.push(op);
  const acct = str(msg.acct);
  if (acct) parts.push(`acct=${acct}`);
  const exe = str(msg.exe) ?? str(s?.exe) ?? str(rec?.exe);
  if (exe) parts.push(`by ${exe}`);
  const key = str(s?.key);
  if (key) parts.push(`(key ${key})`);
  const result = str(s?.success) ?? str(msg.res) ?? str(rec?.res);
  return result ? `${parts.join(' ')}: ${result}` : parts.join(' ');
}

/** All audit fields, last, so they follow the mapped attributes; raw_data is the event's text. */
function finish(v: AuditView, event: OcsfEvent): OcsfEvent {
  const { time: _time, ...fields } = v.ev;
  event.unmapped = v.envelope ? { ...fields, envelope: v.envelope } : fields;
  event.raw_data = v.raw;
  return event;
}

function baseEvent(v: AuditView): OcsfEvent {
  const event = envelope(v, OcsfClass.BaseEvent, { id: 99, name: 'Other' });
  if (v.syscall) event.actor = actorOf(v, callerProcess(v));
  if (Array.isArray(v.ev.errors) && v.ev.errors.length > 0) {
    event.status_id = 99;
    event.status = 'Parse Error';
    event.status_detail = v.ev.errors
      .map((e: { line: number; reason: string }) => `line ${e.line}: ${e.reason}`)
      .join('; ');
  }
  return finish(v, event);
}

/** When even the mapping failed: the record as it came, and why, so nothing is lost. */
function fallbackEvent(record: ParsedRecord, ctx: NormalizeContext, error: unknown): OcsfEvent {
  const event = ocsfEvent(
    OcsfClass.BaseEvent,
    { id: 0, name: 'Unknown' },
    {
      time: ctx.receivedAt,
      metadata: { product: { name: 'auditd', vendor_name: 'Linux' }, log_name: 'audit' },
    },
  );
  event.status_id = 99;
  event.status = 'Normalization Error';
  event.status_detail = String(error);
  event.raw_data = record.raw;
  try {
    event.unmapped = JSON.parse(
      JSON.stringify(record.fields, (_k, val: unknown) => (typeof val === 'bigint' ? String(val) : val)),
    );
  } catch {
    event.unmapped = {};
  }
  return event;
}

function addProcessObservables(event: OcsfEvent, prefix: string, process: Fields): void {
  addObservable(event, `${prefix}.name`, ObservableType.ProcessName, process.name);
  addObservable(event, `${prefix}.pid`, ObservableType.ProcessID, process.pid);
  addObservable(event, `${prefix}.cmd_line`, ObservableType.CommandLine, process.cmd_line);
  addObservable(
    event,
    `${prefix}.file.path`,
    ObservableType.FilePath,
    (process.file as Fields | undefined)?.path,
  );
  addObservable(
    event,
    `${prefix}.user.name`,
    ObservableType.UserName,
    (process.user as Fields | undefined)?.name,
  );
  const actorUser = (event.actor as Fields | undefined)?.user as Fields | undefined;
  addObservable(event, 'actor.user.name', ObservableType.UserName, actorUser?.name);
}

// ---------------------------------------------------------------------------------------------
// small readers (fields are strings from raw logs, numbers from LAUREL)

function recordOf(ev: AuditEventFields, type: string): AuditRecordFields | undefined {
  const r = ev[type];
  if (Array.isArray(r)) return first(r);
  return r !== null && typeof r === 'object' ? (r as AuditRecordFields) : undefined;
}

function first(value: unknown): AuditRecordFields | undefined {
  const r = Array.isArray(value) ? value[0] : undefined;
  return r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as AuditRecordFields) : undefined;
}

function pathItems(ev: AuditEventFields): AuditRecordFields[] {
  const list = ev.PATH;
  if (!Array.isArray(list)) return [];
  return list.filter((p): p is AuditRecordFields => p !== null && typeof p === 'object' && !Array.isArray(p));
}

/** The nested `msg='...'` of a user-space record, or the record itself (LAUREL flattens it). */
function nestedOf(rec: AuditRecordFields): Fields {
  const msg = rec.msg;
  return msg !== null && typeof msg === 'object' && !Array.isArray(msg)
    ? { ...rec, ...(msg as Fields) }
    : rec;
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/** `?`, `(none)`, `(null)` and empty mean "not known" in audit records. */
function usable(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value === '?' || value === '(none)' || value === '(null)'
    ? undefined
    : value;
}

/** A non-negative 32-bit integer (pids, ports), from a decimal string or a number. */
function intOf(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,10}$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0x7fffffff ? n : undefined;
}

/** A syscall argument (`a0=1200011`, hex without 0x; LAUREL: `0x1200011`) as a number, when it fits. */
function hexNumber(value: unknown): number | undefined {
  const t = str(value);
  if (t === undefined) return undefined;
  const digits = t.startsWith('0x') ? t.slice(2) : t;
  return /^[0-9A-Fa-f]{1,12}$/.test(digits) ? parseInt(digits, 16) : undefined;
}
