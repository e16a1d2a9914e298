import { hash, verify } from '@node-rs/argon2';

// Argon2id (the library's default algorithm) with OWASP's minimum profile: 19 MiB, 2 passes.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * A hash with the same parameters as every stored one, made when the module loads: checking it costs what checking a
 * real one does, and the first unknown email waits for no extra hashing.
 */
const dummyHash = hashPassword('frookoon-no-such-user');

/**
 * Checks a password against a stored hash. With no hash (unknown email) the dummy hash is checked instead,
 * so that a login for an unknown account takes as long as one with a wrong password.
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    await verify(await dummyHash, password);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
