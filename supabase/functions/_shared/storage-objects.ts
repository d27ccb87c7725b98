/**
 * @module
 * Deleting objects through Storage's S3 protocol with presigned URLs (no SDK in the functions): one
 * object, or every object under a prefix (ListObjectsV2 pages of up to 1000 keys, then one DELETE each).
 * A missing object counts as deleted (S3 answers 204 either way), so both are safe to retry.
 *
 * @example
 * ```ts
 * const storage = createObjectStore(s3Credentials(config), { timeoutMs: 15_000 });
 * await storage.deleteObject("clips", key);
 * const deleted = await storage.deleteUnderPrefix("clips", `${userId}/`);
 * ```
 */
import { presignS3ListUrl, presignS3Url, type S3Credentials } from "./generated/s3/presign-v4.ts";

export interface ObjectStore {
  deleteObject(bucket: string, key: string): Promise<void>;
  listKeys(bucket: string, prefix: string): Promise<string[]>;
  /** Deletes every object whose key starts with `prefix`; returns how many were listed and deleted. */
  deleteUnderPrefix(bucket: string, prefix: string): Promise<number>;
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? "");

/** Keys, truncation flag and next token of one ListObjectsV2 XML page. */
export function parseListPage(xml: string): { keys: string[]; nextToken: string | undefined } {
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => unescapeXml(match[1]));
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
  return { keys, nextToken: truncated && token !== undefined ? unescapeXml(token) : undefined };
}

export function createObjectStore(
  credentials: S3Credentials,
  { timeoutMs, fetch: doFetch = fetch }: { timeoutMs: number; fetch?: typeof fetch },
): ObjectStore {
  const deleteObject = async (bucket: string, key: string) => {
    const url = await presignS3Url(credentials, { method: "DELETE", bucket, key, expiresInSeconds: 60 });
    const response = await doFetch(url, { method: "DELETE", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok && response.status !== 404) {
      throw new Error(`storage DELETE ${bucket}/${key} answered HTTP ${response.status}`);
    }
  };
  const listKeys = async (bucket: string, prefix: string) => {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const url = await presignS3ListUrl(credentials, {
        bucket,
        prefix,
        continuationToken,
        expiresInSeconds: 60,
      });
      const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (!response.ok) throw new Error(`storage list ${bucket}/${prefix} answered HTTP ${response.status}`);
      const page = parseListPage(text);
      // Never trust the server with the prefix: a key outside it is an error, not something to delete.
      const outside = page.keys.find((key) => !key.startsWith(prefix));
      if (outside !== undefined) throw new Error(`storage listed ${outside} outside the prefix ${prefix}`);
      keys.push(...page.keys);
      continuationToken = page.nextToken;
    } while (continuationToken !== undefined);
    return keys;
  };
  return {
    deleteObject,
    listKeys,
    async deleteUnderPrefix(bucket, prefix) {
      if (!prefix.endsWith("/") || prefix.length < 2) {
        throw new RangeError(
          `refusing to delete under "${prefix}": a prefix must be a folder like <user id>/`,
        );
      }
      const keys = await listKeys(bucket, prefix);
      for (const key of keys) await deleteObject(bucket, key);
      return keys.length;
    },
  };
}
