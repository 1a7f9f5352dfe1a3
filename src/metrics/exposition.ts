/**
 * The Prometheus text exposition format (0.0.4) and OpenMetrics text (1.0), parsed into
 * MetricPoints. Pure: text in, points and per-line errors out.
 *
 * HELP, TYPE and UNIT lines name a family; its samples follow. Counters become `sum` points
 * (monotonic, cumulative), gauges and untyped samples `gauge` points. A histogram family's
 * `_bucket{le}` / `_sum` / `_count` samples with the same labels are assembled into one `histogram`
 * point (per-bucket counts, bounds without +Inf, like OTLP); a summary's `{quantile}` / `_sum` /
 * `_count` into one `summary` point. Label values and HELP text are unescaped (`\\`, `\"`, `\n`).
 * Timestamps are milliseconds in 0.0.4 and seconds (fractional) in OpenMetrics; samples without
 * one take the scrape time. Exemplars (` # {...} v`) are dropped. A bad line is reported with its
 * line number and reason and skipped; every other line is kept. `# EOF` ends OpenMetrics input.
 */
import type { MetricKind, MetricPoint } from './model.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export interface ExpositionError {
  line: number;
  reason: 'bad_sample' | 'bad_value' | 'bad_timestamp' | 'bad_labels' | 'bad_metadata' | 'bad_histogram';
  message: string;
}

export interface ExpositionResult {
  points: MetricPoint[];
  errors: ExpositionError[];
  /** Sample lines read (good ones). */
  samples: number;
}

/** The format a scrape answered in, from its Content-Type. */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat {
  return /application\/openmetrics-text/i.test(contentType ?? '') ? 'openmetrics' : 'prometheus';
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;

type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'untyped';

interface Family {
  type: FamilyType;
  help?: string;
  unit?: string;
}

class LineError extends Error {
  constructor(
    readonly reason: ExpositionError['reason'],
    message: string,
  ) {
    super(message);
  }
}

/** A parsed sample line. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  time?: number;
}

function unescape(text: string, quotes: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i === text.length - 1) {
      out += c;
      continue;
    }
    const n = text[++i]!;
    out += n === 'n' ? '\n' : n === '\\' ? '\\' : quotes && n === '"' ? '"' : '\\' + n;
  }
  return out;
}

/** A quoted string starting at `at` (the opening quote): its unescaped value and the index after it. */
function quoted(line: string, at: number): { value: string; end: number } {
  const close = line.indexOf('"', at + 1);
  const backslash = line.indexOf('\\', at + 1);
  // The common case: no escapes before the closing quote.
  if (close !== -1 && (backslash === -1 || backslash > close))
    return { value: line.slice(at + 1, close), end: close + 1 };
  let i = at + 1;
  let raw = '';
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      raw += c + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') return { value: unescape(raw, true), end: i + 1 };
    raw += c;
  }
  throw new LineError('bad_labels', `unterminated quoted string at column ${at + 1}`);
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case 'NaN':
    case 'nan':
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && !/^0x[0-9a-fA-F]+$/.test(text))
    throw new LineError('bad_value', `"${text.slice(0, 40)}" is not a number`);
  return Number(text);
}

