/**
 * Fan-out pruning with the field-hint index: a simulated zone of 1,000 leaves holding ≈ 1M series
 * (hints generated in-process through the real leaf-side `LeafHints` and gateway-side `HintIndex`;
 * no processes, no gRPC).
 *
 * Data: 20 exporter types × 5 jobs × 50 instances = 5,000 targets of 203 series each (40 type
 * metrics × 5 label variants + `up`, `process_cpu_seconds_total`, `go_goroutines`); every target
 * has a `pod`; cadvisor-like targets also carry a unique container `id` per series. Targets are
 * sorted by (job, instance) — the target key order — and cut into 1,000 contiguous ranges of 5
 * targets, one per leaf, as the range assignment does.
 *
 * Measured:
 *  - index memory: byteLength of the index's typed arrays (not process RSS);
 *  - hint ingestion: leaf-side derivation (series/s) and gateway-side application of the initial
 *    snapshots and of churn deltas (pod restarts on 100 leaves: hints removed and added), in
 *    fingerprint updates applied per second;
 *  - planning latency p50/p99 of `candidateLeaves` per query over bounded loops;
 *  - leaves contacted vs the true minimum (leaves really holding a matching series, by brute force
 *    over the generated series with src/model's matchers).
 * Summary keys: plan_p99_ms (max p99 over the selective queries), contacted_over_minimum (max
 * over the equality queries with a non-zero minimum; an adversarial row whose minimum is 0 shows
 * the per-field limit of hints),
 * index_bytes, hint_updates_per_s (churn deltas applied at the gateway).
 * Flags: --leaves N (default 1000), --iters N planning iterations per query and run (default
 * 2000), --runs N (default 3; p50/p99 are medians over runs).
 */
import type { BenchOptions, BenchResult } from './run.js';
import { HintIndex, LeafHints, candidateLeaves } from '../src/hint/index.js';
import { compileMatcher, matchesLabels, type Labels, type Matcher } from '../src/model/index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full GC before each timed loop, so earlier phases' garbage is not billed to planning. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc === 'function') gc();
}

