import { describe, expect, it } from 'vitest';
import { KeyEncoder, type Matcher } from '../src/model/index.js';
import { initialRanges, RangeTable, type RangeAssignment } from '../src/shard/index.js';
import { describePlan, describeSelector, literalAlternatives, planQuery, planSelector, planToJson, type FanoutContext } from '../src/planner/index.js';
import type { Expr, VectorSelector } from '../src/promql/ast.js';

const leaves = ['leaf-0', 'leaf-1', 'leaf-2'];
// r0 = [-∞, default/j), r1 = [default/j, default/r), r2 = [default/r, +∞)
const table = new RangeTable(initialRanges(leaves, { replicationFactor: 2 }));
const ctx: FanoutContext = { tenant: 'default', encoder: new KeyEncoder(), table };

const eq = (name: string, value: string): Matcher => ({ type: '=', name, value });
const re = (name: string, value: string): Matcher => ({ type: '=~', name, value });
const ne = (name: string, value: string): Matcher => ({ type: '!=', name, value });
const up = eq('__name__', 'up');

interface Case {
  name: string;
  matchers: Matcher[];
  tenant?: string;
  kind: 'targeted' | 'scatter' | 'none';
  ranges: string[];
  leaves: string[];
  why?: RegExp;
}

const cases: Case[] = [
  { name: 'job equality hits one range', matchers: [up, eq('job', 'api')], kind: 'targeted', ranges: ['r0'], leaves: ['leaf-0'], why: /job="api" → key prefix "default"\/"api"/ },
  { name: 'job + instance narrows the same range', matchers: [up, eq('job', 'node'), eq('instance', 'h:1')], kind: 'targeted', ranges: ['r1'], leaves: ['leaf-1'], why: /instance="h:1" → key prefix "default"\/"node"\/"h:1"/ },
  { name: 'instance alone cannot narrow (not a key prefix)', matchers: [up, eq('instance', 'h:1')], kind: 'scatter', ranges: ['r0', 'r1', 'r2'], leaves: ['leaf-0', 'leaf-1', 'leaf-2'], why: /no equality matcher on job/ },
  { name: 'metric name alone scatters', matchers: [up], kind: 'scatter', ranges: ['r0', 'r1', 'r2'], leaves: ['leaf-0', 'leaf-1', 'leaf-2'] },
  { name: 'literal alternation', matchers: [up, re('job', 'api|web')], kind: 'targeted', ranges: ['r0', 'r2'], leaves: ['leaf-0', 'leaf-2'], why: /2 key prefixes/ },
  { name: 'non-literal regex scatters', matchers: [up, re('job', '.*a')], kind: 'scatter', ranges: ['r0', 'r1', 'r2'], leaves: ['leaf-0', 'leaf-1', 'leaf-2'] },
  { name: 'regex with a literal prefix narrows to its key prefix', matchers: [up, re('job', 'a.*')], kind: 'targeted', ranges: ['r0'], leaves: ['leaf-0'], why: /literal prefix "a"/ },
  { name: 'contradicting equalities', matchers: [up, eq('job', 'a'), eq('job', 'b')], kind: 'none', ranges: [], leaves: [], why: /cannot all hold/ },
  { name: 'equality excluded by a negative matcher', matchers: [up, eq('job', 'a'), ne('job', 'a')], kind: 'none', ranges: [], leaves: [] },
  { name: 'alternation filtered by a negative matcher', matchers: [up, re('job', 'api|web'), ne('job', 'web')], kind: 'targeted', ranges: ['r0'], leaves: ['leaf-0'] },
  { name: 'empty job (series without job)', matchers: [up, eq('job', '')], kind: 'targeted', ranges: ['r0'], leaves: ['leaf-0'] },
  { name: 'another tenant lives in the first range', matchers: [up], tenant: 'acme', kind: 'scatter', ranges: ['r0'], leaves: ['leaf-0'] },
  { name: 'a late tenant lives in the last range', matchers: [up, eq('job', 'api')], tenant: 'zeta', kind: 'targeted', ranges: ['r2'], leaves: ['leaf-2'] },
];

