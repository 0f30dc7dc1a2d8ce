// The real Google clients, pointed at the local stand-ins.

import { CloudTasksClient } from '@google-cloud/tasks';
import { OAuth2Client } from 'google-auth-library';
import type { CloudTasksEmulator } from './cloud-tasks-emulator.js';

/** `@google-cloud/tasks` over its REST fallback, plain http on loopback, with a static access token. */
export function localCloudTasksClient(emulator: Pick<CloudTasksEmulator, 'host' | 'port'>): CloudTasksClient {
  return new CloudTasksClient({
    fallback: true,
    apiEndpoint: emulator.host,
    port: emulator.port,
    protocol: 'http',
    authClient: new OAuth2Client({ credentials: { access_token: 'local-test-access-token' } }),
  });
}
