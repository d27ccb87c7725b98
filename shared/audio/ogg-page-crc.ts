/**
 * @module
 * Ogg's page checksum (RFC 3533 §6: CRC-32, polynomial 0x04c11db7, not reflected, initial 0, over the whole
 * page with its CRC field taken as zero). The node checks pages with it (ogg-blocks.ts); the page writes it
 * when it cuts an Ogg file into standalone parts (web/src/ogg-part.ts).
 *
 * @example
 * ```ts
 * const page = oggPage; // bytes of one page, "OggS" first
 * oggPageCrc(page) === readStoredCrc(page); // intact
 * ```
 */

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, index) => {
  let crc = index << 24;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  return crc >>> 0;
});

/** Where a page stores its CRC (bytes 22–25, little-endian). */
export const OGG_CRC_FIELD_OFFSET = 22;

/** The CRC of `page` as computed with its CRC field (bytes 22–25) read as zero. */
export function oggPageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let at = 0; at < page.byteLength; at++) {
    const byte = at >= OGG_CRC_FIELD_OFFSET && at < OGG_CRC_FIELD_OFFSET + 4 ? 0 : (page[at] ?? 0);
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  }
  return crc;
}
