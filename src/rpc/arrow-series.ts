/**
 * The Arrow IPC encoding of a batch of series, as carried in `ExecuteFrame.arrow_batch`.
 *
 * One IPC stream holding one record batch, a row per series:
 *  - `labels` Utf8: the label set as a JSON array of alternating names and values
 *    (`["__name__","up","job","api"]`), sorted by name as in `Labels`;
 *  - `t` List<Float64>: timestamps in ms (integers held as float64);
 *  - `v` List<Float64>: values (NaN payloads, e.g. the stale marker, preserved bit for bit).
 *
 * Both list columns are built from one concatenated Float64Array plus Int32 offsets, so encoding
 * copies each sample exactly once (into the concatenated column) and decoding yields subarray
 * views of the received bytes: never an object per sample. Readers accept several record batches
 * in one stream (concatenated in order), though writers emit one.
 */
import {
  Field,
  Float64,
  List,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  tableFromIPC,
  Utf8,
  type Data,
} from 'apache-arrow';
import type { Label, Labels, Series } from '../model/index.js';

const T_FIELD = new Field('item', new Float64(), false);
const SCHEMA = new Schema([
  new Field('labels', new Utf8(), false),
  new Field('t', new List(T_FIELD), false),
  new Field('v', new List(new Field('item', new Float64(), false)), false),
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes series (labels + sample columns) into an Arrow IPC stream. */
export function encodeSeriesBatch(series: readonly Series[]): Uint8Array {
  const n = series.length;
  let total = 0;
  for (const s of series) total += s.t.length;
  const tAll = new Float64Array(total);
  const vAll = new Float64Array(total);
  const offsets = new Int32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = series[i]!;
    if (s.v.length !== s.t.length) throw new Error(`series ${i}: ${s.t.length} timestamps but ${s.v.length} values`);
    tAll.set(s.t, pos);
    vAll.set(s.v, pos);
    pos += s.t.length;
    offsets[i + 1] = pos;
  }

  // Labels: JSON text per row, concatenated UTF-8 with Int32 offsets.
  const texts: string[] = new Array(n);
  let maxBytes = 0;
  for (let i = 0; i < n; i++) {
    texts[i] = labelsJson(series[i]!.labels);
    maxBytes += texts[i]!.length * 3;
  }
  let utf8 = new Uint8Array(maxBytes);
  const labelOffsets = new Int32Array(n + 1);
  let bpos = 0;
  for (let i = 0; i < n; i++) {
    bpos += encoder.encodeInto(texts[i]!, utf8.subarray(bpos)).written;
    labelOffsets[i + 1] = bpos;
  }
  utf8 = utf8.subarray(0, bpos);

  const labelsData = makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: labelOffsets, data: utf8 });
  const tData = listData(offsets, tAll, n);
  const vData = listData(offsets, vAll, n);
  const struct = makeData({
    type: new Struct(SCHEMA.fields),
    length: n,
    nullCount: 0,
    children: [labelsData, tData, vData] as Data[],
  });
  const batch = new RecordBatch(SCHEMA, struct);
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}

function listData(offsets: Int32Array, values: Float64Array, n: number): Data<List<Float64>> {
  const child = makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
  return makeData({ type: new List(T_FIELD), length: n, nullCount: 0, valueOffsets: offsets, child });
}

function labelsJson(labels: Labels): string {
  const pairs: string[] = [];
  for (const l of labels) pairs.push(l.name, l.value);
  return JSON.stringify(pairs);
}

/**
 * Decodes an Arrow IPC stream written by `encodeSeriesBatch`. The `t`/`v` columns of the result
 * are views into one aligned copy of `bytes` (or into `bytes` itself when it is 8-byte aligned).
 */
export function decodeSeriesBatch(bytes: Uint8Array): Series[] {
  if (bytes.byteLength === 0) return [];
  // A gRPC `bytes` field arrives at an arbitrary byteOffset: Arrow needs 8-byte alignment for
  // zero-copy Float64 views, so align once here (one memcpy of the whole message).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : alignedCopy(bytes);
  const table = tableFromIPC(aligned);
  const out: Series[] = [];
  for (const batch of table.batches) {
    const labelsCol = batch.getChild('labels');
    const tCol = batch.getChild('t');
    const vCol = batch.getChild('v');
    if (!labelsCol || !tCol || !vCol) throw new Error('arrow series batch lacks one of the columns labels, t, v');
    const ld = labelsCol.data[0]!;
    const td = tCol.data[0]!;
    const vd = vCol.data[0]!;
    const lOff = ld.valueOffsets as Int32Array;
    const lBytes = ld.values as Uint8Array;
    const tOff = td.valueOffsets as Int32Array;
    const vOff = vd.valueOffsets as Int32Array;
    const tVals = (td.children[0]!.values as Float64Array).subarray(td.children[0]!.offset);
    const vVals = (vd.children[0]!.values as Float64Array).subarray(vd.children[0]!.offset);
    for (let i = 0; i < batch.numRows; i++) {
      const r = i + ld.offset;
      const json = decoder.decode(lBytes.subarray(lOff[r]!, lOff[r + 1]!));
      const ti = i + td.offset;
      const vi = i + vd.offset;
      out.push({
        labels: labelsFromJson(json),
        t: tVals.subarray(tOff[ti]!, tOff[ti + 1]!),
        v: vVals.subarray(vOff[vi]!, vOff[vi + 1]!),
      });
    }
  }
  return out;
}

function alignedCopy(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function labelsFromJson(json: string): Labels {
  const pairs = JSON.parse(json) as unknown;
  if (!Array.isArray(pairs) || pairs.length % 2 !== 0) throw new Error(`malformed labels in arrow series batch: ${json.slice(0, 80)}`);
  const out: Label[] = new Array(pairs.length / 2);
  for (let i = 0; i < pairs.length; i += 2) out[i / 2] = { name: String(pairs[i]), value: String(pairs[i + 1]) };
  return out;
}
