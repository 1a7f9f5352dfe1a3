/**
 * Software bills of materials (CycloneDX and SPDX JSON documents) → OCSF Base Events.
 *
 * An SBOM is an inventory, not an activity; OCSF 1.8's closest classes (Software Inventory Info)
 * have no schema Vigil validates against, so a document becomes one Base Event that says what it
 * describes: format and spec version, document name and version, serial number / namespace, and
 * how many components, dependencies, vulnerabilities, packages, files and relationships it holds
 * (`unmapped.sbom`, and a one-line message). SPDX 3 JSON-LD documents arrive element by element
 * (importFile splits `@graph`); each element becomes a Base Event naming its type. The document's
 * own fields stay in `unmapped` (the large lists by reference: nothing is copied). Pure: no I/O;
 * time from the document's creation time, else the receive time.
 */
import type { ParsedRecord } from '../parsers/record.js';
import type { Normalizer, NormalizeContext } from './normalizer.js';
import { OcsfClass, type OcsfEvent } from './ocsf.js';
import {
  envelope,
  fallbackEvent,
  firstTime,
  obj,
  put,
  text,
  type Fields,
  type Metadata,
} from './cloud-common.js';

type Kind = 'cyclonedx' | 'spdx2' | 'spdx3-document' | 'spdx3-element';

/** Which SBOM shape a JSON record is, if any (a few key checks). */
export function sbomKind(f: Fields): Kind | undefined {
  if (typeof f.bomFormat === 'string' && f.specVersion !== undefined) return 'cyclonedx';
  if (typeof f.spdxVersion === 'string' && typeof f.SPDXID === 'string') return 'spdx2';
  if (Array.isArray(f['@graph']) && typeof f['@context'] === 'string' && f['@context'].includes('spdx'))
    return 'spdx3-document';
  if (typeof f.type === 'string') {
    if (typeof f.spdxId === 'string') return 'spdx3-element';
    if (f.type === 'CreationInfo' && typeof f['@id'] === 'string' && f.specVersion !== undefined)
      return 'spdx3-element';
  }
  return undefined;
}

/** CycloneDX and SPDX documents (and SPDX 3 elements) → Base Events that summarize them. */
export const sbomNormalizer: Normalizer = {
  name: 'sbom',
  accepts: (record) => record.format === 'json' && sbomKind(record.fields) !== undefined,
  normalize(record, ctx) {
    try {
      return mapDocument(record, ctx);
    } catch (error) {
      return fallbackEvent(record, ctx, { name: 'SBOM' }, error);
    }
  },
};

const COUNT_LABELS: ReadonlyMap<string, string> = new Map([
  ['component_count', 'components'],
  ['service_count', 'services'],
  ['dependency_count', 'dependencies'],
  ['vulnerability_count', 'vulnerabilities'],
  ['package_count', 'packages'],
  ['file_count', 'files'],
  ['relationship_count', 'relationships'],
  ['element_count', 'elements'],
]);

function count(v: unknown): number | undefined {
  return Array.isArray(v) ? v.length : undefined;
}

function mapDocument(record: ParsedRecord, ctx: NormalizeContext): OcsfEvent {
  const f = record.fields;
  const kind = sbomKind(f) ?? 'cyclonedx';
  const summary: Fields = {};
  let when: { time: number; original: string } | undefined;
  let message: string;
  let product: { name: string; version?: string };
  if (kind === 'cyclonedx') {
    const meta = obj(f, 'metadata');
    const subject = obj(meta, 'component');
    product = { name: 'CycloneDX' };
    put(product, 'version', text(f.specVersion));
    summary.format = text(f.bomFormat);
    put(summary, 'spec_version', text(f.specVersion));
    put(summary, 'serial_number', text(f.serialNumber));
    put(summary, 'name', text(subject?.name));
    put(summary, 'version', text(subject?.version));
    put(summary, 'component_count', count(f.components));
    put(summary, 'service_count', count(f.services));
    put(summary, 'dependency_count', count(f.dependencies));
    put(summary, 'vulnerability_count', count(f.vulnerabilities));
    when = firstTime(ctx, meta?.timestamp);
    message = `${text(f.bomFormat)} ${text(f.specVersion) ?? ''} document`;
  } else if (kind === 'spdx2') {
    const creation = obj(f, 'creationInfo');
    product = { name: 'SPDX', version: text(f.spdxVersion)! };
    summary.format = 'SPDX';
    summary.spec_version = text(f.spdxVersion);
    put(summary, 'serial_number', text(f.documentNamespace));
    put(summary, 'name', text(f.name));
    put(summary, 'package_count', count(f.packages));
    put(summary, 'file_count', count(f.files));
    put(summary, 'relationship_count', count(f.relationships));
    when = firstTime(ctx, creation?.created);
    message = `${text(f.spdxVersion)} document`;
  } else if (kind === 'spdx3-document') {
    product = { name: 'SPDX' };
    summary.format = 'SPDX';
    put(summary, 'element_count', count(f['@graph']));
    message = 'SPDX 3 document';
  } else {
    product = { name: 'SPDX' };
    put(product, 'version', text(f.specVersion));
    summary.format = 'SPDX';
    summary.element_type = text(f.type);
    put(summary, 'spec_version', text(f.specVersion));
    put(summary, 'name', text(f.name));
    put(summary, 'version', text(f.software_packageVersion) ?? text(f.packageVersion));
    when = firstTime(ctx, f.created, f.releaseTime);
    message = `SPDX 3 ${text(f.type)} element`;
  }
  if (summary.name !== undefined)
    message += `: ${String(summary.name)}${summary.version !== undefined ? ` ${String(summary.version)}` : ''}`;
  const counted = Object.keys(summary).filter((k) => COUNT_LABELS.has(k));
  if (counted.length > 0)
    message += ` (${counted.map((k) => `${String(summary[k])} ${COUNT_LABELS.get(k)!}`).join(', ')})`;

  const metadata: Metadata = { product, log_name: 'sbom' };
  put(
    metadata,
    'original_event_uid',
    text(f.serialNumber) ?? text(f.documentNamespace) ?? text(f.spdxId) ?? text(f['@id']),
  );
  const event = envelope(OcsfClass.BaseEvent, { id: 99, name: 'Other' }, when, metadata, ctx, undefined);
  event.message = message;
  // The document's fields by reference (a shallow copy of the top level only), plus the summary.
  const unmapped: Fields = { ...f };
  unmapped.sbom = summary;
  event.unmapped = unmapped;
  event.raw_data = record.raw;
  return event;
}