/** Parse `name{labels} value [timestamp]` (exemplar dropped). */
function parseSample(line: string, format: ExpositionFormat): Sample {
  let i = 0;
  let name = '';
  const labels: Record<string, string> = {};
  const m = NAME_RE.exec(line);
  if (m) {
    name = m[0];
    i = name.length;
  } else if (line[0] !== '{') {
    throw new LineError('bad_sample', `expected a metric name at column 1`);
  }
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      let labelName: string;
      if (line[i] === '"') {
        const q = quoted(line, i);
        i = q.end;
        while (line[i] === ' ') i++;
        // UTF-8 names (Prometheus 3): a lone quoted string is the metric name.
        if (line[i] === ',' || line[i] === '}') {
          if (name !== '') throw new LineError('bad_labels', `a second metric name at column ${i + 1}`);
          name = q.value;
          if (line[i] === ',') i++;
          continue;
        }
        labelName = q.value;
      } else {
        LABEL_NAME_RE.lastIndex = i;
        const lm = LABEL_NAME_RE.exec(line);
        if (!lm) throw new LineError('bad_labels', `expected a label name at column ${i + 1}`);
        labelName = lm[0];
        i += labelName.length;
      }
      while (line[i] === ' ') i++;
      if (line[i] !== '=')
        throw new LineError('bad_labels', `expected "=" after label ${labelName} at column ${i + 1}`);
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"')
        throw new LineError(
          'bad_labels',
          `expected a quoted value for label ${labelName} at column ${i + 1}`,
        );
      const q = quoted(line, i);
      i = q.end;
      if (Object.hasOwn(labels, labelName))
        throw new LineError('bad_labels', `label ${labelName} given twice`);
      labels[labelName] = q.value;
      while (line[i] === ' ') i++;
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] === '}') {
        i++;
        break;
      }
      throw new LineError('bad_labels', `expected "," or "}" at column ${i + 1}`);
    }
  }
  if (name === '') throw new LineError('bad_sample', 'sample without a metric name');
  if (line[i] !== ' ' && line[i] !== '\t')
    throw new LineError('bad_sample', `expected a space before the value at column ${i + 1}`);
  let rest = line.slice(i).trim();
  const exemplar = rest.indexOf(' # ');
  if (exemplar !== -1) rest = rest.slice(0, exemplar).trim();
  const parts = rest.split(/[ \t]+/);
  if (parts.length === 0 || parts[0] === '') throw new LineError('bad_value', 'missing value');
  if (parts.length > 2)
    throw new LineError('bad_sample', `unexpected text after the timestamp: "${parts[2]!.slice(0, 40)}"`);
  const value = parseValue(parts[0]!);
  let time: number | undefined;
  if (parts.length === 2) {
    const t = parts[1]!;
    if (format === 'openmetrics') {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t))
        throw new LineError('bad_timestamp', `timestamp "${t.slice(0, 40)}" is not a number of seconds`);
      time = Math.round(Number(t) * 1000);
    } else {
      if (!/^-?\d+$/.test(t))
        throw new LineError('bad_timestamp', `timestamp "${t.slice(0, 40)}" is not whole milliseconds`);
      time = Number(t);
    }
    if (!Number.isFinite(time))
      throw new LineError('bad_timestamp', `timestamp "${t.slice(0, 40)}" is out of range`);
  }
  return { name, labels, value, ...(time !== undefined ? { time } : {}) };
}

const FAMILY_TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
]);

/** Stable key of a label set (sorted). */
function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** A histogram or summary being assembled from its samples. */
interface Group {
  family: string;
  type: 'histogram' | 'summary';
  labels: Record<string, string>;
  time: number;
  line: number;
  buckets: { le: number; count: number }[];
  quantiles: { quantile: number; value: number }[];
  count?: number;
  sum?: number;
  created?: number;
}

/** Which family a sample belongs to, and its role in it. */
function familyOf(
  name: string,
  families: Map<string, Family>,
): { family: string; info: Family; suffix: string } | undefined {
  const exact = families.get(name);
  if (exact && exact.type !== 'histogram' && exact.type !== 'gaugehistogram' && exact.type !== 'summary')
    return { family: name, info: exact, suffix: '' };
  if (exact && exact.type === 'summary') return { family: name, info: exact, suffix: '' };
  for (const suffix of ['_bucket', '_count', '_sum', '_created', '_total', '_gcount', '_gsum']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const info = families.get(base);
    if (info) return { family: base, info, suffix };
  }
  return exact ? { family: name, info: exact, suffix: '' } : undefined;
}

