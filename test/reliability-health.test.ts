import { describe, expect, it } from 'vitest';
import { CanopyError, UnavailableError } from '../src/model/index.js';
import { childController, computeDeadlines, DeadlineReason, deadlineSignal, decidePartial, remainingMs, sleep, emptyHealth, HealthBuilder, mergeHealth, PartialError, partialStrategyOf, type QueryHealth } from '../src/reliability/index.js';

describe('HealthBuilder', () => {
  it('counts expected ranges once, failures by range, pruned only when not expected', () => {
    const b = new HealthBuilder();
    b.expect(['r1', 'r2', 'r3']).prune('range', ['r4', 'r1']).prune('hint', ['r5']).prune('time', ['r6', 'r7']);
    b.expect(['r2']); // second selector reads r2 again
    b.fail({ kind: 'unavailable', rangeId: 'r2', leafId: 'l1', message: 'down' });
    b.fail({ kind: 'timeout', rangeId: 'r2', leafId: 'l2', message: 'slow' }); // same child: still one failure
    b.note({ kind: 'fallback_used', rangeId: 'r3', leafId: 'l2', message: 'fallback' });
    const h = b.build();
    expect(h).toEqual({
      expectedChildren: 3,
      completedChildren: 2,
      completeness: 2 / 3,
      partial: true,
      issues: [
        { kind: 'unavailable', rangeId: 'r2', leafId: 'l1', message: 'down' },
        { kind: 'timeout', rangeId: 'r2', leafId: 'l2', message: 'slow' },
        { kind: 'fallback_used', rangeId: 'r3', leafId: 'l2', message: 'fallback' },
      ],
      prunedByRange: 1,
      prunedByHint: 1,
      prunedByTime: 2,
    });
  });

  it('expecting a previously pruned range un-prunes it; add() sorts failures from notes', () => {
    const b = new HealthBuilder().prune('range', ['r1']).expect(['r1']);
    b.add({ kind: 'hedged', rangeId: 'r1', leafId: 'a', message: '' });
    expect(b.build()).toMatchObject({ expectedChildren: 1, completedChildren: 1, partial: false, prunedByRange: 0, completeness: 1 });
    b.add({ kind: 'timeout', rangeId: 'r1', leafId: 'a', message: '' });
    expect(b.build()).toMatchObject({ completedChildren: 0, partial: true, completeness: 0 });
  });

  it('no children: completeness 1, not partial', () => {
    expect(new HealthBuilder().build()).toEqual(emptyHealth());
  });
});

describe('mergeHealth', () => {
  const upper: QueryHealth = { expectedChildren: 2, completedChildren: 2, completeness: 1, partial: false, issues: [{ kind: 'hedged', rangeId: 'z1', leafId: 'g', message: 'm' }], prunedByRange: 1, prunedByHint: 0, prunedByTime: 3 };
  const lower: QueryHealth = { expectedChildren: 4, completedChildren: 3, completeness: 0.75, partial: true, issues: [{ kind: 'unavailable', rangeId: 'r9', leafId: 'l9', message: 'x' }], prunedByRange: 2, prunedByHint: 5, prunedByTime: 0 };

  it('adds counts, keeps every issue, recomputes completeness and partial', () => {
    expect(mergeHealth(upper, lower)).toEqual({
      expectedChildren: 6,
      completedChildren: 5,
      completeness: 5 / 6,
      partial: true,
      issues: [...upper.issues, ...lower.issues],
      prunedByRange: 3,
      prunedByHint: 5,
      prunedByTime: 3,
    });
  });

  it('is what the builder gives with mergeLower, and associative over counts', () => {
    const b = new HealthBuilder().expect(['a', 'b']).prune('range', ['c']).prune('time', ['d', 'e', 'f']);
    b.note(upper.issues[0]!);
    expect(b.mergeLower(lower).build()).toEqual(mergeHealth(upper, lower));
    const e = emptyHealth();
    expect(mergeHealth(mergeHealth(e, upper), lower)).toEqual(mergeHealth(upper, mergeHealth(e, lower)));
  });
});