describe('planSelector: fan-out table', () => {
  for (const c of cases) {
    it(c.name, () => {
      const f = planSelector(c.matchers, { ...ctx, tenant: c.tenant ?? 'default' });
      expect(f.kind).toBe(c.kind);
      expect(f.ranges.map((r) => r.rangeId)).toEqual(c.ranges);
      expect(f.groups.map((g) => g.leafId)).toEqual(c.leaves);
      if (c.why) expect(f.why.join('\n')).toMatch(c.why);
      const tenantRanges = table.overlapping(ctx.encoder.tenantSpan(c.tenant ?? 'default')).length;
      expect(f.prunedByRange).toBe(tenantRanges - c.ranges.length);
    });
  }

  it('orders fallbacks and moves known-down leaves last', () => {
    const f = planSelector([up, eq('job', 'api')], ctx);
    expect(f.ranges[0]!.replicas).toEqual(['leaf-0', 'leaf-1']);
    const g = planSelector([up, eq('job', 'api')], { ...ctx, leafUp: (id) => id !== 'leaf-0' });
    expect(g.ranges[0]!.replicas).toEqual(['leaf-1', 'leaf-0']);
    expect(g.groups).toEqual([{ leafId: 'leaf-1', rangeIds: ['r0'] }]);
  });

  it('never reads initializing replicas; a range with none readable is listed without replicas', () => {
    const ranges: RangeAssignment[] = table.ranges.map((r) =>
      r.id === 'r0' ? { ...r, replicas: [{ leafId: 'leaf-2', state: 'initializing' }] } : r,
    );
    const t = new RangeTable(ranges);
    const f = planSelector([up], { ...ctx, table: t });
    expect(f.ranges.find((r) => r.rangeId === 'r0')!.replicas).toEqual([]);
    expect(f.groups.map((g) => [g.leafId, g.rangeIds])).toEqual([
      ['leaf-1', ['r1']],
      ['leaf-2', ['r2']],
    ]);
    expect(describeSelector(f).join('\n')).toContain('r0 [-∞, "default"/"j") → unavailable (no readable replica)');
  });

  it('groups several ranges of one leaf into one request', () => {
    const t4 = new RangeTable(initialRanges(['a', 'b', 'a2', 'b2']).map((r, i) => ({ ...r, replicas: [{ leafId: i % 2 ? 'b' : 'a', state: 'available' as const }] })));
    const f = planSelector([up], { ...ctx, table: t4 });
    expect(f.groups).toEqual([
      { leafId: 'a', rangeIds: ['r0', 'r2'] },
      { leafId: 'b', rangeIds: ['r1', 'r3'] },
    ]);
  });
});

describe('literalAlternatives', () => {
  it.each([
    ['api', ['api']],
    ['api|web', ['api', 'web']],
    ['a\\.b|c', ['a.b', 'c']],
    ['|x', ['', 'x']],
    ['a.*', undefined],
    ['(a|b)', undefined],
    ['\\d', undefined],
    ['a+', undefined],
    ['[ab]', undefined],
  ])('%s', (input, want) => {
    expect(literalAlternatives(input)).toEqual(want);
  });
});

describe('planQuery + describe', () => {
  const sel = (matchers: Matcher[]): VectorSelector => ({ kind: 'VectorSelector', name: 'up', matchers, pos: { start: 0, end: 0 } });
  // sum(rate(up{job="api"}[5m])) / on() group(up{job="node"}) — built by hand (parser-free)
  const expr: Expr = {
    kind: 'BinaryExpr',
    op: '/',
    returnBool: false,
    pos: { start: 0, end: 0 },
    lhs: {
      kind: 'AggregateExpr',
      op: 'sum',
      grouping: [],
      without: false,
      pos: { start: 0, end: 0 },
      expr: { kind: 'Call', func: 'rate', pos: { start: 0, end: 0 }, args: [{ kind: 'MatrixSelector', vector: sel([up, eq('job', 'api')]), range: { kind: 'DurationNumber', seconds: 300 }, pos: { start: 0, end: 0 } }] },
    },
    rhs: { kind: 'AggregateExpr', op: 'group', grouping: [], without: false, pos: { start: 0, end: 0 }, expr: sel([up, eq('job', 'node')]) },
  };

  it('collects every selector, unions ranges and leaves, explains with stable words', () => {
    const p = planQuery('q', expr, ctx);
    expect(p.kind).toBe('targeted');
    expect(p.selectors.map((s) => s.selector)).toEqual(['up{job="api"}', 'up{job="node"}']);
    expect(p.rangeIds).toEqual(['r0', 'r1']);
    expect(p.leafIds).toEqual(['leaf-0', 'leaf-1']);
    expect(describePlan(p)).toBe(
      [
        'Query: q',
        'Tenant: default',
        'Fanout: targeted (2 selectors, 2 of 3 ranges, 2 leaves)',
        'Selector up{job="api"}',
        '  Fanout: targeted',
        '  Why: job="api" → key prefix "default"/"api"',
        '  Ranges: 1 read, 2 pruned by range',
        '    r0 [-∞, "default"/"j") → leaf-0 (fallbacks leaf-1)',
        '  Leaves: leaf-0 [r0]',
        'Selector up{job="node"}',
        '  Fanout: targeted',
        '  Why: job="node" → key prefix "default"/"node"',
        '  Ranges: 1 read, 2 pruned by range',
        '    r1 ["default"/"j", "default"/"r") → leaf-1 (fallbacks leaf-2)',
        '  Leaves: leaf-1 [r1]',
      ].join('\n'),
    );
    const j = planToJson(p);
    expect(j.fanout).toBe('targeted');
    expect(j.expectedChildren).toBe(2);
    expect(j.selectors[0]!.ranges[0]).toEqual({ id: 'r0', start: '-∞', end: '"default"/"j"', replicas: ['leaf-0', 'leaf-1'] });
  });

  it('a query without selectors fans out to nothing', () => {
    const p = planQuery('1+1', { kind: 'NumberLiteral', value: 2, pos: { start: 0, end: 3 } }, ctx);
    expect(p.kind).toBe('none');
    expect(p.rangeIds).toEqual([]);
    expect(describePlan(p)).toContain('Fanout: none (0 selectors, 0 of 3 ranges, 0 leaves)');
  });
});

