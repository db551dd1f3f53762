/**
 * The `canopy` command: dispatches to one module per command. Results go to stdout; progress,
 * warnings and errors to stderr. Exit codes: 0 ok, 1 error, 2 usage error.
 */
import { CanopyError } from '../model/index.js';
import { UsageError, defaultAddr } from './args.js';
import { PROCESS_IO, type Io } from './io.js';

export const USAGE = `usage: canopy COMMAND [options]

daemons:
  dev [--leaves N] [--demo] [--grpc-addr ADDR]   gateway + N leaves in one process (npm start)
  leaf --id ID [--listen ADDR] [--zone Z]         one leaf daemon
  gateway --leaf ID=ADDR … [--grpc-addr ADDR]     the gateway over the given leaves
  (dev, leaf and gateway take --etcd URL: membership and ranges in etcd instead of in memory)

clients (--addr HOST:PORT, default $CANOPY_ADDR or 127.0.0.1:7400; --tenant ID):
  query EXPR [--time T] [--json]                  instant query
  query-range EXPR --start S --end E --step D     range query
  explain EXPR                                    the plan and fan-out of a query
  write FILE|-                                    write a Prometheus text / OpenMetrics exposition
  leaves                                          leaves as the gateway sees them
  ranges                                          the range assignment (replicas, states, sizes)
  split RANGE [TARGET_VALUE…]                     split a range (at the median reported key if none given)
  move RANGE FROM|- TO                            move one replica of a range (waits until done)
  drain LEAF                                      move every replica off a leaf

control plane:
  balancer --etcd URL                             the balancer daemon (leader-elected)

'canopy COMMAND --help' for a command's options.`;

type Command = (args: string[], io: Io) => Promise<number>;

// Loaded lazily: client commands never load the daemons' code (faster start, fewer deps).
const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import('./cmd-dev.js')).devCommand,
  leaf: async () => (await import('./cmd-daemons.js')).leafCommand,
  gateway: async () => (await import('./cmd-daemons.js')).gatewayCommand,
  query: async () => (await import('./cmd-query.js')).queryCommand,
  'query-range': async () => (await import('./cmd-query.js')).queryRangeCommand,
  explain: async () => (await import('./cmd-query.js')).explainCommand,
  write: async () => (await import('./cmd-write.js')).writeCommand,
  leaves: async () => (await import('./cmd-admin.js')).leavesCommand,
  ranges: async () => (await import('./cmd-admin.js')).rangesCommand,
  split: async () => (await import('./cmd-admin.js')).splitCommand,
  move: async () => (await import('./cmd-admin.js')).moveCommand,
  drain: async () => (await import('./cmd-admin.js')).drainCommand,
  balancer: async () => (await import('./cmd-balancer.js')).balancerCommand,
};

/** Runs one command line; returns the exit code (never throws). */
export async function runCli(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`canopy: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    const cmd = await load();
    return await cmd(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`canopy ${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof CanopyError) {
      if (e.code === 'UNAVAILABLE' && /No connection established|ECONNREFUSED/i.test(e.message)) {
        const why = (/connect [A-Z]+ \S+/.exec(e.message)?.[0] ?? e.message).replace(/\.$/, '');
        io.err(`canopy ${name}: error: cannot reach a gateway at ${addrOf(rest)} (${why}): is one running there?`);
      } else io.err(`canopy ${name}: error: ${e.message}`);
      return 1;
    }
    io.err(`canopy ${name}: error: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}

function addrOf(args: string[]): string {
  const i = args.indexOf('--addr');
  if (i >= 0 && args[i + 1]) return args[i + 1]!;
  const eq = args.find((a) => a.startsWith('--addr='));
  return eq ? eq.slice('--addr='.length) : defaultAddr();
}

/** Resolves once everything written so far reached the OS (pipes are asynchronous: exiting earlier truncates output). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

const code = await runCli(process.argv.slice(2));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
