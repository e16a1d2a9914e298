import { EventSource } from 'eventsource';
import type { Command } from 'commander';
import { createFrookoonClient, type FrookoonClient } from '@frookoon/sdk';
import { CredentialStore, credentialsPath } from './credentials';
import type { Output } from './output';

export interface GlobalOptions {
  json: boolean;
  url: string;
}

/** What every command works with: where the API is, how to answer, and the token to call it with. */
export interface CliContext extends Output {
  url: string;
  store: CredentialStore;
  /** The token in use and where it came from: `FROOKOON_TOKEN` wins over a stored login. */
  token(): Promise<{ token: string; source: string } | undefined>;
  client(token?: string): Promise<FrookoonClient>;
}

export function contextOf(command: Command): CliContext {
  const { json, url: rawUrl } = command.optsWithGlobals<GlobalOptions>();
  const url = rawUrl.replace(/\/+$/, '');
  const store = new CredentialStore(credentialsPath());
  const token = async () => {
    const fromEnv = process.env.FROOKOON_TOKEN;
    if (fromEnv) return { token: fromEnv, source: 'FROOKOON_TOKEN' };
    const stored = await store.get(url);
    return stored && { token: stored.token, source: store.path };
  };
  return {
    json: json === true,
    url,
    store,
    token,
    async client(explicit) {
      return createFrookoonClient({
        url,
        token: explicit ?? (await token())?.token,
        EventSource,
        retry: { attempts: 3, maxDelayMs: 2_000 },
      });
    },
  };
}
