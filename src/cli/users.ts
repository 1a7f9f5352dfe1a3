/**
 * `vigil user add|list|remove|passwd|role`: the password users of the console, in
 * `<dataDir>/auth/users.json` (api/users.ts). Passwords come from a prompt without echo, or from
 * standard input with `--password-stdin` (scripts); never from an argument, which `ps` would show.
 * A running server notices the file change, applies it at once (a removed user's sessions stop
 * working) and writes the change to the audit log.
 */
import type { Command, Option } from 'commander';
import { RoleSet, type RoleDef } from '../api/auth.js';
import { needsRehash } from '../api/password.js';
import { UserError, UserStore } from '../api/users.js';
import { loadConfig } from '../config/load.js';
import { CliError, Exit } from './exit.js';

interface CommonOptions {
  dataDir: string;
  config?: string;
}

/** Built-in roles, plus those of the configuration file when one is given. */
function roleSet(opts: CommonOptions): RoleSet {
  if (!opts.config) return new RoleSet();
  const config = loadConfig(opts.config, opts.dataDir) as unknown as {
    auth?: { roles?: Record<string, RoleDef> };
  };
  return new RoleSet(config.auth?.roles ?? {});
}

function checkRole(role: string, opts: CommonOptions): void {
  const roles = roleSet(opts);
  if (!roles.has(role))
    throw new CliError(
      `unknown role ${role}; roles: ${roles.names().join(', ')}${opts.config ? '' : ' (configured roles need --config)'}`,
      Exit.Usage,
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Read a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    throw new CliError('no terminal to ask for the password: use --password-stdin', Exit.Usage);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(text);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new CliError('cancelled', Exit.Usage));
          return;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

async function newPassword(opts: { passwordStdin?: boolean }): Promise<string> {
  if (opts.passwordStdin) return readStdin();
  const first = await promptHidden('password: ');
  const again = await promptHidden('again: ');
  if (first !== again) throw new CliError('the passwords differ', Exit.Usage);
  return first;
}

async function userAction(action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof UserError) throw new CliError(error.message, Exit.Usage);
    throw error;
  }
}

export function registerUserCommands(program: Command, dataDirOption: () => Option): void {
  const user = program
    .command('user')
    .description('Manage console users (passwords are stored as scrypt hashes).');
  user
    .command('add')
    .description('Add a user with a role; the password is asked for (or read with --password-stdin).')
    .argument('<name>')
    .requiredOption(
      '--role <role>',
      'built-in (admin, analyst, responder, developer, auditor...) or configured',
    )
    .option('--password-stdin', 'read the password from standard input')
    .option('-c, --config <file>', 'configuration file (for configured roles)')
    .addOption(dataDirOption())
    .action((name: string, opts: CommonOptions & { role: string; passwordStdin?: boolean }) =>
      userAction(async () => {
        checkRole(opts.role, opts);
        const store = new UserStore(opts.dataDir);
        if (store.get(name)) throw new CliError(`user ${name} exists`, Exit.Usage);
        await store.add(name, opts.role, await newPassword(opts));
        process.stderr.write(`user ${name} (role ${opts.role}) added\n`);
      }),
    );
  user
    .command('list')
    .description('List users and their roles.')
    .addOption(dataDirOption())
    .action((opts: CommonOptions) =>
      userAction(() => {
        const store = new UserStore(opts.dataDir);
        for (const u of store.list()) {
          // Hashes made with weaker scrypt parameters than today's: `vigil user passwd` renews them.
          const weak = needsRehash(store.get(u.name)!.password)
            ? '  (weak hash: set the password again)'
            : '';
          process.stdout.write(`${u.name.padEnd(24)}  ${u.role.padEnd(12)}  ${u.updated_at}${weak}\n`);
        }
      }),
    );
  user
    .command('remove')
    .description('Remove a user (its sessions end at once).')
    .argument('<name>')
    .addOption(dataDirOption())
    .action((name: string, opts: CommonOptions) =>
      userAction(() => {
        if (!new UserStore(opts.dataDir).remove(name)) throw new CliError(`no user ${name}`, Exit.Usage);
        process.stderr.write(`user ${name} removed\n`);
      }),
    );
  user
    .command('passwd')
    .description("Set a user's password.")
    .argument('<name>')
    .option('--password-stdin', 'read the password from standard input')
    .addOption(dataDirOption())
    .action((name: string, opts: CommonOptions & { passwordStdin?: boolean }) =>
      userAction(async () => {
        const store = new UserStore(opts.dataDir);
        if (!store.get(name)) throw new CliError(`no user ${name}`, Exit.Usage);
        await store.setPassword(name, await newPassword(opts));
        process.stderr.write(`password of ${name} changed\n`);
      }),
    );
  user
    .command('role')
    .description("Change a user's role.")
    .argument('<name>')
    .argument('<role>')
    .option('-c, --config <file>', 'configuration file (for configured roles)')
    .addOption(dataDirOption())
    .action((name: string, role: string, opts: CommonOptions) =>
      userAction(() => {
        checkRole(role, opts);
        new UserStore(opts.dataDir).setRole(name, role);
        process.stderr.write(`${name} is now ${role}\n`);
      }),
    );
}