export interface ParseExpositionOptions {
  format?: ExpositionFormat;
  /** Time for samples without a timestamp (ms). */
  now: number;
  /** Labels added to every point (target labels); sample labels win unless `override`. */
  labels?: Record<string, string>;
  /** Target labels override sample labels (Prometheus `honor_labels: false` keeps both as exported_*). */
  honorLabels?: boolean;
}

function mergeLabels(
  sample: Record<string, string>,
  target: Record<string, string> | undefined,
  targetKeys: readonly string[],
  honor: boolean,
): Record<string, string> {
  if (!target) return sample;
  for (const k of targetKeys) {
    const scraped = sample[k];
    if (scraped !== undefined) {
      if (honor) continue;
      sample[`exported_${k}`] = scraped;
    }
    sample[k] = target[k]!;
  }
  return sample;
}

/** Parse one scrape body. Never throws: bad lines are in `errors`. */
export function parseExposition(text: string, options: ParseExpositionOptions): ExpositionResult {
  const format = options.format ?? 'prometheus';
  const families = new Map<string, Family>();
  const points: MetricPoint[] = [];
  const errors: ExpositionError[] = [];
  const groups = new Map<string, Group>();
  let samples = 0;
  const honor = options.honorLabels ?? false;
  const targetKeys = Object.keys(options.labels ?? {});
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    try {
      if (line.startsWith('#')) {
        if (line === '# EOF') break;
        const meta = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/.exec(line);
        if (!meta) continue; // a comment
        const [, keyword, name, restRaw] = meta as unknown as [string, string, string, string | undefined];
        const rest = restRaw ?? '';
        if (!NAME_RE.test(name) || NAME_RE.exec(name)![0] !== name)
          throw new LineError('bad_metadata', `"${name.slice(0, 60)}" is not a metric name`);
        const family = families.get(name) ?? { type: 'untyped' as FamilyType };
        if (keyword === 'HELP') family.help = unescape(rest, false);
        else if (keyword === 'UNIT') family.unit = rest.trim() || undefined;
        else {
          const t = rest.trim();
          if (!FAMILY_TYPES.has(t))
            throw new LineError('bad_metadata', `unknown metric type "${t.slice(0, 40)}"`);
          family.type =
            t === 'unknown' || t === 'info' || t === 'stateset'
              ? t === 'unknown'
                ? 'untyped'
                : 'gauge'
              : (t as FamilyType);
        }
        families.set(name, family);
        continue;
      }
      const sample = parseSample(line, format);
      samples++;
      const time = sample.time ?? options.now;
      const found = familyOf(sample.name, families);
      const type = found?.info.type ?? 'untyped';
      const unit = found?.info.unit;
      const description = found?.info.help;
      if (type === 'histogram' || type === 'gaugehistogram' || type === 'summary') {
        const family = found!.family;
        const isHist = type !== 'summary';
        const { le, quantile, ...rest } = sample.labels;
        const own = isHist
          ? { ...rest, ...(quantile !== undefined ? { quantile } : {}) }
          : { ...rest, ...(le !== undefined ? { le } : {}) };
        const labels = mergeLabels(own, options.labels, targetKeys, honor);
        const suffix = found!.suffix;
        if (suffix === '_bucket' && isHist && le === undefined)
          throw new LineError('bad_histogram', `${sample.name} without an "le" label`);
        if (suffix === '' && !isHist && quantile === undefined)
          throw new LineError('bad_histogram', `${sample.name} without a "quantile" label`);
        const role =
          suffix === '_bucket' && isHist
            ? 'bucket'
            : suffix === '' && !isHist
              ? 'quantile'
              : suffix === '_count' || suffix === '_gcount'
                ? 'count'
                : suffix === '_sum' || suffix === '_gsum'
                  ? 'sum'
                  : suffix === '_created'
                    ? 'created'
                    : undefined;
        if (!role)
          throw new LineError('bad_histogram', `${sample.name} is not a sample of ${type} ${family}`);
        const bound = role === 'bucket' ? parseValue(le!) : role === 'quantile' ? parseValue(quantile!) : 0;
        const key = `${family}\u0000${labelKey(labels)}\u0000${time}`;
        let group = groups.get(key);
        if (!group) {
          group = {
            family,
            type: isHist ? 'histogram' : 'summary',
            labels,
            time,
            line: lineNo,
            buckets: [],
            quantiles: [],
          };
          groups.set(key, group);
        }
        if (role === 'bucket') group.buckets.push({ le: bound, count: sample.value });
        else if (role === 'quantile') group.quantiles.push({ quantile: bound, value: sample.value });
        else if (role === 'count') group.count = sample.value;
        else if (role === 'sum') group.sum = sample.value;
        else group.created = sample.value * 1000;
        continue;
      }
      if (found?.suffix === '_created') continue; // OpenMetrics counter creation time
      const labels = mergeLabels(sample.labels, options.labels, targetKeys, honor);
      const kind: MetricKind = type === 'counter' ? 'sum' : 'gauge';
      // OpenMetrics counters are named by family (`x`) and exposed as `x_total`: keep the sample name.
      const point: MetricPoint = { name: sample.name, kind, labels, time, value: sample.value };
      if (kind === 'sum') {
        point.monotonic = true;
        point.temporality = 'cumulative';
      }
      if (unit) point.unit = unit;
      if (description) point.description = description;
      points.push(point);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      errors.push({ line: lineNo, reason: error.reason, message: `line ${lineNo}: ${error.message}` });
    }
  }
  for (const group of groups.values()) {
    const info = families.get(group.family);
    try {
      points.push(assemble(group, info));
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      errors.push({
        line: group.line,
        reason: error.reason,
        message: `line ${group.line}: ${error.message}`,
      });
    }
  }
  return { points, errors, samples };
}

