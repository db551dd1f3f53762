/** The daemons' logger: pino JSON lines on stderr (stdout is for what the command prints). */
import { pino, type Logger } from 'pino';

export function cliLogger(name: string): Logger {
  return pino({ name, level: process.env['CANOPY_LOG_LEVEL'] ?? process.env['LOG_LEVEL'] ?? 'warn' }, pino.destination(2));
}
