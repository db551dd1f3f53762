#!/usr/bin/env node
// The `canopy` command. Runs the TypeScript sources through tsx's loader so that a fresh
// clone needs only `npm ci` (no build step) to run every daemon and client command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