const TYPES = ['node', 'api', 'cadvisor', 'mysql', 'redis', 'kafka', 'nginx', 'postgres', 'etcd', 'coredns', 'kubelet', 'ingress', 'grafana', 'loki', 'tempo', 'vault', 'consul', 'haproxy', 'rabbitmq', 'memcached'];
const WORDS = ['requests', 'errors', 'latency', 'bytes', 'connections', 'queue', 'cache', 'memory', 'cpu', 'disk', 'network', 'threads', 'sessions', 'commands', 'evictions', 'reads', 'writes', 'retries', 'timeouts', 'uptime'];
const SUFFIXES = ['total', 'seconds', 'bytes_total', 'ratio'];
const VARIANT_LABELS: [string, string[]][] = [
  ['code', ['200', '201', '404', '500', '503']],
  ['method', ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']],
  ['le', ['0.005', '0.05', '0.5', '5', '+Inf']],
  ['cpu', ['0', '1', '2', '3', '4']],
  ['device', ['sda', 'sdb', 'nvme0n1', 'eth0', 'lo']],
];
const JOBS_PER_TYPE = 5;
const INSTANCES_PER_JOB = 50;
const TARGETS_PER_LEAF = 5;

interface Target {
  type: number;
  job: string;
  instance: string;
  pod: string;
}

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0').slice(-len);

function metricNames(type: number): string[] {
  const t = TYPES[type]!;
  const out: string[] = [];
  for (let i = 0; i < 40; i++) out.push(`${t}_${WORDS[i % WORDS.length]}_${SUFFIXES[(i + type) % SUFFIXES.length]}${i >= 20 ? '_v2' : ''}`);
  return out;
}

function makeTargets(): Target[] {
  const ts: Target[] = [];
  for (let type = 0; type < TYPES.length; type++)
    for (let j = 0; j < JOBS_PER_TYPE; j++)
      for (let k = 0; k < INSTANCES_PER_JOB; k++) {
        const job = `${TYPES[type]}-${j}`;
        ts.push({ type, job, instance: `10.${type}.${j}.${k}:9100`, pod: `${job}-${hex(hash32(`${job}/${k}`), 5)}` });
      }
  return ts.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
}

/** Calls `cb` with every series of a target (labels sorted by name). `gen` varies pods/ids (churn). */
function forEachSeries(t: Target, gen: number, cb: (l: Labels) => boolean | void): boolean {
  const pod = gen === 0 ? t.pod : `${t.pod}-r${gen}`;
  const base = (name: string, extra: [string, string][]): Labels => {
    const ls: [string, string][] = [['__name__', name], ['instance', t.instance], ['job', t.job], ['pod', pod], ...extra];
    ls.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return ls.map(([n, v]) => ({ name: n, value: v }));
  };
  for (const m of ['up', 'process_cpu_seconds_total', 'go_goroutines']) if (cb(base(m, [])) === true) return true;
  const names = metricNames(t.type);
  for (let i = 0; i < names.length; i++) {
    const [ln, lvs] = VARIANT_LABELS[(i + t.type) % VARIANT_LABELS.length]!;
    for (const lv of lvs) {
      const extra: [string, string][] = [[ln, lv]];
      if (TYPES[t.type] === 'cadvisor') extra.push(['id', `/docker/${hex(hash32(`${pod}/${i}/${lv}`), 8)}${hex(hash32(`${lv}/${i}/${pod}`), 4)}`]);
      if (cb(base(names[i]!, extra)) === true) return true;
    }
  }
  return false;
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function intArg(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

interface QueryCase {
  name: string;
  cls: 'equality' | 'regex' | 'broad';
  matchers: Matcher[];
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const nLeaves = intArg(opts.args, 'leaves', 1000);
  const iters = intArg(opts.args, 'iters', 2000);
  const runs = intArg(opts.args, 'runs', 3);
  const churnLeaves = Math.min(100, nLeaves);
  const tenant = 'bench';
  const targets = makeTargets();
  const perLeaf = Math.max(1, Math.floor(targets.length / nLeaves) || TARGETS_PER_LEAF);
  const leafTargets: Target[][] = [];
  for (let l = 0; l < nLeaves; l++) leafTargets.push(targets.slice(l * perLeaf, l === nLeaves - 1 ? targets.length : (l + 1) * perLeaf));
  const leafId = (l: number): string => `leaf-${String(l).padStart(4, '0')}`;

  // ---- ingestion: leaf derivation + gateway snapshots ----
  const index = new HintIndex({ initialCapacity: 1 << 18 });
  const kept: LeafHints[] = [];
  let series = 0;
  let snapshotFps = 0;
  let deriveMs = 0;
  let applyMs = 0;
  for (let l = 0; l < nLeaves; l++) {
    const lh = new LeafHints({ ringCapacity: 16_384, epoch: `e${l}` });
    const t0 = performance.now();
    for (const t of leafTargets[l]!)
      forEachSeries(t, 0, (ls) => {
        lh.addSeries(tenant, ls);
        series++;
      });
    const t1 = performance.now();
    const snap = lh.since(undefined);
    if (snap.kind === 'full') snapshotFps += snap.fingerprints.length;
    const t2 = performance.now();
    index.applyUpdate(leafId(l), snap);
    applyMs += performance.now() - t2;
    deriveMs += t1 - t0;
    if (l < churnLeaves) kept.push(lh);
    if (l % 200 === 199) opts.log(`fanout: ${l + 1}/${nLeaves} leaves, ${series.toLocaleString('en-US')} series, ${index.hints.toLocaleString('en-US')} distinct hints`);
  }
  // Series generation is inside the derivation timing; it is the same order of cost, so the
  // derivation rate is a lower bound.
  const deriveSeriesPerS = series / (deriveMs / 1000);
  const snapshotFpsPerS = snapshotFps / (applyMs / 1000);

  // ---- churn deltas: every churn leaf restarts the pod of one target per round ----
  let deltaFps = 0;
  let deltaMs = 0;
  const rounds = 10;
  const gen = new Map<Target, number>(); // pod generation per churned target
  for (let round = 1; round <= rounds; round++) {
    for (let l = 0; l < churnLeaves; l++) {
      const lh = kept[l]!;
      const t = leafTargets[l]![round % leafTargets[l]!.length]!;
      forEachSeries(t, gen.get(t) ?? 0, (ls) => lh.removeSeries(tenant, ls));
      forEachSeries(t, round, (ls) => lh.addSeries(tenant, ls));
      gen.set(t, round);
      const u = lh.since(index.resumePoint(leafId(l)));
      if (u.kind !== 'delta') throw new Error('churn produced a snapshot, expected a delta');
      deltaFps += u.added.length + u.removed.length;
      const t0 = performance.now();
      if (index.applyUpdate(leafId(l), u) !== 'applied') throw new Error('unexpected gap');
      deltaMs += performance.now() - t0;
    }
  }
  const hintUpdatesPerS = deltaFps / (deltaMs / 1000);
  opts.log(`fanout: churn ${deltaFps.toLocaleString('en-US')} fingerprint updates in ${deltaMs.toFixed(1)} ms`);

  // ---- queries ----
  const some = (i: number): Target => targets[Math.floor((i * targets.length) / 7) % targets.length]!;
  const tA = some(1);
  const tB = some(3);
  const tC = targets.filter((t) => TYPES[t.type] === 'cadvisor').at(-1)!;
  let cadvisorId = '';
  forEachSeries(tC, gen.get(tC) ?? 0, (ls) => {
    cadvisorId = ls.find((x) => x.name === 'id')?.value ?? '';
    return cadvisorId !== '';
  });
  const eq = (name: string, value: string): Matcher => ({ type: '=', name, value });
  const re = (name: string, value: string): Matcher => ({ type: '=~', name, value });
  const cases: QueryCase[] = [
    { name: 'up{instance=X}', cls: 'equality', matchers: [eq('__name__', 'up'), eq('instance', tA.instance)] },
    { name: '{pod=X}', cls: 'equality', matchers: [eq('pod', gen.has(tB) ? `${tB.pod}-r${gen.get(tB)}` : tB.pod)] },
    { name: '{id=X} (high cardinality)', cls: 'equality', matchers: [eq('id', cadvisorId)] },
    { name: '{job=X}', cls: 'equality', matchers: [eq('job', tA.job)] },
    { name: 'metric{job=X}', cls: 'equality', matchers: [eq('__name__', metricNames(tB.type)[7]!), eq('job', tB.job)] },
    { name: 'type metric (50 leaves)', cls: 'equality', matchers: [eq('__name__', metricNames(tB.type)[3]!)] },
    // Adversarial: both values are on the same leaves, never on the same series (hints are per
    // field, not per combination): false positives by design, true minimum 0.
    { name: 'up{code="500"} (minimum 0)', cls: 'equality', matchers: [eq('__name__', 'up'), eq('code', '500')] },
    { name: '{job=~"a|b"}', cls: 'regex', matchers: [re('job', `${tA.job}|${tB.job}`)] },
    { name: '{instance=~"10.3.1..*"}', cls: 'regex', matchers: [re('instance', '10\\.3\\.1\\..*')] },
    { name: '{__name__=~"redis_.*_v2"}', cls: 'regex', matchers: [re('__name__', 'redis_.*_v2')] },
    { name: '{job=~"(?i)KAFKA-2"}', cls: 'regex', matchers: [re('job', '(?i)KAFKA-2')] },
    { name: '{pod=~".*-[0-9a-f]+", job=X}', cls: 'regex', matchers: [re('pod', '.*-[0-9a-f]+'), eq('job', tB.job)] },
    { name: '{instance=~".*:9100"}', cls: 'broad', matchers: [re('instance', '.*:9100')] },
    { name: 'up (all leaves)', cls: 'broad', matchers: [eq('__name__', 'up')] },
    { name: '{__name__=~".+_total"}', cls: 'broad', matchers: [re('__name__', '.+_total')] },
    { name: '{job!="x"}', cls: 'broad', matchers: [{ type: '!=', name: 'job', value: 'x' }] },
  ];

  // Planning latency first (bounded loops after a warm-up and a full GC), brute force after.
  // Each query's loop runs `runs` times; p50 and p99 are the medians over the runs.
  const latencies = new Map<QueryCase, { p50: number; p99: number }>();
  const p50s = new Map<QueryCase, number[]>(cases.map((c) => [c, []]));
  const p99s = new Map<QueryCase, number[]>(cases.map((c) => [c, []]));
  for (let run = 0; run < runs; run++) {
    for (const c of cases) {
      for (let i = 0; i < 50; i++) candidateLeaves(index, tenant, c.matchers);
      collectGarbage();
      const lat = new Float64Array(iters);
      for (let i = 0; i < iters; i++) {
        const t0 = performance.now();
        const r = candidateLeaves(index, tenant, c.matchers);
        lat[i] = performance.now() - t0;
        if (r.count < 0) throw new Error('unreachable');
      }
      lat.sort();
      p50s.get(c)!.push(pct(lat, 0.5));
      p99s.get(c)!.push(pct(lat, 0.99));
    }
  }
  for (const c of cases) latencies.set(c, { p50: median(p50s.get(c)!), p99: median(p99s.get(c)!) });

  const rows: Record<string, string | number>[] = [];
  let planP99 = 0;
  let worstRatio = 0;
  for (const c of cases) {
    const compiled = c.matchers.map(compileMatcher);
    // True minimum by brute force over the generated series.
    let minimum = 0;
    for (let l = 0; l < nLeaves; l++) {
      let holds = false;
      for (const t of leafTargets[l]!) if ((holds = forEachSeries(t, gen.get(t) ?? 0, (ls) => matchesLabels(compiled, ls)))) break;
      if (holds) minimum++;
    }
    const cands = candidateLeaves(index, tenant, c.matchers);
    for (let l = 0; l < nLeaves; l++) {
      // Soundness guard: never a false negative.
      if (!cands.has(leafId(l))) {
        let holds = false;
        for (const t of leafTargets[l]!) if ((holds = forEachSeries(t, gen.get(t) ?? 0, (ls) => matchesLabels(compiled, ls)))) break;
        if (holds) throw new Error(`${c.name}: false negative on ${leafId(l)}`);
      }
    }
    const contacted = cands.all ? nLeaves : cands.count;
    const { p50, p99 } = latencies.get(c)!;
    const ratio = minimum === 0 ? (contacted === 0 ? 1 : Infinity) : contacted / minimum;
    const ratioCell = Number.isFinite(ratio) ? Number(ratio.toFixed(3)) : `${contacted}/0`;
    if (c.cls !== 'broad') planP99 = Math.max(planP99, p99);
    if (c.cls === 'equality' && minimum > 0) worstRatio = Math.max(worstRatio, ratio);
    rows.push({ query: c.name, class: c.cls, contacted, minimum, ratio: ratioCell, p50_ms: Number(p50.toFixed(4)), p99_ms: Number(p99.toFixed(4)) });
    opts.log(`fanout: ${c.name}: contacted ${contacted} / minimum ${minimum}, p99 ${p99.toFixed(4)} ms`);
  }

  const indexBytes = index.bytes();
  rows.push({ query: '(index)', class: 'memory', contacted: index.hints, minimum: 0, ratio: 0, p50_ms: 0, p99_ms: 0 });
  return {
    title: `fanout: ${nLeaves.toLocaleString('en-US')} leaves, ${series.toLocaleString('en-US')} series, ${index.hints.toLocaleString('en-US')} distinct hints, index ${(indexBytes / 2 ** 20).toFixed(1)} MiB`,
    rows,
    summary: {
      plan_p99_ms: Number(planP99.toFixed(4)),
      contacted_over_minimum: Number(worstRatio.toFixed(4)),
      index_bytes: indexBytes,
      hint_updates_per_s: Math.round(hintUpdatesPerS),
      hint_snapshot_fps_per_s: Math.round(snapshotFpsPerS),
      leaf_derive_series_per_s: Math.round(deriveSeriesPerS),
      series,
      leaves: nLeaves,
      distinct_hints: index.hints,
    },
  };
}