/** One histogram or summary point from its samples. */
function assemble(group: Group, info: Family | undefined): MetricPoint {
  const point: MetricPoint = { name: group.family, kind: group.type, labels: group.labels, time: group.time };
  if (info?.unit) point.unit = info.unit;
  if (info?.help) point.description = info.help;
  if (group.created !== undefined && Number.isFinite(group.created)) point.startTime = group.created;
  if (group.sum !== undefined) point.sum = group.sum;
  if (group.type === 'summary') {
    point.quantiles = [...group.quantiles].sort((a, b) => a.quantile - b.quantile);
    if (group.count !== undefined) point.count = group.count;
    return point;
  }
  point.temporality = 'cumulative';
  const buckets = [...group.buckets].sort((a, b) => a.le - b.le);
  if (buckets.length === 0) {
    if (group.count === undefined)
      throw new LineError('bad_histogram', `histogram ${group.family} without buckets or count`);
    point.count = group.count;
    point.bounds = [];
    point.bucketCounts = [group.count];
    return point;
  }
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i]!.le === buckets[i - 1]!.le)
      throw new LineError(
        'bad_histogram',
        `histogram ${group.family} has bucket le="${buckets[i]!.le}" twice`,
      );
    if (buckets[i]!.count < buckets[i - 1]!.count)
      throw new LineError(
        'bad_histogram',
        `histogram ${group.family}: bucket counts decrease at le="${buckets[i]!.le}"`,
      );
  }
  const last = buckets[buckets.length - 1]!;
  const inf = last.le === Infinity ? last.count : (group.count ?? last.count);
  const finite = buckets.filter((b) => b.le !== Infinity);
  point.bounds = finite.map((b) => b.le);
  const counts: number[] = [];
  let previous = 0;
  for (const b of finite) {
    counts.push(b.count - previous);
    previous = b.count;
  }
  counts.push(Math.max(0, inf - previous));
  point.bucketCounts = counts;
  point.count = group.count ?? inf;
  return point;
}
