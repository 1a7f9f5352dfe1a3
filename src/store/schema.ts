/**
 * The events table: typed columns for the OCSF attributes people filter and group on, and the
 * whole OCSF event as JSON for everything else. The query compiler maps field names to these
 * columns through `FIELD_COLUMNS`; any other field is read from the JSON.
 */
export type ColumnType = 'BIGINT' | 'INTEGER' | 'SMALLINT' | 'TIMESTAMP' | 'VARCHAR' | 'JSON' | 'UHUGEINT';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** OCSF attribute paths (dotted) that this column holds; the first is the canonical one. */
  paths: string[];
  /** The column holds an IP address as text; `<name>_num` holds it as a 128-bit number for CIDR ranges. */
  ip?: boolean;
  /** Long, repetitive text (raw records, event JSON): stored with zstd, which finds the structure
   *  rows share (a 450-byte JSON record shrinks to a few dozen bytes) where DuckDB's default
   *  dictionary/FSST compression cannot. */
  zstd?: boolean;
}

export const EVENT_COLUMNS: readonly ColumnDef[] = [
  { name: 'id', type: 'BIGINT', paths: ['metadata.uid', 'id'] },
  { name: 'time', type: 'TIMESTAMP', paths: ['time'] },
  { name: 'ingest_time', type: 'TIMESTAMP', paths: ['metadata.logged_time', 'ingest_time'] },
  { name: 'class_uid', type: 'INTEGER', paths: ['class_uid'] },
  { name: 'category_uid', type: 'SMALLINT', paths: ['category_uid'] },
  { name: 'activity_id', type: 'SMALLINT', paths: ['activity_id'] },
  { name: 'type_uid', type: 'INTEGER', paths: ['type_uid'] },
  { name: 'severity_id', type: 'SMALLINT', paths: ['severity_id'] },
  { name: 'status_id', type: 'SMALLINT', paths: ['status_id'] },
  { name: 'source', type: 'VARCHAR', paths: ['source'] },
  { name: 'product', type: 'VARCHAR', paths: ['metadata.product.name', 'product'] },
  { name: 'log_name', type: 'VARCHAR', paths: ['metadata.log_name', 'log_name'] },
  { name: 'event_code', type: 'VARCHAR', paths: ['metadata.event_code', 'event_code'] },
  { name: 'host', type: 'VARCHAR', paths: ['device.hostname', 'host', 'hostname'] },
  { name: 'user', type: 'VARCHAR', paths: ['actor.user.name', 'user.name', 'user'] },
  { name: 'src_ip', type: 'VARCHAR', paths: ['src_endpoint.ip', 'src_ip'], ip: true },
  { name: 'src_port', type: 'INTEGER', paths: ['src_endpoint.port', 'src_port'] },
  { name: 'dst_ip', type: 'VARCHAR', paths: ['dst_endpoint.ip', 'dst_ip'], ip: true },
  { name: 'dst_port', type: 'INTEGER', paths: ['dst_endpoint.port', 'dst_port'] },
  { name: 'process', type: 'VARCHAR', paths: ['process.name', 'process_name', 'process'] },
  { name: 'pid', type: 'INTEGER', paths: ['process.pid', 'pid'] },
  { name: 'cmd_line', type: 'VARCHAR', paths: ['process.cmd_line', 'cmd_line'], zstd: true },
  { name: 'message', type: 'VARCHAR', paths: ['message'], zstd: true },
  /** The parser that read raw_data (`json`, `syslog`, `text`). For `json`, the original fields are
   *  read from raw_data itself and not stored again under data.unmapped. Internal: no field name. */
  { name: 'raw_format', type: 'VARCHAR', paths: [] },
  { name: 'raw_data', type: 'VARCHAR', paths: ['raw_data'], zstd: true },
  { name: 'data', type: 'JSON', paths: [], zstd: true },
  // Network views ("who talked to whom, how much"). Added after `data`: stores created before
  // get them by ALTER TABLE on open, which appends columns, so the order here is the table's.
  { name: 'bytes', type: 'BIGINT', paths: ['traffic.bytes', 'bytes'] },
  { name: 'bytes_in', type: 'BIGINT', paths: ['traffic.bytes_in', 'bytes_in'] },
  { name: 'bytes_out', type: 'BIGINT', paths: ['traffic.bytes_out', 'bytes_out'] },
  { name: 'protocol', type: 'VARCHAR', paths: ['connection_info.protocol_name', 'protocol'] },
  /** Sequence number of the write-ahead buffer entry the event came from: replays after a crash
   *  start after the highest stored one, so no entry is stored twice. Internal: no field name. */
  { name: 'wal_seq', type: 'BIGINT', paths: [] },
  /** Who may see the event (see `dataClassOf`): a role's searches have `data_class IN (...)`.
   *  NULL in rows stored before data classes existed, which read as `security`. Internal. */
  { name: 'data_class', type: 'VARCHAR', paths: [] },
] as const;

/**
 * Data classes: what kind of data an event is, decided once when it is stored, so that a role's
 * scope is a WHERE predicate. `security`: normalized security telemetry and detection findings
 * (the default); `application`: OpenTelemetry logs (the OTLP receiver; traces and metrics live in
 * their own stores and are application data too); `audit`: Vigil's own audit log.
 */
export const DATA_CLASSES = ['security', 'application', 'audit'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** What stored rows without a data class (older stores) are. */
export const DEFAULT_DATA_CLASS: DataClass = 'security';

/** The source name and record format of Vigil's audit log (src/audit/). */
export const AUDIT_SOURCE = 'audit';
export const AUDIT_FORMAT = 'vigil-audit';

/**
 * The data class of an event on its way into the store. Decided by how it arrived (the source
 * name and the record format, which the sender cannot choose), never by the event's content: a
 * syslog line claiming to be OpenTelemetry stays `security`. Pure.
 */
export function dataClassOf(input: { source: string; format?: string | undefined }): DataClass {
  if (input.format === AUDIT_FORMAT && input.source === AUDIT_SOURCE) return 'audit';
  if (input.format === 'otlp') return 'application';
  return 'security';
}

/** Field name or OCSF path → column, for the query compiler. */
export const FIELD_COLUMNS: ReadonlyMap<string, ColumnDef> = new Map(
  EVENT_COLUMNS.flatMap((c) => c.paths.map((p) => [p, c] as const)),
);

/** The numeric twin of an IP column (`src_ip` → `src_ip_num`), for CIDR range filters. */
export function ipNumberColumn(column: ColumnDef): string {
  return `${column.name}_num`;
}

/** Statements that add the columns a store created by an older Vigil lacks (idempotent). */
export function eventsTableMigrations(table = 'events'): string[] {
  return EVENT_COLUMNS.flatMap((c) => {
    const add = (name: string, type: string) =>
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS "${name}" ${type}`;
    return c.ip ? [add(c.name, c.type), add(ipNumberColumn(c), 'UHUGEINT')] : [add(c.name, c.type)];
  });
}

/** DDL of the events table. IP columns get a UHUGEINT twin: IPv4 as ::ffff:a.b.c.d, IPv6 as is. */
export function eventsTableDdl(table = 'events'): string {
  const cols = EVENT_COLUMNS.flatMap((c) => {
    const def = `"${c.name}" ${c.type}${c.name === 'id' ? ' NOT NULL' : ''}${c.zstd ? ' USING COMPRESSION zstd' : ''}`;
    return c.ip ? [def, `"${ipNumberColumn(c)}" UHUGEINT`] : [def];
  });
  return `CREATE TABLE IF NOT EXISTS ${table} (\n  ${cols.join(',\n  ')}\n)`;
}
