/** Running one leaf call: a value or a stream, collected whole; abandoning it on abort. */
import { CanopyError } from '../model/index.js';

export function isAsyncIterable<T>(v: unknown): v is AsyncIterable<T> {
  return v != null && typeof (v as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

export async function collect<T>(r: Promise<T> | AsyncIterable<T>, signal: AbortSignal): Promise<T[]> {
  if (!isAsyncIterable<T>(r)) return [await r];
  const items: T[] = [];
  for await (const v of r) {
    if (signal.aborted) throw new CanopyError('CANCELLED', 'call cancelled');
    items.push(v);
  }
  return items;
}

/** Settles with `p`, or rejects as soon as `signal` aborts (without waiting for `p`). */
export function raceAbort<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(new CanopyError('CANCELLED', 'call cancelled'));
  }
  return new Promise<R>((resolve, reject) => {
    const on = (): void => reject(new CanopyError('CANCELLED', 'call cancelled'));
    signal.addEventListener('abort', on, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', on);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', on);
        reject(e);
      },
    );
  });
}
