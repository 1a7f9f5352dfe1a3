/**
 * `vigil detect` (Sigma rules over telemetry files, offline), `vigil rules check` (which rules
 * load, and why the others do not) and `vigil rules test` (which rules fire on given events, or
 * regression cases: a rule must fire at least N times on its events).
 */
import { existsSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readCases, runCase } from '../detect/cases.js';
import { detectFile, emptyStats, type OfflineMatch, type OfflineStats } from '../detect/offline.js';
import { atLeastLevel, defaultWorkers, DetectionPool } from '../detect/parallel.js';
import { detectionFinding } from '../detect/sigma/finding.js';
import { loadPlaceholders, loadRuleDocuments } from '../detect/sigma/load.js';
import type { Placeholders } from '../detect/sigma/modifiers.js';
import { LEVELS, type Level } from '../detect/sigma/rule.js';
import { buildRuleSet, type RuleReport, type RuleSetBuild } from '../detect/sigma/ruleset.js';
import { formatNames } from '../parsers/registry.js';
import { CliError, Exit } from './exit.js';
import { Progress } from './progress.js';

type MatchFormat = 'table' | 'ndjson' | 'csv' | 'ocsf';

const fmt = (n: number) => n.toLocaleString('en-US');

function mustExist(paths: readonly string[], what: string): void {
  for (const p of paths) if (!existsSync(p)) throw new CliError(`no such ${what}: ${p}`, Exit.Usage);
}

function placeholdersFrom(file: string | undefined): Placeholders | undefined {
  if (file === undefined) return undefined;
  mustExist([file], 'file');
  try {
    return loadPlaceholders(file);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, Exit.Usage);
  }
}

/** Load and compile rules; at least one must be usable. Unsupported ones are reported on stderr. */
function loadRules(paths: string[], options: { placeholders?: string; minLevel?: Level }): RuleSetBuild {
  mustExist(paths, 'rule path');
  const documents = atLeastLevel(loadRuleDocuments(paths), options.minLevel);
  const build = buildRuleSet(documents, { placeholders: placeholdersFrom(options.placeholders) });
  if (build.ruleSet.rules.length === 0)
    throw new CliError(`no usable Sigma rules in ${paths.join(', ')}`, Exit.Usage);
  const unsupported = build.reports.filter((r) => r.status !== 'ok' && r.kind !== 'correlation').length;
  if (unsupported > 0) {
    process.stderr.write(`vigil: ${unsupported} rules could not be loaded (see \`vigil rules check\`)\n`);
  }
  return build;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || /^[=+\-@]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const CSV_COLUMNS = [
  'rule_id',
  'rule_title',
  'level',
  'path',
  'line',
  'time',
  'computer',
  'event_id',
  'tags',
];

/** One match as the flat record ndjson and csv print. */
export function matchRecord(m: OfflineMatch): Record<string, unknown> {
  const out: Record<string, unknown> = {
    rule_id: m.rule.id ?? null,
    rule_title: m.rule.title,
    level: m.rule.level ?? null,
    path: m.path,
    line: m.line,
    tags: m.rule.tags,
  };
  if (m.event.time !== undefined) out.time = new Date(m.event.time).toISOString();
  if (m.computer) out.computer = m.computer;
  if (m.eventId) out.event_id = m.eventId;
  if (m.event.logName) out.log_name = m.event.logName;
  if (m.event.product) out.product = m.event.product;
  return out;
}

function formatMatch(m: OfflineMatch, format: MatchFormat): string {
  switch (format) {
    case 'ndjson':
      return JSON.stringify(matchRecord(m));
    case 'ocsf':
      return JSON.stringify(detectionFinding(m.rule, m.event));
    case 'csv': {
      const r = matchRecord(m);
      return CSV_COLUMNS.map((c) => {
        const v = r[c];
        return csvCell(v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v));
      }).join(',');
    }
    case 'table': {
      const time = m.event.time !== undefined ? new Date(m.event.time).toISOString() : '-';
      const where = `${m.path}:${m.line}`;
      return `${(m.rule.level ?? '-').padEnd(13)} ${time.padEnd(24)} ${where.padEnd(40)} ${m.rule.title}`;
    }
  }
}

