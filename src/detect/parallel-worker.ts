/**
 * One detection worker of `detectFileParallel`: builds the rule set once, then parses and matches
 * the chunks of records the main thread sends, answering each with its matches and rejections.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPlaceholders, loadRuleDocuments } from './sigma/load.js';
import { buildRuleSet } from './sigma/ruleset.js';
import { recordEvent, recordFields } from './offline.js';
import {
  atLeastLevel,
  type ChunkRequest,
  type ChunkResult,
  type WorkerInit,
  type WorkerMatch,
} from './parallel.js';

const init = workerData as WorkerInit;
const placeholders = init.placeholders ? loadPlaceholders(init.placeholders) : undefined;
const { ruleSet } = buildRuleSet(
  atLeastLevel(loadRuleDocuments(init.rules), init.minLevel),
  placeholders ? { placeholders } : {},
);
parentPort!.postMessage({ ready: true, rules: ruleSet.rules.length });

parentPort!.on('message', (request: ChunkRequest) => {
  const result: ChunkResult = {
    seq: request.seq,
    records: request.records.length,
    rejected: [],
    matches: [],
  };
  request.records.forEach((record, i) => {
    const parsed = recordFields(record, init.format);
    if ('error' in parsed) {
      result.rejected.push({ position: record.position, reason: parsed.reason, message: parsed.error });
      return;
    }
    const { view, describe } = recordEvent(parsed.fields);
    const matches = ruleSet.match(view);
    if (matches.length === 0) return;
    const facts = describe();
    for (const m of matches) {
      const match: WorkerMatch = { rule: m.info, index: request.startIndex + i, position: record.position };
      if (facts.time !== undefined) match.time = facts.time;
      if (facts.product) match.product = facts.product;
      if (facts.logName) match.logName = facts.logName;
      if (facts.computer) match.computer = facts.computer;
      if (facts.eventId) match.eventId = facts.eventId;
      result.matches.push(match);
    }
  });
  result.errors = ruleSet.errors;
  parentPort!.postMessage(result);
});
