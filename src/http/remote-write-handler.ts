/**
 * POST /api/v1/write — the Prometheus remote write 1.0 receiver, answering as Prometheus's
 * receiver does so that a sender's retry logic does the right thing:
 *  - 204 when everything was stored;
 *  - 400 for bad data (undecodable body, invalid series, out-of-order / duplicate samples,
 *    native histograms): the sender drops the batch — retrying would fail the same way. Valid
 *    series of the same request are stored all the same;
 *  - 503 when a range had no quorum of replicas (or the router is unavailable): the sender
 *    retries the whole batch, and identical re-sent samples are ignored by the leaves;
 *  - 415 for remote write 2.0 bodies (not supported yet).
 * Error bodies are plain text, as Prometheus's.
 */
import { CanopyError } from '../model/index.js';
import type { PromApiBackend, SeriesIn } from './backend.js';
import type { HttpMetrics } from './http-metrics.js';
import type { MetadataStore } from './metadata-store.js';
import { decodeRemoteWrite } from './remote-write.js';

export interface RemoteWriteReply {
  status: number;
  body: string;
}

export async function handleRemoteWrite(body: Uint8Array, contentType: string, tenant: string, backend: PromApiBackend, metadata: MetadataStore, metrics?: HttpMetrics): Promise<RemoteWriteReply> {
  const reply = (status: number, text: string): RemoteWriteReply => {
    metrics?.remoteWriteRequests.inc({ code: String(status) });
    return { status, body: text };
  };
  if (/proto=io\.prometheus\.write\.v2/i.test(contentType)) return reply(415, 'remote write 2.0 (io.prometheus.write.v2.Request) is not supported; send remote write 1.0');
  let req;
  try {
    req = decodeRemoteWrite(body);
  } catch (e) {
    return reply(400, (e as Error).message);
  }
  metadata.add(tenant, req.metadata);
  const input: SeriesIn[] = [];
  let histogramSeries = 0;
  let histogramSamples = 0;
  for (const s of req.series) {
    if (s.histograms > 0) {
      histogramSeries++;
      histogramSamples += s.histograms;
    }
    if (s.t.length > 0) input.push({ labels: s.labels, t: s.t, v: s.v });
  }
  const problems: string[] = [];
  if (histogramSeries > 0) {
    problems.push(`native histograms are not supported: ${histogramSamples} histogram samples in ${histogramSeries} series dropped`);
    metrics?.remoteWriteSamples.inc({ outcome: 'rejected' }, histogramSamples);
  }
  if (input.length === 0) return problems.length > 0 ? reply(400, problems.join('; ')) : reply(204, '');
  let res;
  try {
    res = await backend.write(tenant, input);
  } catch (e) {
    const ce = e instanceof CanopyError ? e : undefined;
    const samples = input.reduce((n, s) => n + s.t.length, 0);
    metrics?.remoteWriteSamples.inc({ outcome: 'rejected' }, samples);
    if (ce && (ce.code === 'INVALID_ARGUMENT' || ce.code === 'PARSE')) return reply(400, [...problems, ce.message].join('; '));
    return reply(ce?.code === 'RESOURCE_EXHAUSTED' ? 429 : 503, (e as Error).message ?? String(e));
  }
  metrics?.remoteWriteSamples.inc({ outcome: 'accepted' }, res.acceptedSamples);
  metrics?.remoteWriteSamples.inc({ outcome: 'rejected' }, res.rejectedSamples);
  const retry = res.rejections.filter((r) => r.reason === 'replica_failure');
  if (retry.length > 0) return reply(503, `no replica quorum for ${retry.length} series: ${retry[0]!.message}`);
  for (const r of res.rejections.slice(0, 5)) problems.push(`${r.reason}: ${r.series}: ${r.message}`);
  if (res.rejections.length > 5) problems.push(`… and ${res.rejections.length - 5} more rejected series`);
  return problems.length > 0 ? reply(400, problems.join('; ')) : reply(204, '');
}
