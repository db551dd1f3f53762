/**
 * vitest global setup: make sure the generated protobuf types exist (a fresh clone gets them
 * from `npm ci` → prepare, but a developer may have deleted them).
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (!existsSync('src/rpc/gen/leaf.ts')) execFileSync('npm', ['run', 'gen'], { stdio: 'inherit' });
}
