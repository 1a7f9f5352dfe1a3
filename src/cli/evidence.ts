import { readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { verifyBundle } from '../evidence/bundle.js';
import { exportEvidence, openEvidence, verifyInstallation } from '../evidence/service.js';
import type { VerifyReport } from '../evidence/verify.js';
import { parseTimeBound } from '../query/timerange.js';
import { EventStore } from '../store/duckdb.js';
import { CliError, Exit } from './exit.js';
import { apiCall, runningServer } from './local.js';

interface WindowOptions {
  from?: string;
  to?: string;
  dataDir: string;
}

function window(opts: WindowOptions): { from?: number; to?: number } {
  const now = Date.now();
  try {
    return {
      from: opts.from ? parseTimeBound(opts.from, now) : undefined,
      to: opts.to ? parseTimeBound(opts.to, now) : undefined,
    };
  } catch (error) {
    throw new CliError((error as Error).message, Exit.Usage);
  }
}

/** Through the running server, or on the data directory directly when none serves it. */
async function withEvidence<T>(
  dataDir: string,
  viaApi: (server: NonNullable<ReturnType<typeof runningServer>>) => Promise<T>,
  local: (store: EventStore, parts: ReturnType<typeof openEvidence>) => Promise<T>,
): Promise<T> {
  const server = runningServer(dataDir);
  if (server) return viaApi(server);
  const store = await EventStore.open(dataDir, { readOnly: true });
  const parts = openEvidence(dataDir);
  try {
    return await local(store, parts);
  } finally {
    parts.close();
    await store.close();
  }
}

function query(opts: WindowOptions): URLSearchParams {
  const params = new URLSearchParams();
  if (opts.from) params.set('from', opts.from);
  if (opts.to) params.set('to', opts.to);
  return params;
}

async function apiText(server: NonNullable<ReturnType<typeof runningServer>>, path: string): Promise<string> {
  const response = await apiCall(server, path);
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message: string }).message;
    } catch {
      // not JSON
    }
    throw new CliError(message, response.status === 400 ? Exit.Usage : Exit.Failure);
  }
  return text;
}

function formatReport(report: VerifyReport): string {
  const lines = [
    `${report.ok ? 'OK' : 'TAMPERING FOUND'}: ${report.events.toLocaleString('en-US')} events checked ` +
      `(positions ${report.range.from}–${report.range.to} of ${report.logSize.toLocaleString('en-US')}), ` +
      `${report.heads.valid} of ${report.heads.checked} signed tree heads valid`,
  ];
  for (const [kind, n] of Object.entries(report.counts)) if (n > 0) lines.push(`  ${kind}: ${n}`);
  for (const f of report.findings.slice(0, 50))
    lines.push(
      `  ${f.kind}${f.position !== undefined ? ` at position ${f.position}` : ''}${f.id ? ` (event ${f.id})` : ''}: ${f.detail}`,
    );
  if (report.findings.length > 50)
    lines.push(`  ... ${report.findings.length - 50} more (use --format json)`);
  return lines.join('\n') + '\n';
}

/** `vigil verify` and `vigil evidence export|verify|key`. */
export function registerEvidenceCommands(
  program: Command,
  dataDirOption: () => import('commander').Option,
): void {
  program
    .command('verify')
    .description(
      'Recompute the Merkle tree from the stored events and check it and every signed tree head: reports altered, deleted, inserted or reordered events (exit 4).',
    )
    .option('--from <time>', 'only events ingested from this time')
    .option('--to <time>', 'only events ingested before this time')
    .option('--format <format>', 'table or json', 'table')
    .addOption(dataDirOption())
    .action(async (opts: WindowOptions & { format: string }) => {
      const w = window(opts);
      const report = await withEvidence(
        opts.dataDir,
        async (server) =>
          JSON.parse(await apiText(server, `/api/v1/evidence/verify?${query(opts)}`)) as VerifyReport,
        async (store, parts) => verifyInstallation(store, parts, w),
      );
      process.stdout.write(
        opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatReport(report),
      );
      if (!report.ok) process.exitCode = Exit.VerifyFailed;
    });

  const evidence = program
    .command('evidence')
    .description('Export events with proofs; verify such exports offline.');
  evidence
    .command('export')
    .description(
      'Write the events a query selects, with inclusion proofs and a signed tree head, to an evidence file.',
    )
    .requiredOption('-q, --query <query>', 'the search selecting the events (docs/query.md)')
    .requiredOption('-o, --out <file>', 'the evidence file to write (NDJSON)')
    .option('--from <time>', 'start of the time range')
    .option('--to <time>', 'end of the time range')
    .addOption(dataDirOption())
    .action(async (opts: WindowOptions & { query: string; out: string }) => {
      const w = window(opts);
      const events = await withEvidence(
        opts.dataDir,
        async (server) => {
          const params = query(opts);
          params.set('q', opts.query);
          const text = await apiText(server, `/api/v1/evidence/export?${params}`);
          writeFileSync(opts.out, text);
          return text.split('\n').length - 3;
        },
        async (store, parts) => {
          const out = createWriteStream(opts.out);
          let n = -2;
          for await (const line of exportEvidence(store, parts, opts.query, w)) {
            n++;
            if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
          }
          await new Promise<void>((resolve, reject) =>
            out.end((e?: Error | null) => (e ? reject(e) : resolve())),
          );
          return n;
        },
      );
      process.stdout.write(`${events} events with proofs written to ${opts.out}\n`);
    });
  evidence
    .command('verify')
    .description(
      'Check an evidence file offline with the installation public key alone (exit 4 if it fails).',
    )
    .argument('<file>', 'an evidence file from `vigil evidence export`')
    .requiredOption('--key <pem>', 'the installation public key (from `vigil evidence key`)')
    .action((file: string, opts: { key: string }) => {
      let text: string;
      let key: string;
      try {
        text = readFileSync(file, 'utf8');
        key = readFileSync(opts.key, 'utf8');
      } catch (error) {
        throw new CliError((error as Error).message, Exit.Usage);
      }
      const verdict = verifyBundle(text, key);
      if (verdict.ok)
        process.stdout.write(
          `OK: ${verdict.verified} of ${verdict.events} events proven under the signed tree head\n`,
        );
      else {
        process.stdout.write(`FAILED: ${verdict.verified} of ${verdict.events} events proven\n`);
        for (const e of verdict.errors.slice(0, 50))
          process.stdout.write(`  ${e.index === null ? 'bundle' : `event ${e.index}`}: ${e.reason}\n`);
        process.exitCode = Exit.VerifyFailed;
      }
    });
  evidence
    .command('key')
    .description("Print the installation's public key (PEM), to give to whoever verifies evidence.")
    .addOption(dataDirOption())
    .action(async (opts: { dataDir: string }) => {
      const pem = await withEvidence(
        opts.dataDir,
        (server) => apiText(server, '/api/v1/evidence/key'),
        async (_store, parts) => parts.signer.exportPublicKey(),
      );
      process.stdout.write(pem);
    });
}
