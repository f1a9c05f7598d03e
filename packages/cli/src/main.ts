import { Command, CommanderError } from 'commander';
import { registerAdmin } from './commands/admin';
import { registerAudit } from './commands/audit';
import { registerDb } from './commands/db';
import { registerLogin } from './commands/login';
import { registerLogout } from './commands/logout';
import { registerProxy } from './commands/proxy-db';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { CliError } from './errors';

const VERSION = '0.1.0';

function buildProgram(): Command {
  const program = new Command('postern')
    .description('Postern: identity-aware access to PostgreSQL and MySQL databases')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerStart(program);
  registerLogin(program);
  registerLogout(program);
  registerStatus(program);
  registerDb(program);
  registerProxy(program);
  registerAudit(program);
  registerAdmin(program);
  // Subcommands inherit the error handling so that usage errors exit 2, not throw.
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  // Typed errors of every package carry a message meant for a person.
  if (e && typeof e.message === 'string' && /Error$/.test(e.name ?? '') && e.name !== 'Error' && e.name !== 'TypeError') return e.message;
  return (err as Error)?.stack ?? String(err);
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version end here too, with code 0; commander has already printed.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  console.error(`postern: ${describe(err)}`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