/** Writes lines to stdout in blocks (one write per block, not per match). */
class LineWriter {
  private lines: string[] = [];

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= 512) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    process.stdout.write(this.lines.join('\n') + '\n');
    this.lines = [];
  }
}

interface DetectOptions {
  rules: string[];
  input: string[];
  format: MatchFormat;
  inputFormat: string;
  minLevel?: Level;
  placeholders?: string;
  workers: string;
}

async function runDetect(opts: DetectOptions): Promise<void> {
  mustExist(opts.input, 'input file');
  for (const file of opts.input) {
    if (statSync(file).isDirectory()) throw new CliError(`${file} is a directory; give files`, Exit.Usage);
  }
  const started = performance.now();
  const workers = Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new CliError(`--workers must be a whole number from 1 to 256, not '${opts.workers}'`, Exit.Usage);
  // Workers build their rule sets while this thread checks the rules and reports what won't load.
  const poolStarting =
    workers > 1
      ? DetectionPool.start(
          {
            rules: opts.rules,
            ...(opts.placeholders ? { placeholders: opts.placeholders } : {}),
            ...(opts.minLevel ? { minLevel: opts.minLevel } : {}),
          },
          workers,
          opts.inputFormat,
        )
      : undefined;
  poolStarting?.catch(() => undefined);
  let ruleSet;
  try {
    ({ ruleSet } = loadRules(opts.rules, opts));
  } catch (error) {
    await (await poolStarting?.catch(() => undefined))?.close();
    throw error;
  }
  const pool = await poolStarting;
  const out = new LineWriter();
  if (opts.format === 'csv') out.push(CSV_COLUMNS.join(','));
  if (opts.format === 'table')
    out.push(`${'LEVEL'.padEnd(13)} ${'TIME'.padEnd(24)} ${'WHERE'.padEnd(40)} RULE`);
  const totalBytes = opts.input.reduce((n, f) => n + statSync(f).size, 0);
  const progress = new Progress(totalBytes);
  const stats: OfflineStats = emptyStats();
  let doneBytes = 0;
  try {
    for (const file of opts.input) {
      const options = {
        format: opts.inputFormat,
        onMatch: (m: OfflineMatch) => out.push(formatMatch(m, opts.format)),
        onProgress: (_records: number, bytes: number) => progress.update(stats.records, doneBytes + bytes),
      };
      try {
        if (pool) await pool.detectFile(file, stats, options);
        else await detectFile(file, ruleSet, stats, options);
      } catch (error) {
        throw new CliError(`${file}: ${(error as Error).message}`, Exit.Failure);
      }
      doneBytes += statSync(file).size;
    }
  } finally {
    progress.done();
    out.flush();
    await pool?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `${fmt(stats.records)} records in ${opts.input.length} file${opts.input.length === 1 ? '' : 's'}: ` +
      `${fmt(stats.matches)} matches by ${fmt(stats.byRule.size)} of ${fmt(ruleSet.rules.length)} rules, ` +
      `${fmt(stats.rejected)} unreadable records (${seconds.toFixed(1)} s)\n`,
  );
  for (const r of stats.rejections) process.stderr.write(`  e.g. ${r.position}: ${r.message}\n`);
  const errors = pool ? pool.errors : ruleSet.errors;
  if (errors > 0)
    process.stderr.write(
      `vigil: ${errors} rule evaluation errors${pool ? '' : `, e.g. ${ruleSet.lastError}`}\n`,
    );
}

function reportLine(r: RuleReport): string {
  const where = r.path ? `${r.path}${r.document ? ` (document ${r.document + 1})` : ''}` : '(unknown)';
  return r.status === 'ok'
    ? `ok           ${where}${r.logsources === 0 ? '  [no logsource mapping yet]' : ''}`
    : `unsupported  ${(r.reason ?? '').padEnd(27)} ${where}${r.location ? `: ${r.location}` : ''}: ${r.detail ?? ''}`;
}

