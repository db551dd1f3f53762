/**
 * `canopy write FILE|-`: streams a Prometheus text or OpenMetrics exposition to the gateway's
 * Write service in batches of ~10k samples and prints what was written and what was rejected, by
 * reason. One batch is in flight while the next is parsed, so samples of a series that spans
 * batches arrive in file order.
 */
import { createReadStream } from 'node:fs';
import { readExposition, type ExpositionFormat } from '../exposition/index.js';
import { CanopyError } from '../model/index.js';
import { CLIENT_OPTIONS, defaultAddr, parse, parseTimeArg, UsageError } from './args.js';
import { GatewayClient, type WriteResponse } from './client.js';
import { table } from './format.js';
import type { Io } from './io.js';

export const WRITE_USAGE = `usage: canopy write FILE|- [--format auto|prometheus|openmetrics] [--batch N] [--default-time T] [--addr HOST:PORT] [--tenant ID]
  Prometheus text timestamps are integer ms, OpenMetrics timestamps are seconds; samples without
  a timestamp get --default-time (default now).`;

interface Tally {
  batches: number;
  sent: number;
  acceptedSamples: number;
  acceptedSeries: number;
  rejected: Map<string, { samples: number; series: number; example: string }>;
  replicaErrors: number;
}

function addRejection(t: Tally, reason: string, samples: number, example: string): void {
  const r = t.rejected.get(reason) ?? { samples: 0, series: 0, example };
  r.samples += samples;
  r.series += 1;
  t.rejected.set(reason, r);
}

function record(t: Tally, res: WriteResponse): void {
  t.acceptedSamples += res.acceptedSamples;
  t.acceptedSeries += res.acceptedSeries;
  t.replicaErrors += res.replicaErrors.length;
  for (const r of res.rejections) addRejection(t, r.reason || 'unknown', r.rejectedSamples, `${r.series}: ${r.message}`);
}

export async function writeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CLIENT_OPTIONS,
    format: { type: 'string' },
    batch: { type: 'string' },
    'default-time': { type: 'string' },
  });
  if (values.help) return io.out(WRITE_USAGE), 0;
  if (positionals.length !== 1) throw new UsageError(`expected one FILE (or - for stdin)\n${WRITE_USAGE}`);
  const format = values.format ?? 'auto';
  if (!['auto', 'prometheus', 'openmetrics'].includes(format)) throw new UsageError(`invalid --format ${JSON.stringify(format)}\n${WRITE_USAGE}`);
  const batchSamples = values.batch === undefined ? 10_000 : Number(values.batch);
  if (!Number.isInteger(batchSamples) || batchSamples < 1) throw new UsageError(`invalid --batch ${JSON.stringify(values.batch)}`);
  const defaultTimestampMs = values['default-time'] === undefined ? Date.now() : parseTimeArg(values['default-time'], '--default-time');
  const file = positionals[0]!;
  const input = file === '-' ? process.stdin : createReadStream(file);
  const tenant = values.tenant ?? '';

  const client = new GatewayClient(values.addr ?? defaultAddr());
  const tally: Tally = { batches: 0, sent: 0, acceptedSamples: 0, acceptedSeries: 0, rejected: new Map(), replicaErrors: 0 };
  const started = Date.now();
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for await (const batch of readExposition(input, { format: format as ExpositionFormat | 'auto', defaultTimestampMs, batchSamples })) {
      await inFlight;
      tally.batches++;
      tally.sent += batch.samples;
      inFlight = client.write(tenant, batch.series).then(
        (res) => record(tally, res),
        (e: unknown) => {
          // A batch with nothing valid in it fails as a whole with INVALID_ARGUMENT: count it.
          if (e instanceof CanopyError && e.code === 'INVALID_ARGUMENT') {
            const detail = e.detail as { rejections?: { reason: string; rejectedSamples?: number; series?: string; message?: string }[] } | undefined;
            if (detail?.rejections?.length) {
              for (const r of detail.rejections) addRejection(tally, r.reason || 'invalid', r.rejectedSamples ?? 0, `${r.series ?? ''}: ${r.message ?? ''}`);
            } else addRejection(tally, 'invalid_request', batch.samples, e.message);
            return;
          }
          throw e;
        },
      );
    }
    await inFlight;
  } finally {
    await inFlight.catch(() => undefined);
    client.close();
  }
  const secs = (Date.now() - started) / 1000;
  const rejectedSamples = [...tally.rejected.values()].reduce((n, r) => n + r.samples, 0);
  io.out(`written: ${tally.acceptedSamples.toLocaleString('en-US')} samples (${tally.batches} batches, ${secs.toFixed(1)}s)`);
  io.out(`rejected: ${rejectedSamples.toLocaleString('en-US')} samples`);
  if (tally.rejected.size > 0) {
    io.out(table(['REASON', 'SAMPLES', 'SERIES', 'EXAMPLE'], [...tally.rejected].map(([reason, r]) => [reason, String(r.samples), String(r.series), r.example])));
  }
  if (tally.replicaErrors > 0) io.err(`warning: ${tally.replicaErrors} replica errors (a quorum still acknowledged the writes)`);
  return tally.acceptedSamples === 0 && tally.sent > 0 ? 1 : 0;
}
