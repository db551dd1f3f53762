import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnavailableError } from '../src/model/index.js';
import { BreakerRegistry, isBreakerReject, sleep } from '../src/reliability/index.js';

const fail = (): Promise<never> => Promise.reject(new UnavailableError('connection refused'));
const ok = (): Promise<string> => Promise.resolve('ok');

let reg: BreakerRegistry | undefined;
afterEach(() => reg?.close());

async function counter(registry: Registry, event: string, leaf: string): Promise<number> {
  const m = await registry.getSingleMetric('canopy_breaker_events_total')!.get();
  return m.values.find((v) => v.labels.event === event && v.labels.leaf === leaf)?.value ?? 0;
}

describe('BreakerRegistry', () => {
  it('opens on error rate after volumeThreshold, rejects as UnavailableError, half-opens and closes on a good probe', async () => {
    const registry = new Registry();
    reg = new BreakerRegistry({ volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 80 }, registry);
    await expect(reg.fire('a', fail)).rejects.toThrow('connection refused');
    await expect(reg.fire('a', fail)).rejects.toThrow('connection refused');
    expect(reg.state('a')).toBe('closed'); // below volumeThreshold
    await expect(reg.fire('a', fail)).rejects.toThrow('connection refused');
    expect(reg.state('a')).toBe('open');

    let ran = false;
    const rejected = await reg
      .fire('a', async () => {
        ran = true;
        return 1;
      })
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(rejected).toBeInstanceOf(UnavailableError);
    expect(isBreakerReject(rejected)).toBe(true);
    expect((rejected as Error).message).toBe('circuit breaker open for leaf a');

    expect(reg.state('b')).toBe('closed'); // one breaker per leaf
    await expect(reg.fire('b', ok)).resolves.toBe('ok');

    await sleep(120);
    expect(reg.state('a')).toBe('halfOpen');
    await expect(reg.fire('a', ok)).resolves.toBe('ok');
    expect(reg.state('a')).toBe('closed');

    expect(await counter(registry, 'open', 'a')).toBe(1);
    expect(await counter(registry, 'reject', 'a')).toBe(1);
    expect(await counter(registry, 'halfOpen', 'a')).toBe(1);
    expect(await counter(registry, 'close', 'a')).toBe(1);
    expect(await counter(registry, 'failure', 'a')).toBe(3);
    const state = await registry.getSingleMetric('canopy_breaker_state')!.get();
    expect(state.values.find((v) => v.labels.leaf === 'a')?.value).toBe(0);
    expect(reg.describe().map((b) => [b.leafId, b.state])).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
  });

  it('a failed half-open probe opens the breaker again', async () => {
    reg = new BreakerRegistry({ volumeThreshold: 1, resetTimeout: 50 });
    await expect(reg.fire('a', fail)).rejects.toThrow();
    expect(reg.state('a')).toBe('open');
    await sleep(80);
    expect(reg.state('a')).toBe('halfOpen');
    await expect(reg.fire('a', fail)).rejects.toThrow('connection refused');
    expect(reg.state('a')).toBe('open');
  });

  it('calls we cancelled and errors that are not the leaf fault never open it', async () => {
    reg = new BreakerRegistry({ volumeThreshold: 2, errorThresholdPercentage: 10 });
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const p = reg.fire(
        'a',
        (signal) =>
          new Promise<never>((_, reject) => {
            signal!.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
          }),
        ac.signal,
      );
      ac.abort();
      await expect(p).rejects.toThrow('cancelled');
      await expect(reg.fire('a', () => Promise.reject(new InvalidArgumentError('bad regex')))).rejects.toThrow('bad regex');
    }
    expect(reg.state('a')).toBe('closed');
  });

  it('two registries may share one prom-client Registry', () => {
    const registry = new Registry();
    const r1 = new BreakerRegistry({}, registry);
    const r2 = new BreakerRegistry({}, registry);
    r1.close();
    r2.close();
  });
});
