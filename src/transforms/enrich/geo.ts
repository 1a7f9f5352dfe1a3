/**
 * GeoIP records (as MaxMind DB files hold them) → OCSF `location` and `autonomous_system`.
 * Reads the GeoIP2/GeoLite2 City, Country and ASN layouts (also used by DB-IP), and the flat
 * layouts of IPinfo-style databases (`country`, `city`, `asn: "AS15169"`). Pure.
 */
import type { IpBytes } from './ip.js';
import type { MmdbReader } from './mmdb.js';

type Fields = Record<string, unknown>;

/** What the databases say about one address, in OCSF's words. */
export interface GeoFacts {
  location?: Fields;
  autonomous_system?: { number?: number; name?: string };
}

const obj = (v: unknown): Fields | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Fields) : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const englishName = (v: unknown): string | undefined => text(obj(obj(v)?.names)?.en);

/** Look an address up in each database and merge what they know (the first database that says wins). */
export function geoFacts(readers: readonly MmdbReader[], address: IpBytes): GeoFacts | undefined {
  const location: Fields = {};
  const as: { number?: number; name?: string } = {};
  for (const reader of readers) {
    const record = obj(reader.lookup(address));
    if (record) addRecord(record, location, as);
  }
  const facts: GeoFacts = {};
  // OCSF's location needs one of city, country, postal code or region to say anything.
  if (['city', 'country', 'postal_code', 'region'].some((k) => location[k] !== undefined)) {
    location.provider ??= 'MaxMind DB';
    facts.location = location;
  }
  if (as.number !== undefined || as.name !== undefined) facts.autonomous_system = as;
  return facts.location || facts.autonomous_system ? facts : undefined;
}

function addRecord(r: Fields, location: Fields, as: { number?: number; name?: string }): void {
  const set = (key: string, value: unknown) => {
    if (value !== undefined && location[key] === undefined) location[key] = value;
  };
  const country = obj(r.country) ?? obj(r.registered_country);
  set('country', text(country?.iso_code) ?? text(r.country_code) ?? isoCode(r.country));
  set('city', englishName(r.city) ?? text(r.city));
  const subdivision = obj(Array.isArray(r.subdivisions) ? r.subdivisions[0] : undefined);
  set('region', text(subdivision?.iso_code) ?? englishName(subdivision) ?? text(r.region));
  set('continent', englishName(r.continent) ?? text(obj(r.continent)?.code) ?? text(r.continent_name));
  set('postal_code', text(obj(r.postal)?.code) ?? text(r.postal_code));
  const loc = obj(r.location);
  set('lat', num(loc?.latitude) ?? num(r.latitude) ?? numText(r.lat));
  set('long', num(loc?.longitude) ?? num(r.longitude) ?? numText(r.lng));
  const traits = obj(r.traits);
  as.number ??= num(r.autonomous_system_number) ?? num(traits?.autonomous_system_number) ?? asNumber(r.asn);
  as.name ??=
    text(r.autonomous_system_organization) ??
    text(traits?.autonomous_system_organization) ??
    text(r.as_name) ??
    text(r.as_org);
  if (as.number === undefined) delete as.number;
  if (as.name === undefined) delete as.name;
}

/** A flat `country` that is itself a two-letter code. */
function isoCode(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Z]{2}$/.test(v) ? v : undefined;
}

function numText(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return num(n);
}

/** `AS15169` or 15169 → 15169. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return num(v);
  const m = typeof v === 'string' ? /^(?:AS)?(\d{1,10})$/i.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}
