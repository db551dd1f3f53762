/**
 * Validation of names, values, timestamps and tenants on the write path. Prometheus 3 allows any
 * valid UTF-8 label name; we accept that, but reject empty names, invalid UTF-8 and oversized
 * strings. Names starting with `__` are reserved by convention but accepted, as Prometheus's TSDB
 * does (`__type__`/`__unit__` metadata labels are written by Prometheus 3 itself).
 */
import { type Labels, METRIC_NAME } from './labels.js';

export const LIMITS = {
  maxLabelNameBytes: 1024,
  maxLabelValueBytes: 16 * 1024,
  maxLabelsPerSeries: 64,
  maxTenantBytes: 128,
} as const;

const TENANT_RE = /^[A-Za-z0-9!\-_.*'()]+$/;

/**
 * Returns a reason string when the label set is invalid, or undefined when it is valid. Expects
 * `normalizeLabels` output (sorted; empty values, which mean "absent", already dropped).
 */
export function validateLabels(labels: Labels): string | undefined {
  if (labels.length === 0) return 'series has no labels';
  if (labels.length > LIMITS.maxLabelsPerSeries) return `series has ${labels.length} labels, more than the limit of ${LIMITS.maxLabelsPerSeries}`;
  let prev = '';
  let hasName = false;
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i]!;
    if (name === '') return 'empty label name';
    if (i > 0 && name <= prev) return name === prev ? `duplicate label name "${name}"` : 'labels are not sorted by name';
    prev = name;
    if (name === METRIC_NAME) {
      hasName = true;
      if (value === '') return 'empty metric name';
    }
    if (!isWellFormed(name)) return `label name is not valid UTF-8: ${JSON.stringify(name)}`;
    if (!isWellFormed(value)) return `label value of "${name}" is not valid UTF-8`;
    if (Buffer.byteLength(name) > LIMITS.maxLabelNameBytes) return `label name "${name.slice(0, 40)}…" longer than ${LIMITS.maxLabelNameBytes} bytes`;
    if (Buffer.byteLength(value) > LIMITS.maxLabelValueBytes) return `label value of "${name}" longer than ${LIMITS.maxLabelValueBytes} bytes`;
  }
  if (!hasName) return 'series has no metric name (__name__)';
  return undefined;
}

/** Returns a reason when the timestamp (ms since epoch) is not a valid sample time. */
export function validateTimestamp(t: number): string | undefined {
  if (!Number.isFinite(t)) return `timestamp ${t} is not a finite number`;
  if (!Number.isInteger(t)) return `timestamp ${t} is not an integer number of milliseconds`;
  if (t < 0) return `timestamp ${t} is negative`;
  if (t > 8.64e15) return `timestamp ${t} is beyond the representable range`;
  return undefined;
}

export function validateTenant(tenant: string): string | undefined {
  if (tenant === '') return 'tenant id is empty';
  if (Buffer.byteLength(tenant) > LIMITS.maxTenantBytes) return `tenant id longer than ${LIMITS.maxTenantBytes} bytes`;
  if (!TENANT_RE.test(tenant) || tenant === '.' || tenant === '..') return `tenant id ${JSON.stringify(tenant)} has characters outside [A-Za-z0-9!-_.*'()]`;
  return undefined;
}

/** Lone surrogates are the only way a JS string can be "invalid UTF-8". */
function isWellFormed(s: string): boolean {
  // String.prototype.isWellFormed exists on Node 20.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export const DEFAULT_TENANT = 'default';
