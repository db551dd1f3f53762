/**
 * `canopy write FILE|-`: streams a Prometheus text or OpenMetrics exposition of any size to the
 * gateway's Write service in batches of ~10k samples, with a progress bar on stderr, and prints
 * what was written and what was rejected, by reason. One batch is in flight while the next is
 * parsed, so samples of a series that spans batches arrive in file order; memory stays bounded
 * by the batch size whatever the file size.
 */
import { createReadStream, statSync } from 'node:fs';
import { readExposition, type ExpositionFormat } from '../exposition/index.js';
import { CanopyError } from '../model/index.js';
import { CLIENT_OPTIONS, defaultAddr, parse, parseTimeArg, UsageError } from './args.js';
import { GatewayClient, type WriteResponse } from './client.js';
import { table } from './format.js';
import type { Io } from './io.js';

export const WRITE_USAGE = `usage: canopy write FILE|- [--format auto|prometheus|openmetrics] [--batch N] [--default-time T] [--progress auto|always|never] [--addr HOST:PORT] [--tenant ID]
  Prometheus text timestamps are integer ms, OpenMetrics timestamps are seconds; samples without
  a timestamp get --default-time (default now). --progress auto draws a bar when stderr is a
  terminal; always prints a progress line every second otherwise.`;

/** Progress on stderr: a redrawn bar on a terminal, else (when asked) a line per second. */
class Progress {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly mode: 'tty' | 'lines' | 'off',
    private readonly io: Io,
    private readonly totalBytes: number | undefined,
    private readonly started: number,
  ) {}

  update(bytes: number, samples: number, force = false): void {
    if (this.mode === 'off') return;
    const now = Date.now();
    if (!force && now - this.last < (this.mode === 'tty' ? 200 : 1000)) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = `${Math.round(samples / secs).toLocaleString('en-US')} samples/s`;
    const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
    let text: string;
    if (this.totalBytes !== undefined && this.totalBytes > 0) {
      const f = Math.min(1, bytes / this.totalBytes);
      const width = 30;
      const full = Math.round(f * width);
      const bar = this.mode === 'tty' ? `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ` : '';
      text = `${bar}${(f * 100).toFixed(0).padStart(3)}%  ${mb(bytes)}/${mb(this.totalBytes)}  ${samples.toLocaleString('en-US')} samples  ${rate}`;
    } else text = `${mb(bytes)} read  ${samples.toLocaleString('en-US')} samples  ${rate}`;
    if (this.mode === 'tty') {
      process.stderr.write(`\r${text}\x1b[K`);
      this.drawn = true;
    } else this.io.err(`progress: ${text}`);
  }

  done(): void {
    if (this.drawn) process.stderr.write('\n');
  }
}

/** Counts the bytes flowing through (for progress). */
async function* counted(input: AsyncIterable<Uint8Array | string>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array | string> {
  for await (const chunk of input) {
    onBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    yield chunk;
  }
}

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
    progress: { type: 'string' },
  });
  if (values.help) return io.out(WRITE_USAGE), 0;
  if (positionals.length !== 1) throw new UsageError(`expected one FILE (or - for stdin)\n${WRITE_USAGE}`);
  const format = values.format ?? 'auto';
  if (!['auto', 'prometheus', 'openmetrics'].includes(format)) throw new UsageError(`invalid --format ${JSON.stringify(format)}\n${WRITE_USAGE}`);
  const batchSamples = values.batch === undefined ? 10_000 : Number(values.batch);
  if (!Number.isInteger(batchSamples) || batchSamples < 1) throw new UsageError(`invalid --batch ${JSON.stringify(values.batch)}`);
  const defaultTimestampMs = values['default-time'] === undefined ? Date.now() : parseTimeArg(values['default-time'], '--default-time');
  const progressArg = values.progress ?? 'auto';
  if (!['auto', 'always', 'never'].includes(progressArg)) throw new UsageError(`invalid --progress ${JSON.stringify(progressArg)}: expected auto, always or never`);
  const file = positionals[0]!;
  let totalBytes: number | undefined;
  if (file !== '-') {
    try {
      totalBytes = statSync(file).size;
    } catch (e) {
      throw new CanopyError('NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  let bytesRead = 0;
  const input = counted(file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 }), (n) => (bytesRead += n));
  const tenant = values.tenant ?? '';

  const client = new GatewayClient(values.addr ?? defaultAddr());
  const tally: Tally = { batches: 0, sent: 0, acceptedSamples: 0, acceptedSeries: 0, rejected: new Map(), replicaErrors: 0 };
  const started = Date.now();
  const mode = progressArg === 'never' ? 'off' : process.stderr.isTTY ? 'tty' : progressArg === 'always' ? 'lines' : 'off';
  const progress = new Progress(mode, io, totalBytes, started);
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for await (const batch of readExposition(input, { format: format as ExpositionFormat | 'auto', defaultTimestampMs, batchSamples })) {
      await inFlight;
      tally.batches++;
      tally.sent += batch.samples;
      progress.update(bytesRead, tally.sent);
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
    progress.update(bytesRead, tally.sent, true);
  } finally {
    progress.done();
    await inFlight.catch(() => undefined);
    client.close();
  }
  const secs = (Date.now() - started) / 1000;
  const rejectedSamples = [...tally.rejected.values()].reduce((n, r) => n + r.samples, 0);
  const perSec = Math.round(tally.acceptedSamples / Math.max(secs, 0.001)).toLocaleString('en-US');
  io.out(`written: ${tally.acceptedSamples.toLocaleString('en-US')} samples (${tally.batches} batches, ${secs.toFixed(1)}s, ${perSec} samples/s)`);
  io.out(`rejected: ${rejectedSamples.toLocaleString('en-US')} samples`);
  if (tally.rejected.size > 0) {
    io.out(table(['REASON', 'SAMPLES', 'SERIES', 'EXAMPLE'], [...tally.rejected].map(([reason, r]) => [reason, String(r.samples), String(r.series), r.example])));
  }
  if (tally.replicaErrors > 0) io.err(`warning: ${tally.replicaErrors} replica errors (a quorum still acknowledged the writes)`);
  return tally.acceptedSamples === 0 && tally.sent > 0 ? 1 : 0;
}