describe('planQuery over parsed PromQL: {query, expected fan-out}', () => {
  // Late import keeps the hand-built cases above independent of the parser.
  const table3 = new RangeTable(initialRanges(leaves));
  const c3: FanoutContext = { tenant: 'default', encoder: new KeyEncoder(), table: table3 };
  const cases: { query: string; fanout: 'targeted' | 'scatter' | 'none'; selectors: [string, string, string[]][]; leaves: string[] }[] = [
    { query: 'up{job="api"}', fanout: 'targeted', selectors: [['up{job="api"}', 'targeted', ['r0']]], leaves: ['leaf-0'] },
    { query: 'sum by (job) (rate(http_requests_total{job="web", instance="w:1"}[5m]))', fanout: 'targeted', selectors: [['http_requests_total{job="web", instance="w:1"}', 'targeted', ['r2']]], leaves: ['leaf-2'] },
    { query: 'up', fanout: 'scatter', selectors: [['up', 'scatter', ['r0', 'r1', 'r2']]], leaves: ['leaf-0', 'leaf-1', 'leaf-2'] },
    { query: '{__name__=~"up|down", job=~"node|zookeeper"}', fanout: 'targeted', selectors: [['{__name__=~"up|down", job=~"node|zookeeper"}', 'targeted', ['r1', 'r2']]], leaves: ['leaf-1', 'leaf-2'] },
    {
      query: 'up{job="api"} / on(instance) group_left up{job="node"}',
      fanout: 'targeted',
      selectors: [
        ['up{job="api"}', 'targeted', ['r0']],
        ['up{job="node"}', 'targeted', ['r1']],
      ],
      leaves: ['leaf-0', 'leaf-1'],
    },
    { query: 'up{job="api"} or up', fanout: 'scatter', selectors: [['up{job="api"}', 'targeted', ['r0']], ['up', 'scatter', ['r0', 'r1', 'r2']]], leaves: ['leaf-0', 'leaf-1', 'leaf-2'] },
    { query: 'max_over_time(up{job="api"}[10m:1m])', fanout: 'targeted', selectors: [['up{job="api"}', 'targeted', ['r0']]], leaves: ['leaf-0'] },
    { query: 'up{job="a", job="b"}', fanout: 'none', selectors: [['up{job="a", job="b"}', 'none', []]], leaves: [] },
    { query: 'time() * 2', fanout: 'none', selectors: [], leaves: [] },
  ];
  for (const c of cases) {
    it(c.query, async () => {
      const { parse } = await import('../src/promql/index.js');
      const p = planQuery(c.query, parse(c.query), c3);
      expect(p.kind).toBe(c.fanout);
      expect(p.selectors.map((s) => [s.selector, s.kind, s.ranges.map((r) => r.rangeId)])).toEqual(c.selectors);
      expect(p.leafIds).toEqual(c.leaves);
      expect(describePlan(p)).toContain(`Fanout: ${c.fanout} (`);
    });
  }
});
