/**
 * Public face of src/hint: the field-hint index (Monarch's field hints).
 *  - leaves: `LeafHints` (refcounted hint set + delta log with sequence numbers, resumable);
 *  - gateways: `HintIndex` (fingerprint → leaf bitset) fed with `HintUpdate`s, and
 *    `candidateLeaves(index, tenant, matchers)` / `pruneRanges` for the planner;
 *  - the `Leaf.Hints` stream halves: `hintUpdates` (leaf), `followLeafHints` (gateway) and the
 *    wire mapping `toHintsMessage` / `fromHintsMessage`;
 *  - zone gateways: `publishIndex(index)` republishes their children's union one level up;
 *  - `regexPlan` / `deriveHints` for tests and Explain.
 */
export { BEGIN_CP, END_CP, deriveHints, describeTrigrams, hintSeed, trigramHint, valueHint, type Fingerprint, type HintSeed } from './hint-derive.js';
export { HintLog, type HintDelta, type HintLogOptions, type HintSnapshot, type HintSource, type HintUpdate, type ResumePoint } from './hint-log.js';
export { LeafHints, type LeafHintsOptions } from './leaf-hints.js';
export { HintIndex, type ApplyResult, type HintIndexListener } from './hint-index.js';
export { publishIndex } from './zone-hints.js';
export { formatPlan, formatQuery, regexPlan, type RegexPlan, type TrigramQuery } from './regex-trigrams.js';
export { cachedRegexPlan, candidateLeaves, pruneRanges, timeCandidates, type CandidateSet } from './candidates.js';
export { anyTimeHint, MAX_WINDOW_BUCKETS, TIME_BUCKET_MS, timeBucket, timeHint } from './time-hints.js';
export { encodeFingerprints, decodeFingerprints } from './wire.js';
export { followLeafHints, fromHintsMessage, hintUpdates, toHintsMessage, type FollowOptions, type HintsMessage } from './stream.js';