/** The `rules check` summary: counts, unsupported rules by reason, logsources not mapped yet. */
export function checkSummary(build: RuleSetBuild): string {
  const { reports, ruleSet } = build;
  const rules = reports.filter((r) => r.kind === 'rule' && r.status === 'ok');
  const unmapped = rules.filter((r) => r.logsources === 0);
  const bad = reports.filter((r) => r.status !== 'ok');
  const byReason = new Map<string, number>();
  for (const r of bad) byReason.set(r.reason ?? 'unknown', (byReason.get(r.reason ?? 'unknown') ?? 0) + 1);
  const lines = [
    `${fmt(reports.length)} documents: ${fmt(rules.length)} rules loaded ` +
      `(${fmt(rules.length - unmapped.length)} on mapped logsources, ${fmt(unmapped.length)} waiting for a logsource mapping; ` +
      `${fmt(rules.filter((r) => !r.indexed).length)} not indexed), ` +
      `${fmt(reports.filter((r) => r.kind === 'filter').length)} filters, ${fmt(bad.length)} unsupported`,
  ];
  for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1]))
    lines.push(`  unsupported ${reason}: ${n}`);
  if (unmapped.length > 0) {
    const byLogsource = new Map<string, number>();
    const infoByPath = new Map(ruleSet.rules.map((r) => [r.info.path, r.info.logsource]));
    for (const r of unmapped) {
      const ls = infoByPath.get(r.path);
      const key = ls ? [ls.product ?? '*', ls.category ?? '*', ls.service ?? '*'].join('/') : '?';
      byLogsource.set(key, (byLogsource.get(key) ?? 0) + 1);
    }
    const top = [...byLogsource].sort((a, b) => b[1] - a[1]);
    lines.push(
      `  not mapped yet (product/category/service): ` +
        top
          .slice(0, 12)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') +
        (top.length > 12 ? `, ${top.length - 12} more` : ''),
    );
  }
  return lines.join('\n') + '\n';
}

