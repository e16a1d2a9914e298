import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A login kept for one API: the token itself, and who it is for, to show without asking the API. */
export interface StoredLogin {
  token: string;
  email: string;
  role: string;
  expiresAt: string;
}

/** `$XDG_CONFIG_HOME/frookoon/credentials.json`, or `~/.config/frookoon/credentials.json`. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'frookoon', 'credentials.json');
}

/**
 * Logins by API URL, so that a local API and a staging one each keep their own. The file is readable by its
 * owner only (0600, in a 0700 directory): a token is as good as a password until it expires or is revoked.
 */
export class CredentialStore {
  constructor(readonly path: string) {}

  async get(url: string): Promise<StoredLogin | undefined> {
    return (await this.readAll())[url];
  }

  async set(url: string, login: StoredLogin): Promise<void> {
    await this.writeAll({ ...(await this.readAll()), [url]: login });
  }

  /** Whether there was a login for `url` to forget. */
  async remove(url: string): Promise<boolean> {
    const { [url]: removed, ...rest } = await this.readAll();
    if (!removed) return false;
    if (Object.keys(rest).length === 0) await rm(this.path, { force: true });
    else await this.writeAll(rest);
    return true;
  }

  private async readAll(): Promise<Record<string, StoredLogin>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, StoredLogin>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`Cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Written aside and renamed over, so that a reader never sees half a file and the token is never world-readable. */
  private async writeAll(logins: Record<string, StoredLogin>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const partial = `${this.path}.${process.pid}.partial`;
    await writeFile(partial, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
    await chmod(partial, 0o600);
    await rename(partial, this.path);
  }
}
