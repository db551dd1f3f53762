/**
 * The `canopy` command: dispatches to one module per command. Results go to stdout; progress,
 * warnings and errors to stderr. Exit codes: 0 ok, 1 error, 2 usage error.
 */
import { CanopyError } from '../model/index.js';
import { UsageError, defaultAddr } from './args.js';
import { leavesCommand, rangesCommand } from './cmd-admin.js';
import { gatewayCommand, leafCommand } from './cmd-daemons.js';
import { devCommand } from './cmd-dev.js';
import { explainCommand, queryCommand, queryRangeCommand } from './cmd-query.js';
import { writeCommand } from './cmd-write.js';
import { PROCESS_IO, type Io } from './io.js';

export const USAGE = `usage: canopy COMMAND [options]

daemons:
  dev [--leaves N] [--demo] [--grpc-addr ADDR]   gateway + N leaves in one process (npm start)
  leaf --id ID [--listen ADDR] [--zone Z]         one leaf daemon
  gateway --leaf ID=ADDR … [--grpc-addr ADDR]     the gateway over the given leaves

clients (--addr HOST:PORT, default $CANOPY_ADDR or 127.0.0.1:7400; --tenant ID):
  query EXPR [--time T] [--json]                  instant query
  query-range EXPR --start S --end E --step D     range query
  explain EXPR                                    the plan and fan-out of a query
  write FILE|-                                    write a Prometheus text / OpenMetrics exposition
  leaves                                          leaves as the gateway sees them
  ranges                                          the range assignment

'canopy COMMAND --help' for a command's options.`;

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  dev: devCommand,
  leaf: leafCommand,
  gateway: gatewayCommand,
  query: queryCommand,
  'query-range': queryRangeCommand,
  explain: explainCommand,
  write: writeCommand,
  leaves: leavesCommand,
  ranges: rangesCommand,
};

/** Runs one command line; returns the exit code (never throws). */
export async function runCli(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`canopy: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await cmd(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`canopy ${name}: ${e.message}`);
      return 2;
    }
    if (e instanceof CanopyError) {
      const hint = e.code === 'UNAVAILABLE' && /No connection|ECONNREFUSED|connect/i.test(e.message) ? ` (is a gateway running at ${addrOf(rest)}?)` : '';
      io.err(`canopy ${name}: error: ${e.message}${hint}`);
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

const code = await runCli(process.argv.slice(2));
process.exit(code);