/** Register `detect` and `rules check|test` on the program. */
export function registerDetectCommands(program: Command): void {
  program
    .command('detect')
    .description(
      'Evaluate Sigma rules over telemetry files (the formats `vigil ingest` reads); print the matches.',
    )
    .requiredOption(
      '-r, --rules <paths...>',
      'Sigma rule files or folders (deprecated/ and unsupported/ are skipped)',
    )
    .requiredOption('-i, --input <files...>', 'telemetry files: NDJSON, JSON, syslog...; plain, .gz or .zst')
    .addOption(
      new Option('--format <format>', 'output: table, ndjson, csv, or ocsf (Detection Findings)')
        .choices(['table', 'ndjson', 'csv', 'ocsf'])
        .default('table'),
    )
    .addOption(
      new Option('--input-format <format>', 'input format')
        .choices(['auto', ...formatNames()])
        .default('auto'),
    )
    .addOption(new Option('--min-level <level>', 'only rules of this level or above').choices([...LEVELS]))
    .option('--placeholders <file>', 'YAML map of placeholder name → values, for rules using |expand')
    .option('--workers <n>', 'threads evaluating rules (1: this thread only)', String(defaultWorkers()))
    .addHelpText('after', '\nExit code 0 whether or not anything matched; 1 on I/O errors, 2 on bad usage.')
    .action(async (opts: DetectOptions) => {
      await runDetect(opts);
    });

  const rules = program.command('rules').description('Check and test Sigma rules.');
  rules
    .command('check')
    .description('Parse and compile rules; list those that cannot be used, with the reason.')
    .argument('<paths...>', 'rule files or folders')
    .option('--placeholders <file>', 'YAML map of placeholder name → values, for rules using |expand')
    .addOption(
      new Option('--format <format>', 'text, or ndjson (one report per document)')
        .choices(['text', 'ndjson'])
        .default('text'),
    )
    .option('-v, --verbose', 'list every rule, not only the unsupported ones')
    .addHelpText('after', '\nExit code 0 when every rule loads, 3 when some are unsupported, 2 on bad usage.')
    .action((paths: string[], opts: { placeholders?: string; format: string; verbose?: boolean }) => {
      mustExist(paths, 'rule path');
      const build = buildRuleSet(loadRuleDocuments(paths), {
        placeholders: placeholdersFrom(opts.placeholders),
      });
      if (opts.format === 'ndjson') {
        process.stdout.write(
          build.reports.map((r) => JSON.stringify(r)).join('\n') + (build.reports.length ? '\n' : ''),
        );
      } else {
        const listed = build.reports.filter((r) => opts.verbose || r.status !== 'ok');
        if (listed.length > 0) process.stdout.write(listed.map(reportLine).join('\n') + '\n');
        process.stdout.write(checkSummary(build));
      }
      process.exitCode = build.reports.some((r) => r.status !== 'ok') ? Exit.PartialReject : Exit.Ok;
    });
  rules
    .command('test')
    .description('Run rules over events and report which fired how often, or check regression cases.')
    .requiredOption('-r, --rules <paths...>', 'rule files or folders')
    .option('-e, --events <files...>', 'event files: report how often each rule fired')
    .option(
      '--cases <file>',
      'NDJSON cases (rule_id, events_ndjson, expected_min_matches): pass or fail each',
    )
    .option('--placeholders <file>', 'YAML map of placeholder name → values')
    .addHelpText(
      'after',
      '\nExit code 0 when all cases pass (or with --events), 1 when a case fails, 2 on bad usage.',
    )
    .action(async (opts: { rules: string[]; events?: string[]; cases?: string; placeholders?: string }) => {
      if (!opts.events && !opts.cases) throw new CliError('give --events or --cases', Exit.Usage);
      const { ruleSet } = loadRules(opts.rules, opts);
      if (opts.events) await reportFiring(opts.events, ruleSet.rules.length, ruleSet);
      if (opts.cases) await reportCases(opts.cases, ruleSet);
    });
}

async function reportFiring(files: string[], total: number, ruleSet: RuleSetBuild['ruleSet']): Promise<void> {
  mustExist(files, 'event file');
  const stats = emptyStats();
  for (const file of files) {
    try {
      await detectFile(file, ruleSet, stats);
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`, Exit.Failure);
    }
  }
  const fired = [...stats.byRule.values()].sort(
    (a, b) => b.count - a.count || a.rule.title.localeCompare(b.rule.title),
  );
  const lines = fired.map(
    ({ rule, count }) =>
      `${fmt(count).padStart(8)}  ${(rule.level ?? '-').padEnd(13)} ${(rule.id ?? '-').padEnd(36)}  ${rule.title}`,
  );
  lines.push(
    `${fmt(stats.records)} events: ${fmt(fired.length)} of ${fmt(total)} rules fired, ${fmt(stats.matches)} matches` +
      (stats.rejected > 0 ? `; ${fmt(stats.rejected)} unreadable records` : ''),
  );
  process.stdout.write(lines.join('\n') + '\n');
}

async function reportCases(file: string, ruleSet: RuleSetBuild['ruleSet']): Promise<void> {
  mustExist([file], 'cases file');
  let cases;
  try {
    cases = readCases(file);
  } catch (error) {
    throw new CliError((error as Error).message, Exit.Usage);
  }
  let failed = 0;
  for (const c of cases) {
    let line: string;
    try {
      const r = await runCase(c, ruleSet);
      if (!r.pass) failed++;
      line = `${r.pass ? 'PASS' : 'FAIL'}  ${c.rule}  fired ${r.matches} (expected ≥ ${c.expected})  ${c.name ?? ''}`;
    } catch (error) {
      failed++;
      line = `FAIL  ${c.rule}  ${(error as Error).message}`;
    }
    process.stdout.write(line.trimEnd() + '\n');
  }
  process.stdout.write(`${cases.length - failed} of ${cases.length} cases pass\n`);
  if (failed > 0) process.exitCode = Exit.Failure;
}
