/**
 * Waiting for SIGINT/SIGTERM: resolves with the signal's name on the first one; a second one
 * while stopping exits at once (code 130) so a stuck shutdown can always be interrupted.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (sig: NodeJS.Signals): void => {
      if (seen) process.exit(130);
      seen = true;
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
