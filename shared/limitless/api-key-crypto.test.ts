import { describe, expect, it } from "vitest";
import { openApiKey, parseKeyring, sealApiKey } from "./api-key-crypto.ts";

const kek = (fill: number) => Buffer.alloc(32, fill).toString("base64");
const ALICE = "0b7c3c4e-1d7a-4f57-9d1e-8f6f8a1c0001";
const BOB = "0b7c3c4e-1d7a-4f57-9d1e-8f6f8a1c0002";

describe("api key envelope encryption", () => {
  it("round-trips, never stores the plaintext, and uses a fresh iv each time", async () => {
    const keyring = await parseKeyring(`1:${kek(1)}`);
    const a = await sealApiKey(keyring, ALICE, "sk-limitless-secret");
    const b = await sealApiKey(keyring, ALICE, "sk-limitless-secret");
    expect(Buffer.from(a.ciphertext).includes(Buffer.from("sk-limitless"))).toBe(false);
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(a.ciphertext.byteLength).toBe("sk-limitless-secret".length + 16);
    expect(await openApiKey(keyring, ALICE, a)).toBe("sk-limitless-secret");
  });

  it("binds the ciphertext to its user and KEK version (AAD)", async () => {
    const keyring = await parseKeyring(`1:${kek(1)},2:${kek(2)}`);
    const sealed = await sealApiKey(keyring, ALICE, "sk-1");
    expect(sealed.kekVersion).toBe(2);
    await expect(openApiKey(keyring, BOB, sealed)).rejects.toThrow();
    await expect(openApiKey(keyring, ALICE, { ...sealed, kekVersion: 1 })).rejects.toThrow();
    const tampered = new Uint8Array(sealed.ciphertext);
    tampered[0] ^= 1;
    await expect(openApiKey(keyring, ALICE, { ...sealed, ciphertext: tampered })).rejects.toThrow();
  });

  it("rotation: old rows open with their version; a missing version is named", async () => {
    const old = await parseKeyring(`1:${kek(1)}`);
    const sealed = await sealApiKey(old, ALICE, "sk-old");
    const rotated = await parseKeyring(`1:${kek(1)},2:${kek(2)}`);
    expect(await openApiKey(rotated, ALICE, sealed)).toBe("sk-old");
    const dropped = await parseKeyring(`2:${kek(2)}`);
    await expect(openApiKey(dropped, ALICE, sealed)).rejects.toThrow("KEK version 1 is not in the keyring");
  });

  it("rejects malformed keyrings without echoing key material", async () => {
    await expect(parseKeyring("")).rejects.toThrow("no KEK");
    await expect(parseKeyring(`1:${Buffer.alloc(16).toString("base64")}`)).rejects.toThrow("not 32 bytes");
    await expect(parseKeyring(`1:${kek(1)},1:${kek(2)}`)).rejects.toThrow("repeated");
    await expect(parseKeyring("secret-material")).rejects.toThrow(/^each KEK entry/);
  });
});
