/**
 * The learned detectors Vigil runs when the configuration names none: three rate baselines and
 * four first-seen pairs, written as configuration (so `vigil config` users can copy and tune
 * them). The first-seen names `host_external_ip` and `agent_domain`, and their entity names
 * (`host`/`ip`, `agent`/`domain`), are what the built-in sequence rules (src/detect/rules/) match
 * and join on, so they must not change.
 */
import type { z } from 'zod';
import type { pairSchema, seriesSchema } from './config.js';

export const BUILTIN_SERIES: z.input<typeof seriesSchema>[] = [
  {
    name: 'failed_logins',
    title: 'Unusual number of failed logins for a user',
    level: 'medium',
    tags: ['attack.credential-access', 'attack.t1110'],
    filter: { class_uid: [3002], where: { status_id: 2 } },
    entity: ['user.name'],
    bucket: '5m',
    history: 288,
    min_value: 10,
  },
  {
    name: 'bytes_out',
    title: 'Unusual volume sent out by a host',
    level: 'medium',
    tags: ['attack.exfiltration', 'attack.t1048'],
    filter: { class_uid: [4001] },
    entity: ['src_endpoint.ip'],
    value: 'traffic.bytes_out',
    bucket: '1h',
    history: 168,
    min_value: 50_000_000,
    min_spread: 1_000_000,
  },
  {
    name: 'dns_queries',
    title: 'Unusual number of DNS queries from a host',
    level: 'low',
    tags: ['attack.command-and-control', 'attack.t1071.004'],
    filter: { class_uid: [4003] },
    entity: ['src_endpoint.ip'],
    bucket: '5m',
    history: 288,
    min_value: 200,
    min_spread: 10,
  },
];

/** Host name first: addresses change (DHCP), names identify the host better. */
const HOST = ['device.hostname', 'src_endpoint.hostname', 'device.ip', 'src_endpoint.ip'];

export const BUILTIN_PAIRS: z.input<typeof pairSchema>[] = [
  {
    name: 'host_external_ip',
    title: 'Host connected to an external address for the first time',
    level: 'low',
    tags: ['attack.command-and-control'],
    filter: { class_uid: [4001, 4002] },
    left: HOST,
    right: ['dst_endpoint.ip'],
    right_public_ip: true,
    left_as: 'host',
    right_as: 'ip',
  },
  {
    name: 'user_country',
    title: 'User signed in from a new country',
    level: 'medium',
    tags: ['attack.initial-access', 'attack.t1078'],
    filter: { class_uid: [3002], where: { status_id: 1 } },
    left: ['user.name', 'actor.user.name'],
    right: ['src_endpoint.location.country'],
    left_as: 'user',
    right_as: 'country',
  },
  {
    name: 'agent_domain',
    title: 'Build agent reached a domain for the first time',
    level: 'medium',
    tags: ['attack.command-and-control', 'attack.t1071'],
    filter: {
      class_uid: [4003, 4002],
      match: { 'device.hostname': '(^|[-_.])(build|ci|runner|agent|jenkins)([-_.0-9]|$)' },
    },
    left: ['device.hostname'],
    right: ['query.hostname', 'http_request.url.hostname', 'dst_endpoint.hostname'],
    left_as: 'agent',
    right_as: 'domain',
  },
  {
    name: 'process_destination',
    title: 'Process connected to a destination for the first time',
    level: 'low',
    tags: ['attack.command-and-control'],
    filter: { class_uid: [4001] },
    left: ['process.file.path', 'process.name', 'actor.process.file.path', 'actor.process.name'],
    right: ['dst_endpoint.hostname', 'dst_endpoint.ip'],
    left_as: 'process',
    right_as: 'destination',
  },
];
