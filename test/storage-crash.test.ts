/**
 * Crash tests with a real child process and real SIGKILL: every acknowledged batch must be
 * present after reopening the store.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DurableSeriesStore } from '../src/leaf/storage/index.js';

const SERIES = 20;
const T0 = 1_700_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs the writer, SIGKILLs it after `killAfterAcks` acks; returns the highest acked batch index. */
function runAndKill(dir: string, policy: string, killAfterAcks: number): Promise<{ lastAck: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/storage-writer.ts', dir, policy, '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastAck = -1;
    let buf = '';
    let stderr = '';
    let killed = false;
    let acks = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${killAfterAcks} acks in time; stderr: ${stderr}`));
    }, 45_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ACK (\d+)$/.exec(line);
        if (m) {
          lastAck = Math.max(lastAck, Number(m[1]));
          acks++;
        }
      }
      if (!killed && acks >= killAfterAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      // Acks already in the pipe when the kill landed still count: read them all.
      resolve({ lastAck, signal });
    });
    child.on('error', reject);
  });
}

async function verify(dir: string, lastAck: number): Promise<void> {
  const s = await DurableSeriesStore.open(dir, { logger: pino({ level: 'silent' }), chunkSamples: 32, blockMs: 3600_000 });
  const got = await s.select('crash', [], { start: -Infinity, end: Infinity });
  expect(got).toHaveLength(SERIES);
  for (const series of got) {
    const j = Number(series.labels.find((l) => l.name === 'j')!.value);
    // Every acknowledged batch is there, in order, with its exact value.
    expect(series.t.length).toBeGreaterThanOrEqual(lastAck + 1);
    for (let i = 0; i < series.t.length; i++) {
      expect(series.t[i]).toBe(T0 + i * 15_000);
      expect(series.v[i]).toBe(i * 1000 + j + (j % 2 ? 0.5 : 0));
    }
  }
  expect(s.stats().walCorruptions).toBe(0);
  await s.close();
}

describe('storage crash recovery (real process, SIGKILL)', () => {
  for (const policy of ['always', 'interval']) {
    it(`keeps every acknowledged batch after SIGKILL (fsync ${policy})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-crash-'));
      dirs.push(dir);
      const { lastAck, signal } = await runAndKill(dir, policy, 150);
      expect(signal).toBe('SIGKILL');
      expect(lastAck).toBeGreaterThanOrEqual(149);
      await verify(dir, lastAck);
      // The writer resumes on the recovered store; kill it again and verify again.
      const second = await runAndKill(dir, policy, 30);
      expect(second.signal).toBe('SIGKILL');
      expect(second.lastAck).toBeGreaterThan(lastAck);
      await verify(dir, second.lastAck);
    });
  }
});

