import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { isRole, ROLES, TokenStore } from '../api/auth.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { formatNames } from '../parsers/registry.js';
import { parseTimeBound } from '../query/timerange.js';
import { startServer } from '../server.js';
import { createLogger } from '../telemetry/log.js';
import { registerAlertCommands } from './alerts.js';
import { runDemo } from './demo.js';
import { registerDetectCommands } from './detect.js';
import { showDropped, type DroppedOptions } from './dropped.js';
import { registerEvidenceCommands } from './evidence.js';
import { registerUserCommands } from './users.js';
import { waitForSignal } from './signals.js';
import { CliError, Exit } from './exit.js';
import { formatSummary, ingestFiles } from './ingest.js';
import { registerMetricCommands } from './metrics.js';
import { registerTraceCommands } from './traces.js';
import { searchDataDir } from './local.js';
import { formatResult, type OutputFormat } from './output.js';

const defaultDataDir = () => process.env.VIGIL_DATA_DIR ?? 'vigil-data';

function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR)').default(
    defaultDataDir(),
    defaultDataDir(),
  );
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

const program = new Command('vigil')
  .description('Vigil: collect security telemetry, normalize it to OCSF, store it and search it.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration, 3 finished with rejected records,
4 verification found tampering.
Docs: README.md, docs/query.md, docs/architecture.md`,
  );

program
  .command('serve')
  .description(
    'Run the receivers, pipeline, store and API (defaults: API on 127.0.0.1:8470, syslog on 127.0.0.1:5514).',
  )
  .option('-c, --config <file>', 'configuration file (YAML)')
  .addOption(dataDirOption())
  .action(async (opts: { config?: string; dataDir: string }) => {
    const log = createLogger();
    const config = loadConfig(opts.config, opts.dataDir);
    const server = await startServer(config, log);
    process.stdout.write(`vigil serving ${server.url} (data: ${config.dataDir})\n`);
    for (const [name, where] of Object.entries(server.info.sources))
      process.stdout.write(`  source ${name}: ${where}\n`);
    await waitForSignal(log, server.stop, async () => {
      const report = await server.reload(loadConfig(opts.config, opts.dataDir));
      if (report.needRestart.length > 0)
        log.warn({ settings: report.needRestart }, 'these settings change only after a restart');
    });
  });

program
  .command('ingest')
  .description('Import files (NDJSON, JSON arrays, syslog, Windows events; plain, .gz or .zst).')
  .argument('<files...>', 'files to import')
  .addOption(
    new Option('-f, --format <format>', 'input format').choices(['auto', ...formatNames()]).default('auto'),
  )
  .option('-c, --config <file>', 'configuration file (transforms, store options)')
  .addOption(dataDirOption())
  .action(async (files: string[], opts: { format: string; config?: string; dataDir: string }) => {
    const log = createLogger('vigil', process.env.VIGIL_LOG_LEVEL ?? 'warn');
    const summary = await ingestFiles(files, opts, log);
    process.stdout.write(formatSummary(summary));
    process.exitCode = summary.rejected > 0 ? Exit.PartialReject : Exit.Ok;
  });

program
  .command('search')
  .description('Search stored events with the query language (docs/query.md).')
  .argument('<query>', "e.g. 'event_code=4625 | stats count() by user, src_ip'")
  .option('--from <time>', 'start: ISO time, epoch, or relative like -24h')
  .option('--to <time>', 'end (exclusive), same forms')
  .option('-n, --limit <n>', 'most events or rows', positiveInt)
  .addOption(
    new Option('--format <format>', 'output').choices(['table', 'json', 'ndjson', 'csv']).default('table'),
  )
  .addOption(dataDirOption())
  .action(
    async (
      query: string,
      opts: { from?: string; to?: string; limit?: number; format: OutputFormat; dataDir: string },
    ) => {
      const now = Date.now();
      let from: number | undefined;
      let to: number | undefined;
      try {
        from = opts.from ? parseTimeBound(opts.from, now) : undefined;
        to = opts.to ? parseTimeBound(opts.to, now) : undefined;
      } catch (error) {
        throw new CliError((error as Error).message, Exit.Usage);
      }
      const result = await searchDataDir(opts.dataDir, query, { from, to, limit: opts.limit, now });
      process.stdout.write(formatResult(result, opts.format));
    },
  );

program
  .command('dropped')
  .description(
    'What the running server rejected or dropped, by source and reason, with the newest bad records.',
  )
  .option('--source <name>', 'only this source')
  .option('--reason <reason>', 'only this reason (e.g. invalid_json, overloaded)')
  .option('-n, --limit <n>', 'most sample records', positiveInt)
  .addOption(
    new Option('--format <format>', 'output').choices(['table', 'json', 'ndjson', 'csv']).default('table'),
  )
  .addOption(dataDirOption())
  .action(async (opts: Omit<DroppedOptions, 'format'> & { format: OutputFormat }) => {
    process.stdout.write(await showDropped(opts));
  });

program
  .command('demo')
  .description(
    'Start a server on a fresh data directory, feed it realistic telemetry with an attack in it, and show what to try.',
  )
  .option('--data-dir <dir>', 'data directory for the demo (default: a new vigil-demo-* folder)')
  .option('--port <port>', 'API port (default 8470, or any free port if taken)', positiveInt)
  .option('--minutes <n>', 'minutes of telemetry to generate', positiveInt, 720)
  .option('--exit', 'stop after feeding and printing (do not keep serving)')
  .action(async (opts: { dataDir?: string; port?: number; minutes: number; exit?: boolean }) => {
    await runDemo(opts);
  });

registerEvidenceCommands(program, dataDirOption);
registerUserCommands(program, dataDirOption);

const token = program.command('token').description('Manage API tokens (only their hashes are stored).');
token
  .command('create')
  .description('Create a token and print it once.')
  .requiredOption('--name <name>', 'who or what uses it')
  .addOption(new Option('--role <role>', 'what it may do').choices(Object.keys(ROLES)).makeOptionMandatory())
  .addOption(dataDirOption())
  .action((opts: { name: string; role: string; dataDir: string }) => {
    if (!isRole(opts.role)) throw new CliError(`unknown role ${opts.role}`, Exit.Usage);
    if (!/^[\w.@-]{1,64}$/.test(opts.name))
      throw new CliError('--name must match [A-Za-z0-9_.@-]{1,64}', Exit.Usage);
    const { token: secret, record } = new TokenStore(opts.dataDir).create(opts.name, opts.role);
    process.stdout.write(`${secret}\n`);
    process.stderr.write(
      `token ${record.id} (${record.name}, role ${record.role}) created; it is shown only once\n`,
    );
  });
token
  .command('list')
  .description('List tokens (never their secrets).')
  .addOption(dataDirOption())
  .action((opts: { dataDir: string }) => {
    for (const t of new TokenStore(opts.dataDir).list()) {
      process.stdout.write(`${t.id}  ${t.name.padEnd(20)}  ${t.role.padEnd(8)}  ${t.created_at}\n`);
    }
  });
token
  .command('revoke')
  .description('Revoke a token by id or name.')
  .argument('<id-or-name>')
  .addOption(dataDirOption())
  .action((id: string, opts: { dataDir: string }) => {
    if (!new TokenStore(opts.dataDir).revoke(id)) throw new CliError(`no token ${id}`, Exit.Usage);
  });

const config = program.command('config').description('Check or describe the configuration file.');
config
  .command('check')
  .description('Validate a configuration file.')
  .argument('<file>')
  .action((file: string) => {
    const resolved = loadConfig(file);
    process.stdout.write(
      `${file}: ok (${resolved.sources.length} sources, ${resolved.transforms.length} transforms)\n`,
    );
  });
config
  .command('schema')
  .description('Print the JSON Schema of the configuration file.')
  .action(() => {
    process.stdout.write(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input' }), null, 2) + '\n');
  });

registerDetectCommands(program);
registerAlertCommands(program);
registerTraceCommands(program);
registerMetricCommands(program, dataDirOption);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`vigil: ${error.message}\n`);
    process.exitCode = Exit.Usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`vigil: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`vigil: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = Exit.Failure;
  }
}
