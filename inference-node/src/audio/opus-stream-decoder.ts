/**
 * @module
 * Ogg Opus to PCM: our packet extraction (ogg-opus-packets.ts) feeding `opus-decoder`'s libopus WASM directly.
 *
 * It replaces `ogg-opus-decoder`: with its Ogg parser (codec-parser), its output copies and their garbage, about
 * 45 % of the calling thread's decode time was JavaScript rather than libopus (issue 21; decode alone went from
 * 3.2–3.5 to 2.3–2.6 CPU s per audio hour, `test/bench/decode-bench.ts`). Its output is bit-identical to ogg-opus-decoder 1.7.5 at the same
 * output rate, because the rules that decide which samples come out are the same:
 * - the pre-skip is converted from 48 kHz to the output rate with Math.round and dropped by libopus' wrapper;
 * - at an end-of-stream page the output is trimmed by that page's granule position, counted the way
 *   codec-parser counted it (packet durations from their TOC bytes, less the pre-skip; the last page clipped
 *   to its granule step), and then everything starts over: a chained stream gets a new decoder;
 * - the last page fed is held back until the next call (or `flush`), which ogg-gap-filler.ts relies on;
 * - a frame libopus rejects gives no samples and one entry in `errors` with libopus' message.
 * opus-stream-decoder.test.ts decodes real, chained, multichannel, repaginated and damaged files both ways and
 * compares every call's output. Deliberate differences, in inputs no encoder writes: an intact page with reserved
 * header-type bits set is decoded (codec-parser dropped it), an open packet survives a page with no segments
 * (codec-parser threw a TypeError), and a bad OpusHead throws a message saying what is wrong (again a TypeError).
 *
 * @example
 * ```ts
 * const { OpusDecoder } = await import("opus-decoder");
 * const decoder = new OggOpusStreamDecoder(OpusDecoder, 16_000);
 * const { channelData, samplesDecoded } = await decoder.decode(readOggBlockBytes);
 * const rest = await decoder.flush(); // at an end-of-stream page, and at the end of the input
 * decoder.free();
 * ```
 */
import type { OpusDecoder } from "opus-decoder";
import {
  OggPacketJoiner,
  type OggPage,
  type OggStreamKind,
  type OpusHead,
  oggStreamKind,
  opusPacketSamples48k,
  parseOpusHead,
  splitOggPages,
} from "./ogg-opus-packets.ts";
import type { DecodedAudio, DecodeErrorInfo, StreamingDecoder } from "./streaming-decoder.ts";

/** Rates libopus decodes to natively. */
export type OpusOutputRateHz = 8_000 | 12_000 | 16_000 | 24_000 | 48_000;

/** Opus granule positions (and OpusHead's pre-skip) count 48 kHz samples whatever the output rate. */
const GRANULE_RATE_HZ = 48_000;

/** One logical stream (serial number) since the last end-of-stream page or flush. */
interface StreamState {
  kind: OggStreamKind;
  joiner: OggPacketJoiner;
  previousGranule: bigint | undefined;
  /** Page 0's payload; parsed when the first audio packet needs it. */
  identification: Uint8Array | undefined;
  head: OpusHead | undefined;
  /** Pre-skip not yet counted off packet durations (48 kHz samples). */
  preSkipLeft48k: number | undefined;
}

/** A page as the decode loop needs it. */
interface ParsedPage {
  /** Audio packets ending on this page. */
  packets: Uint8Array[];
  head: OpusHead | undefined;
  endOfStream: boolean;
  /** Samples the packets parsed so far (this page's included) should decode to, at 48 kHz. */
  expectedSamples48k: number;
}

const NO_PACKETS: Uint8Array[] = [];

export class OggOpusStreamDecoder implements StreamingDecoder {
  readonly ready: Promise<void> = Promise.resolve();
  /** `opus-decoder`'s class, passed in so the package (its WASM inlined as text) loads only when Opus is decoded. */
  readonly #Decoder: typeof OpusDecoder;
  readonly #sampleRateHz: OpusOutputRateHz;
  /** The last page of the last block: decoded with the next call (or `flush`). */
  #held: OggPage | undefined;
  #streams = new Map<number, StreamState>();
  #decoder: OpusDecoder<OpusOutputRateHz> | undefined;
  #decoderReady = false;
  /** Channels of the last decoder started (kept across streams, as ogg-opus-decoder did). */
  #channelCount = 0;
  /** Output samples since the decoder started. */
  #decodedSamples = 0;
  /** Expected samples (48 kHz) of the packets parsed since the last reset. */
  #expectedSamples48k = 0;

