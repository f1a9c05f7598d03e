import type { Command } from 'commander';
import { callApi } from '../http';
import { apiTargetFor, loadProfile, removeProfile } from '../profile';

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('end the session and delete the keys and certificates kept for it')
    .action(async () => {
      const p = loadProfile();
      if (!p) {
        console.log('Not logged in.');
        return;
      }
      try {
        await callApi(apiTargetFor(p), 'POST', '/logout', null);
      } catch (err) {
        // The local keys go regardless: a server that cannot be reached must not keep them here.
        console.error(`postern: could not revoke the session on ${p.proxy}: ${(err as Error).message}`);
      }
      removeProfile();
      console.log(`Logged out ${p.user} from ${p.proxy}.`);
    });
}