describe('decidePartial', () => {
  const complete = new HealthBuilder().expect(['a', 'b']).build();
  const partial = new HealthBuilder().expect(['a', 'b']).fail({ kind: 'unavailable', rangeId: 'b', leafId: 'l2', message: 'connection refused' }).build();
  const allFailed = new HealthBuilder()
    .expect(['a', 'b'])
    .fail({ kind: 'unavailable', rangeId: 'a', leafId: 'l1', message: 'refused' })
    .fail({ kind: 'timeout', rangeId: 'b', leafId: 'l2', message: 'slow' })
    .build();

  it('complete answers pass under both strategies', () => {
    expect(decidePartial(complete, 'warn')).toEqual({ ok: true, health: complete });
    expect(decidePartial(complete, 'abort')).toEqual({ ok: true, health: complete });
    expect(decidePartial(emptyHealth(), 'abort').ok).toBe(true);
  });

  it('WARN returns the partial answer with its health; ABORT errors carrying the health', () => {
    expect(decidePartial(partial, 'warn')).toEqual({ ok: true, health: partial });
    const d = decidePartial(partial, 'abort');
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.error).toBeInstanceOf(PartialError);
    expect(d.error.code).toBe('PARTIAL');
    expect(d.error.grpcCode).toBe(14);
    expect(d.error.message).toContain('1 of 2 children missing');
    expect(d.error.message).toContain('range b unavailable on leaf l2: connection refused');
    expect((d.error.detail as { health: QueryHealth }).health).toEqual(partial);
  });

  it('every child failing is an error whatever the strategy', () => {
    for (const s of ['warn', 'abort'] as const) {
      const d = decidePartial(allFailed, s);
      expect(d.ok).toBe(false);
      if (d.ok) continue;
      expect(d.error).toBeInstanceOf(UnavailableError);
      expect(d.error).toBeInstanceOf(CanopyError);
      expect(d.error.message).toMatch(/^all 2 children failed/);
      expect((d.error.detail as { health: QueryHealth }).health).toEqual(allFailed);
    }
  });

  it('strategy from the proto enum', () => {
    expect(partialStrategyOf('ABORT')).toBe('abort');
    expect(partialStrategyOf(2)).toBe('abort');
    expect(partialStrategyOf('WARN')).toBe('warn');
    expect(partialStrategyOf('PARTIAL_RESPONSE_DEFAULT')).toBe('warn');
    expect(partialStrategyOf(undefined)).toBe('warn');
  });
});

describe('computeDeadlines', () => {
  const opts = { defaultTimeoutMs: 10_000, maxTimeoutMs: 60_000 };
  it.each([
    { req: {}, hard: 10_000, soft: 5_000 },
    { req: { timeoutMs: 0 }, hard: 10_000, soft: 5_000 },
    { req: { timeoutMs: 2_000 }, hard: 2_000, soft: 1_000 },
    { req: { timeoutMs: 120_000 }, hard: 60_000, soft: 30_000 },
    { req: { timeoutMs: 2_000, softTimeoutMs: 1_500 }, hard: 2_000, soft: 1_500 },
    { req: { timeoutMs: 2_000, softTimeoutMs: 9_000 }, hard: 2_000, soft: 2_000 },
  ])('$req → hard $hard soft $soft', ({ req, hard, soft }) => {
    const d = computeDeadlines(req, opts, 1_000);
    expect(d).toEqual({ startedAt: 1_000, hardMs: hard, softMs: soft, hardAt: 1_000 + hard, softAt: 1_000 + soft });
  });

  it('soft fraction option and invalid timeouts', () => {
    expect(computeDeadlines({ timeoutMs: 1000 }, { softFraction: 0.8 }, 0).softMs).toBe(800);
    expect(() => computeDeadlines({ timeoutMs: -1 })).toThrow(/invalid timeout/);
    expect(() => computeDeadlines({ timeoutMs: NaN })).toThrow(/invalid timeout/);
  });
});

describe('deadline signals', () => {
  it('deadlineSignal fires at its time with a DeadlineReason, or with a parent\'s reason; clear stops it', async () => {
    const soft = deadlineSignal(Date.now() + 30, 'soft');
    expect(soft.signal.aborted).toBe(false);
    await sleep(60);
    expect(soft.signal.aborted).toBe(true);
    expect(soft.signal.reason).toBeInstanceOf(DeadlineReason);
    expect((soft.signal.reason as DeadlineReason).kind).toBe('soft');

    const parent = new AbortController();
    const d = deadlineSignal(Date.now() + 10_000, 'hard', [undefined, parent.signal]);
    parent.abort(new Error('client went away'));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('client went away');
    d.clear();

    const cleared = deadlineSignal(Date.now() + 20, 'soft');
    cleared.clear();
    await sleep(40);
    expect(cleared.signal.aborted).toBe(false);
    expect(deadlineSignal(Date.now() - 1, 'hard').signal.aborted).toBe(true);
    expect(remainingMs(100, 150)).toBe(0);
    expect(remainingMs(150, 100)).toBe(50);
  });

  it('childController follows its parent until unlinked; sleep resolves false on abort', async () => {
    const parent = new AbortController();
    const a = childController(parent.signal);
    const b = childController(parent.signal);
    b.unlink();
    parent.abort('stop');
    expect(a.controller.signal.aborted).toBe(true);
    expect(a.controller.signal.reason).toBe('stop');
    expect(b.controller.signal.aborted).toBe(false);
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(await sleep(1)).toBe(true);
  });
});
