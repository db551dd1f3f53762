/**
 * Golden plan tests of the pushdown split: {query, expected plan} (describe() of the plan tree,
 * stable operator and variant names). Target labels job, instance; range query 1h–2h step 1m.
 */
import { describe, expect, it } from 'vitest';
import { parse } from '../src/promql/index.js';
import { describeTree, planDistributed } from '../src/planner/index.js';

const CASES: { query: string; plan: string[] }[] = [
  {
    query: "sum by (job) (rate(http_requests_total[5m]))",
    plan: [
      "Merge sum by (job)",
      "  Remote partial f0 sum: sum by (job) (rate(http_requests_total[5m]))",
    ],
  },
  {
    query: "histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))",
    plan: [
      "Function histogram_quantile",
      "  Number literal 0.99",
      "  Merge sum by (le, job)",
      "    Remote partial f0 sum: sum by (le, job) (rate(http_request_duration_seconds_bucket[5m]))",
    ],
  },
  {
    query: "count without (instance) (up)",
    plan: [
      "Merge sum without (instance, __canopy_part__)",
      "  Remote partial f0 count: count without (instance) (up)",
    ],
  },
  {
    query: "min(x)",
    plan: [
      "Merge min",
      "  Remote partial f0 min: min(x)",
    ],
  },
  {
    query: "max by (job, instance) (x)",
    plan: [
      "Remote whole f0 series: max by (job, instance) (x)",
    ],
  },
  {
    query: "group by (mode) (x)",
    plan: [
      "Merge group by (mode)",
      "  Remote partial f0 group: group by (mode) (x)",
    ],
  },
  {
    query: "avg by (job) (x)",
    plan: [
      "Merge avg moments",
      "  Remote partial f0 avg moments (count, mean): label_replace(count by (job) (x), \"__canopy_state__\", \"count\", \"\", \"\") or label_replace(avg by (job) (x), \"__canopy_state__\", \"mean\", \"\", \"\")",
    ],
  },
  {
    query: "stddev(x)",
    plan: [
      "Merge stddev moments",
      "  Remote partial f0 stddev moments (count, mean, stdvar): label_replace(count(x), \"__canopy_state__\", \"count\", \"\", \"\") or label_replace(avg(x), \"__canopy_state__\", \"mean\", \"\", \"\") or label_replace(stdvar(x), \"__canopy_state__\", \"stdvar\", \"\", \"\")",
    ],
  },
  {
    query: "stdvar without (instance) (x)",
    plan: [
      "Merge stdvar moments",
      "  Remote partial f0 stdvar moments (count, mean, stdvar): label_replace(count without (instance) (x), \"__canopy_state__\", \"count\", \"\", \"\") or label_replace(avg without (instance) (x), \"__canopy_state__\", \"mean\", \"\", \"\") or label_replace(stdvar without (instance) (x), \"__canopy_state__\", \"stdvar\", \"\", \"\")",
    ],
  },
  {
    query: "topk by (job) (3, rate(x[5m]))",
    plan: [
      "Aggregate topk by (job) param 3",
      "  Remote whole f0 local topk: topk by (job) (3, rate(x[5m]))",
    ],
  },
  {
    query: "bottomk(2, x)",
    plan: [
      "Aggregate bottomk param 2",
      "  Remote whole f0 local bottomk: bottomk(2, x)",
    ],
  },
  {
    query: "count_values by (job) (\"v\", x)",
    plan: [
      "Merge sum by (job, v)",
      "  Remote partial f0 count_values: count_values by (job) (\"v\", x)",
    ],
  },
  {
    query: "quantile(0.9, rate(x[5m]))",
    plan: [
      "Aggregate quantile param 0.9",
      "  Remote whole f0 series: rate(x[5m])",
    ],
  },
  {
    query: "limitk(2, x)",
    plan: [
      "Aggregate limitk param 2",
      "  Selector instant x",
    ],
  },
  {
    query: "sum by (job, instance) (rate(x[5m]))",
    plan: [
      "Remote whole f0 series: sum by (job, instance) (rate(x[5m]))",
    ],
  },
  {
    query: "sum without (mode) (rate(x[5m]))",
    plan: [
      "Remote whole f0 series: sum without (mode) (rate(x[5m]))",
    ],
  },
  {
    query: "rate(x[5m]) / on (job, instance) rate(y[5m])",
    plan: [
      "Remote whole f0 series: rate(x[5m]) / on (job, instance) rate(y[5m])",
    ],
  },
  {
    query: "rate(x[5m]) / on (job) rate(y[5m])",
    plan: [
      "Binary / on (job)",
      "  Remote whole f0 series: rate(x[5m])",
      "  Remote whole f1 series: rate(y[5m])",
    ],
  },
  {
    query: "x / ignoring (instance) y",
    plan: [
      "Binary / ignoring (instance)",
      "  Selector instant x",
      "  Selector instant y",
    ],
  },
  {
    query: "x * 2",
    plan: [
      "Remote whole f0 series: x * 2",
    ],
  },
  {
    query: "x * scalar(y)",
    plan: [
      "Binary *",
      "  Selector instant x",
      "  Function scalar",
      "    Selector instant y",
    ],
  },
  {
    query: "sum(x) / sum(y)",
    plan: [
      "Binary /",
      "  Merge sum",
      "    Remote partial f0 sum: sum(x)",
      "  Merge sum",
      "    Remote partial f1 sum: sum(y)",
    ],
  },
  {
    query: "sum(sum by (job) (x))",
    plan: [
      "Aggregate sum",
      "  Merge sum by (job)",
      "    Remote partial f0 sum: sum by (job) (x)",
    ],
  },
  {
    query: "max(sum by (job, instance) (rate(x[5m])))",
    plan: [
      "Merge max",
      "  Remote partial f0 max: max(sum by (job, instance) (rate(x[5m])))",
    ],
  },
  {
    query: "max_over_time(sum by (job) (rate(x[5m]))[30m:1m])",
    plan: [
      "Function max_over_time",
      "  Subquery grid [30m:1m]",
      "    Merge sum by (job)",
      "      Remote partial f0 sum: sum by (job) (rate(x[5m]))",
    ],
  },
  {
    query: "max_over_time(rate(x[5m])[30m:1m])",
    plan: [
      "Remote whole f0 series: max_over_time(rate(x[5m])[30m:1m])",
    ],
  },
  {
    query: "sum(rate(x[5m] offset 1h))",
    plan: [
      "Merge sum",
      "  Remote partial f0 sum: sum(rate(x[5m] offset 1h))",
    ],
  },
  {
    query: "sum(x @ start())",
    plan: [
      "Merge sum",
      "  Remote partial f0 sum: sum(x @ 3600.000)",
    ],
  },
  {
    query: "absent(x)",
    plan: [
      "Function absent",
      "  Selector instant x",
    ],
  },
  {
    query: "sort_desc(sum by (job) (x))",
    plan: [
      "Function sort_desc",
      "  Merge sum by (job)",
      "    Remote partial f0 sum: sum by (job) (x)",
    ],
  },
  {
    query: "label_replace(x, \"job\", \"$1\", \"instance\", \"(.*)\")",
    plan: [
      "Function label_replace",
      "  Selector instant x",
      "  String literal \"job\"",
      "  String literal \"$1\"",
      "  String literal \"instance\"",
      "  String literal \"(.*)\"",
    ],
  },
  {
    query: "sum(label_replace(x, \"dst\", \"$1\", \"instance\", \"(.*)\"))",
    plan: [
      "Merge sum",
      "  Remote partial f0 sum: sum(label_replace(x, \"dst\", \"$1\", \"instance\", \"(.*)\"))",
    ],
  },
  {
    query: "vector(1) + sum(x)",
    plan: [
      "Binary +",
      "  Function vector",
      "    Number literal 1",
      "  Merge sum",
      "    Remote partial f0 sum: sum(x)",
    ],
  },
  {
    query: "x",
    plan: [
      "Selector instant x",
    ],
  },
  {
    query: "rate(x[5m])",
    plan: [
      "Remote whole f0 series: rate(x[5m])",
    ],
  },
];

describe('pushdown split: golden plans', () => {
  it.each(CASES)('$query', ({ query, plan }) => {
    const p = planDistributed(query, parse(query), { targetLabels: ['job', 'instance'], startMs: 3_600_000, endMs: 7_200_000, stepMs: 60_000, defaultSubqueryStepMs: 60_000 });
    expect(describeTree(p.tree)).toEqual(plan);
  });
});