  constructor(Decoder: typeof OpusDecoder, sampleRateHz: OpusOutputRateHz) {
    this.#Decoder = Decoder;
    this.#sampleRateHz = sampleRateHz;
  }

  /**
   * Decodes a block of whole Ogg pages, except its last page, which is held back until the next call. The
   * block's buffer is kept (not copied) until then: do not reuse it.
   */
  decode(bytes: Uint8Array): Promise<DecodedAudio> {
    const pages = splitOggPages(bytes);
    const last = pages.pop();
    if (last === undefined) return this.#decodePages(pages);
    if (this.#held !== undefined) pages.unshift(this.#held);
    this.#held = last;
    return this.#decodePages(pages);
  }

  /** Decodes the held page and starts over (the next page begins a new logical stream). */
  async flush(): Promise<DecodedAudio> {
    const held = this.#held;
    this.#held = undefined;
    const decoded = await this.#decodePages(held === undefined ? [] : [held]);
    this.#reset();
    return decoded;
  }

  free(): void {
    this.#held = undefined;
    this.#reset();
  }

  #reset(): void {
    if (this.#decoder !== undefined && this.#decoderReady) this.#decoder.free();
    this.#decoder = undefined;
    this.#decoderReady = false;
    this.#streams.clear();
    this.#expectedSamples48k = 0;
  }

  /**
   * Every page is parsed before any is decoded (a bad header fails the call before it decodes anything, as
   * it did in ogg-opus-decoder). Only starting a decoder awaits: otherwise the call's work is synchronous,
   * so libopus' own console.error for a bad frame stays inside codec-decoder.ts' `quietly`.
   */
  async #decodePages(pages: readonly OggPage[]): Promise<DecodedAudio> {
    const parsed = pages.map((page) => this.#parsePage(page));
    const outputs: Float32Array[][] = [];
    const errors: DecodeErrorInfo[] = [];
    let samplesThisCall = 0;
    let frames: Uint8Array[] = [];
    const decodeFrames = (decoder: OpusDecoder<OpusOutputRateHz>): void => {
      const decoded = decoder.decodeFrames(frames);
      frames = [];
      outputs.push(decoded.channelData);
      for (const error of decoded.errors) errors.push(error);
      samplesThisCall += decoded.samplesDecoded;
      this.#decodedSamples += decoded.samplesDecoded;
    };
    const decodePending = async (): Promise<void> => {
      const decoder = this.#decoder;
      if (frames.length === 0 || decoder === undefined) return;
      if (!this.#decoderReady) {
        await decoder.ready;
        this.#decoderReady = true;
      }
      decodeFrames(decoder);
    };
    for (const page of parsed) {
      if (page.packets.length > 0) {
        for (const packet of page.packets) frames.push(packet);
        if (this.#decoder === undefined && page.head !== undefined) this.#startDecoder(page.head);
      }
      if (page.endOfStream) {
        if (frames.length > 0) await decodePending();
        if (outputs.length > 0) {
          // Trim what the last packets decode to beyond the stream's end (ogg-opus-decoder's arithmetic).
          const rate = this.#sampleRateHz;
          const decoded48k = (this.#decodedSamples / rate) * GRANULE_RATE_HZ;
          const trimSamples = Math.round(((decoded48k - page.expectedSamples48k) / GRANULE_RATE_HZ) * rate);
          const last = outputs[outputs.length - 1] ?? [];
          if (trimSamples > 0) {
            for (let c = 0; c < last.length; c++) {
              const channel = last[c] ?? new Float32Array(0);
              last[c] = channel.subarray(0, channel.length - trimSamples);
            }
          }
          // A negative trim (fewer samples than the packets should give: frame errors) pads with silence below.
          samplesThisCall -= trimSamples;
          this.#decodedSamples -= trimSamples;
        }
        this.#reset();
      }
    }
    if (frames.length > 0) await decodePending();
    return this.#joined(outputs, samplesThisCall, errors);
  }

  /** One array per channel of `sampleCount` samples (zero-padded if the outputs are shorter). */
  #joined(outputs: Float32Array[][], sampleCount: number, errors: DecodeErrorInfo[]): DecodedAudio {
    const channelData: Float32Array[] = [];
    for (let c = 0; c < this.#channelCount; c++) {
      const only = outputs.length === 1 ? outputs[0]?.[c] : undefined;
      if (only !== undefined && only.length === sampleCount) {
        channelData.push(only); // the common case: one decodeFrames call, nothing to copy
        continue;
      }
      const channel = new Float32Array(sampleCount);
      let at = 0;
      for (const output of outputs) {
        const part = output[c];
        if (part === undefined) continue;
        channel.set(part, at);
        at += part.length;
      }
      channelData.push(channel);
    }
    return { channelData, samplesDecoded: sampleCount, sampleRate: this.#sampleRateHz, errors };
  }

  #startDecoder(head: OpusHead): void {
    const { streams } = head;
    this.#decoder = new this.#Decoder({
      sampleRate: this.#sampleRateHz,
      channels: head.channelCount,
      preSkip: Math.round((head.preSkip48k / GRANULE_RATE_HZ) * this.#sampleRateHz),
      forceStereo: false,
      ...(streams === undefined
        ? {}
        : {
            streamCount: streams.streamCount,
            coupledStreamCount: streams.coupledStreamCount,
            channelMappingTable: streams.channelMapping,
          }),
    });
    this.#decoderReady = false;
    this.#decodedSamples = 0;
    this.#channelCount = head.channelCount;
  }

  /** Packets and sample accounting for one page, in the order codec-parser applied its rules. */
  #parsePage(page: OggPage): ParsedPage {
    let stream = this.#streams.get(page.serialNumber);
    if (stream === undefined) {
      const kind = oggStreamKind(page.body);
      if (kind === "vorbis" || kind === "flac") {
        throw new Error(
          `an Ogg ${kind === "vorbis" ? "Vorbis" : "FLAC"} stream inside an Ogg Opus file is not supported`,
        );
      }
      stream = {
        kind,
        joiner: new OggPacketJoiner(),
        previousGranule: undefined,
        identification: undefined,
        head: undefined,
        preSkipLeft48k: undefined,
      };
      this.#streams.set(page.serialNumber, stream);
    }
    if (page.endOfStream) this.#streams.delete(page.serialNumber);
    const packets = stream.joiner.packetsOf(page);
    let granuleStep48k = 0;
    if (stream.previousGranule !== undefined)
      granuleStep48k = Number(page.granulePosition - stream.previousGranule);
    stream.previousGranule = page.granulePosition;
    const noAudio = {
      packets: NO_PACKETS,
      head: undefined,
      endOfStream: page.endOfStream,
      expectedSamples48k: this.#expectedSamples48k,
    };
    // A stream whose first page is not OpusHead (an Ogg Skeleton track, or an Opus stream whose header page
    // was damaged and skipped) is not decoded; pages 0 and 1 are the OpusHead and OpusTags headers.
    if (stream.kind !== "opus") return noAudio;
    if (page.sequenceNumber === 0) {
      stream.identification = page.body.slice();
      return noAudio;
    }
    if (page.sequenceNumber === 1 || packets.length === 0) return noAudio;
    const head = stream.head ?? this.#headOf(stream);
    stream.head = head;
    // On the end-of-stream page, packets are clipped to the granule step (codec-parser's trim).
    let granuleLeft48k = granuleStep48k;
    for (const packet of packets) {
      let samples48k = opusPacketSamples48k(packet);
      const preSkipLeft = stream.preSkipLeft48k ?? head.preSkip48k;
      if (preSkipLeft > 0) {
        stream.preSkipLeft48k = preSkipLeft - samples48k;
        samples48k = stream.preSkipLeft48k < 0 ? -stream.preSkipLeft48k : 0;
      } else {
        stream.preSkipLeft48k = preSkipLeft;
      }
      if (page.endOfStream) {
        const untrimmed = samples48k;
        if (granuleLeft48k < untrimmed) samples48k = Math.max(granuleLeft48k, 0);
        granuleLeft48k -= untrimmed;
      }
      this.#expectedSamples48k += samples48k;
    }
    return { packets, head, endOfStream: page.endOfStream, expectedSamples48k: this.#expectedSamples48k };
  }

  #headOf(stream: StreamState): OpusHead {
    if (stream.identification === undefined) {
      throw new Error("Ogg Opus stream has audio pages but no OpusHead header page (page 0)");
    }
    return parseOpusHead(stream.identification);
  }
}
