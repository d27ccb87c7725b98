/**
 * @module
 * Keeps the last bytes of a stream as it passes (to check how it ends: a cut MP3 frame, the last FLAC frame
 * header), holding references to the last few blocks instead of copying a window for every block.
 */

/** The last `capacityBytes` (at least) of everything pushed. */
export class StreamTail {
  private blocks: Uint8Array[] = [];
  private heldBytes = 0;
  private readonly capacityBytes: number;

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
  }

  push(block: Uint8Array): void {
    if (block.byteLength === 0) return;
    this.blocks.push(block);
    this.heldBytes += block.byteLength;
    while (
      this.blocks.length > 1 &&
      this.heldBytes - (this.blocks[0]?.byteLength ?? 0) >= this.capacityBytes
    ) {
      this.heldBytes -= this.blocks.shift()?.byteLength ?? 0;
    }
  }

  /** The last `capacityBytes` pushed (fewer if fewer were pushed). */
  bytes(): Uint8Array {
    const out = new Uint8Array(Math.min(this.capacityBytes, this.heldBytes));
    let end = out.byteLength;
    for (let index = this.blocks.length - 1; index >= 0 && end > 0; index--) {
      const block = this.blocks[index] ?? new Uint8Array(0);
      const take = Math.min(end, block.byteLength);
      out.set(block.subarray(block.byteLength - take), end - take);
      end -= take;
    }
    return out;
  }
}
