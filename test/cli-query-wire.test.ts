import { describe, expect, it } from 'vitest';
import { decodeQueryResponse } from '../src/cli/query-wire.js';
import { canopyProto } from '../src/rpc/index.js';

// The reference codec: protobufjs, as loaded by src/rpc with the generated types' options.
const instant = () => canopyProto().Query.service.Instant;
const encode = (msg: unknown): Buffer => instant().responseSerialize(msg as never) as Buffer;
const reference = (buf: Buffer): unknown => instant().responseDeserialize(buf);

describe('decodeQueryResponse', () => {
  it('decodes exactly what protobufjs decodes', () => {
    const cases = [
      {
        resultType: 'matrix',
        matrix: [
          { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a ☃' }], timestampsMs: [1767225600000, 1767225615000, -1000], values: [1, NaN, -Infinity] },
          { labels: [], timestampsMs: [], values: [] },
        ],
        health: { expectedChildren: 3, completedChildren: 2, completeness: 2 / 3, partial: true, issues: [{ kind: 'unavailable', rangeId: 'r1', leafId: 'leaf-2', message: 'down' }], prunedByRange: 4, prunedByHint: 1, prunedByTime: 0 },
        warnings: ['PromQL warning: w'],
        infos: ['i1', 'i2'],
        stats: { seriesFetched: 2, samplesFetched: 3, bytesFetched: 5_000_000_000, execMs: 1.5 },
      },
      { resultType: 'vector', vector: [{ labels: [{ name: 'x', value: 'y' }], timestampMs: 1767225600123, value: 0.1 }, { labels: [], timestampMs: 0, value: 0 }] },
      { resultType: 'scalar', scalarTimestampMs: 1000, scalarValue: 2.5 },
      { resultType: 'string', scalarTimestampMs: 1000, stringValue: 'hello' },
      {},
    ];
    for (const c of cases) {
      const buf = encode(c);
      expect(decodeQueryResponse(buf)).toEqual(reference(buf));
    }
  });

  it('is fast on a large matrix', () => {
    const matrix = Array.from({ length: 100 }, (_, s) => ({
      labels: [{ name: '__name__', value: 'm' }, { name: 'i', value: String(s) }],
      timestampsMs: Array.from({ length: 1441 }, (_, k) => 1767204000000 + k * 15000),
      values: Array.from({ length: 1441 }, (_, k) => k * 0.5 + s),
    }));
    const buf = encode({ resultType: 'matrix', matrix });
    const got = decodeQueryResponse(buf);
    expect(got.matrix).toHaveLength(100);
    expect(got.matrix[99]!.values[1440]).toBe(1440 * 0.5 + 99);
    expect(got.matrix[0]!.timestampsMs[1440]).toBe(1767204000000 + 1440 * 15000);
  });
});
