/**
 * @module
 * Envelope encryption of a user's Limitless API key: AES-256-GCM (Web Crypto, so the same code runs in
 * the Edge Functions and in Node tests) under a key-encryption key (KEK) that lives outside the database
 * (a function secret, or Vault). The associated data binds a ciphertext to its user and KEK version, so
 * a ciphertext copied onto another user's row, or relabelled with another version, does not decrypt.
 *
 * Rotation: a keyring holds every KEK version still in use; new keys are sealed with the highest one,
 * old rows open with theirs (`kekVersion` is stored next to the ciphertext).
 *
 * @example
 * ```ts
 * const keyring = await parseKeyring("1:<base64 of 32 random bytes>");
 * const sealed = await sealApiKey(keyring, userId, "sk-…");
 * const apiKey = await openApiKey(keyring, userId, sealed);
 * ```
 */

/** KEK versions → AES-256-GCM keys (non-extractable); `current` seals new keys. */
export interface Keyring {
  current: number;
  keys: ReadonlyMap<number, CryptoKey>;
}

export interface SealedApiKey {
  /** Ciphertext followed by the 16-byte GCM tag. */
  ciphertext: Uint8Array<ArrayBuffer>;
  /** 12 random bytes, fresh per seal. */
  iv: Uint8Array<ArrayBuffer>;
  kekVersion: number;
}

const encoder = new TextEncoder();
const IV_BYTES = 12;

/** The associated data: user id and KEK version (never secret, always checked). */
export function apiKeyAad(userId: string, kekVersion: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`giggles/limitless-key/v${kekVersion}/${userId}`);
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Parses `"<version>:<base64 32 bytes>[,<version>:<base64>…]"` (e.g. the `LIMITLESS_KEKS` secret).
 * Throws a message that names the problem but never echoes key material.
 */
export async function parseKeyring(spec: string): Promise<Keyring> {
  const keys = new Map<number, CryptoKey>();
  for (const entry of spec
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)) {
    const match = /^(\d{1,6}):([A-Za-z0-9+/]+={0,2})$/.exec(entry);
    if (match === null) throw new Error("each KEK entry must be <version>:<base64 of 32 bytes>");
    const version = Number(match[1]);
    if (version < 1 || keys.has(version)) throw new Error(`KEK version ${version} is invalid or repeated`);
    const raw = base64ToBytes(match[2]);
    if (raw.byteLength !== 32) throw new Error(`KEK version ${version} is not 32 bytes (AES-256)`);
    keys.set(version, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  if (keys.size === 0) throw new Error("the keyring holds no KEK");
  return { current: Math.max(...keys.keys()), keys };
}

/** Encrypts `apiKey` for `userId` with the current KEK. */
export async function sealApiKey(keyring: Keyring, userId: string, apiKey: string): Promise<SealedApiKey> {
  const key = keyring.keys.get(keyring.current);
  if (key === undefined) throw new Error(`KEK version ${keyring.current} is missing`);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: apiKeyAad(userId, keyring.current) },
    key,
    encoder.encode(apiKey),
  );
  return { ciphertext: new Uint8Array(ciphertext), iv, kekVersion: keyring.current };
}

/** Decrypts a sealed key of `userId`; throws when the KEK version is unknown or the data was altered. */
export async function openApiKey(keyring: Keyring, userId: string, sealed: SealedApiKey): Promise<string> {
  const key = keyring.keys.get(sealed.kekVersion);
  if (key === undefined) {
    throw new Error(`KEK version ${sealed.kekVersion} is not in the keyring; add it back to decrypt`);
  }
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.iv, additionalData: apiKeyAad(userId, sealed.kekVersion) },
    key,
    sealed.ciphertext,
  );
  return new TextDecoder().decode(plaintext);
}
