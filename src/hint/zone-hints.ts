/**
 * Zone gateways (Monarch's zone mixers) do the same one level down: a zone gateway follows its
 * leaves into a `HintIndex`, and republishes the union of their hints as its own hint stream, so
 * a root gateway can prune whole zones with the same `HintIndex` + `candidateLeaves` code (the
 * zone gateway is then a "leaf" of the root's index).
 *
 * The published set is the index's fingerprint set (a hint enters when its first leaf gets it
 * and leaves with its last). While any child of the zone must not be pruned (unsynced, awaiting
 * a write, overflowed, or itself incomplete) the published updates carry `incomplete`, and the
 * root does not prune the zone. Register every child with the index (`leafNumber`, or start
 * `followLeafHints`) as soon as the zone knows of it, so an unheard-of child counts as unsynced.
 */
import type { HintIndex } from './hint-index.js';
import { HintLog, type HintLogOptions, type HintSource } from './hint-log.js';

/** Publishes `index` as a hint stream source (one publisher per index). */
export function publishIndex(index: HintIndex, opts: HintLogOptions = {}): HintSource {
  const log = new HintLog(() => index.fingerprints(), () => index.hints, opts);
  log.setIncomplete(index.anyUnprunable());
  index.setListener({
    presence: (fp, present) => log.log(fp, present),
    unprunableChanged: () => log.setIncomplete(index.anyUnprunable()),
  });
  return log;
}
