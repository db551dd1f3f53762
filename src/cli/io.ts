/** Where a command prints: stdout for results, stderr for progress, warnings and errors. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const PROCESS_IO: Io = {
  out: (line) => void process.stdout.write(line + '\n'),
  err: (line) => void process.stderr.write(line + '\n'),
};
