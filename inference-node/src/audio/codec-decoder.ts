/**
 * @module
 * Ogg Opus, Ogg Vorbis, FLAC and MP3 through the `wasm-audio-decoders` family (Ogg Opus through our own
 * packet extraction feeding its libopus build: opus-stream-decoder.ts), fed block by block so memory stays
 * flat however long the recording is. Each wasm decoder is loaded lazily: WAV-only callers never pay for
 * instantiating it.
 */
import type { AudioFormat } from "../engine/types.ts";
import { AudioDecodeError, type AudioDecodeWarning } from "./audio-decode-error.ts";
import type { ByteReader } from "./byte-reader.ts";
import { flacTailReachesEnd } from "./flac-frames.ts";
import { downmixToMono, type MonoPcmChunk } from "./mono-pcm.ts";
import { hasMpegFrameChain, id3v2Length, MpegFrameCounter, mpegTailIsCut } from "./mpeg-frames.ts";
import { type OggDamage, readOggBlock } from "./ogg-blocks.ts";
import { OggGapFiller } from "./ogg-gap-filler.ts";
import { StreamTail } from "./stream-tail.ts";
import type { DecodedAudio, StreamingDecoder } from "./streaming-decoder.ts";

/** Formats handled here (everything but WAV). */
export type CodecFormat = Exclude<AudioFormat, "auto" | "wav">;

/** Bytes handed to the decoder per call: ≈5 s of 24 kbit/s Opus; big enough to amortise wasm call overhead. */
const INPUT_BLOCK_BYTES = 1 << 14;
/** Below this many decoded errors we only warn; a pendant's radio glitch costs a frame or two. */
const MIN_ERRORS_FOR_CORRUPT = 3;
/** More than this fraction of frames failing means the file is damaged, not glitched. */
const MAX_ERROR_FRAME_FRACTION = 0.5;
/** A stream this small that decodes to nothing is a header-only file (EMPTY), not a damaged one. */
const HEADER_ONLY_MAX_BYTES = 4096;
/**
 * FLAC frames lost to damage beyond which the file is failed rather than decoded with a gap. The wasm
 * FLAC decoder does not resync after a damaged frame header: one flipped byte silently dropped the rest
 * of the stream (11.0 s → 5.9 s, issue 10 item 4), so a shortfall against STREAMINFO is checked here.
 */
const MAX_LOST_FLAC_FRAMES = 2;
/** Bytes kept from the end of an MP3 stream to check its last frame: several of the largest frames. */
const MPEG_TAIL_BYTES = 8 * 1024;
/** Bytes kept from the end of a FLAC stream to find its last frame header (a few typical frames). */
const FLAC_TAIL_BYTES = 64 * 1024;
/**
 * MP3 frames the decoder may yield fewer than the stream holds without it being damage: LAME's Info frame
 * carries no audio, and gapless trimming drops the encoder's delay and padding (together under two frames).
 */
const MPEG_FRAME_TOLERANCE = 3;
/** Opus decodes natively at 16 kHz (libopus supports 8/12/16/24/48 kHz), which skips resampling entirely. */
const OPUS_OUTPUT_RATE_HZ = 16_000;

const FORMAT_LABEL: Readonly<Record<CodecFormat, string>> = {
  "ogg-opus": "Ogg Opus",
  "ogg-vorbis": "Ogg Vorbis",
  flac: "FLAC",
  mp3: "MP3",
};

async function createDecoder(format: CodecFormat): Promise<StreamingDecoder> {
  switch (format) {
    case "ogg-opus": {
      const [{ OggOpusStreamDecoder }, { OpusDecoder }] = await Promise.all([
        import("./opus-stream-decoder.ts"),
        import("opus-decoder"),
      ]);
      return new OggOpusStreamDecoder(OpusDecoder, OPUS_OUTPUT_RATE_HZ);
    }
    case "ogg-vorbis": {
      const { OggVorbisDecoder } = await import("@wasm-audio-decoders/ogg-vorbis");
      return new OggVorbisDecoder();
    }
    case "flac": {
      const { FLACDecoder } = await import("@wasm-audio-decoders/flac");
      return new FLACDecoder();
    }
    case "mp3": {
      const { MPEGDecoder } = await import("mpg123-decoder");
      return new MPEGDecoder();
    }
  }
}

/**
 * Runs a decoder step with `console.error` silenced: mpg123-decoder and the FLAC decoder print every bad
 * frame to stderr themselves; we report them once, through `onWarning`. Only the synchronous part of the
 * step runs silenced, so nobody else's messages are lost.
 */
function quietly<T>(step: () => T): T {
  const original = console.error;
  console.error = () => {};
  try {
    return step();
  } finally {
    console.error = original;
  }
}

/** A FLAC stream's STREAMINFO: total samples per channel (0 = unknown) and the largest block size. */
function readStreamInfo(head: Uint8Array): { totalSamples: number; maxBlockSize: number } | undefined {
  // "fLaC", then metadata block 0 (must be STREAMINFO, type 0) with a 4-byte header and a 34-byte body.
  if (head.byteLength < 42 || String.fromCharCode(...head.subarray(0, 4)) !== "fLaC") return undefined;
  if ((head[4] & 0x7f) !== 0) return undefined;
  const body = head.subarray(8, 42);
  const maxBlockSize = (body[2] << 8) | body[3];
  const lowBits = ((body[14] << 24) | (body[15] << 16) | (body[16] << 8) | body[17]) >>> 0;
  const totalSamples = (body[13] & 0x0f) * 2 ** 32 + lowBits;
  const sampleRateHz = (body[10] << 12) | (body[11] << 4) | (body[12] >> 4);
  return { totalSamples: sampleRateHz > 0 ? totalSamples : 0, maxBlockSize };
}

/** Bytes searched for the first run of three frames (after any ID3v2 tag). */
const MPEG_SYNC_WINDOW_BYTES = 64 * 1024;
/** ID3v2 tags larger than this (album art) are not read past to check the frames: no verdict. */
const MAX_CHECKED_ID3_BYTES = 4 * 1024 * 1024;

/**
 * Throws CORRUPT_AUDIO unless three consecutive MPEG frames appear within the first 64 KB after any ID3v2
 * tag. mpg123 resyncs on anything that looks like one frame header and decodes it: 200 KB of repeated
 * headers came out as 13 s of "audio" (issue 10 item 15).
 */
async function assertMpegFrames(reader: ByteReader): Promise<void> {
  const tagBytes = id3v2Length(await reader.peek(10));
  if (tagBytes > MAX_CHECKED_ID3_BYTES) return;
  const head = await reader.peek(tagBytes + MPEG_SYNC_WINDOW_BYTES);
  if (head.byteLength <= tagBytes) return; // nothing after the tag: the decoder reports it empty
  if (!hasMpegFrameChain(head.subarray(tagBytes))) {
    throw new AudioDecodeError(
      "CORRUPT_AUDIO",
      `MP3: no run of consecutive MPEG audio frames in the first ${MPEG_SYNC_WINDOW_BYTES} bytes after byte ${tagBytes}; this is not MP3 audio`,
      { byteOffset: tagBytes },
    );
  }
}

/** Rough samples per frame, to count frames the decoders do not number (mpg123 tags every error frame 0). */
function samplesPerFrame(format: CodecFormat, sampleRateHz: number): number {
  switch (format) {
    case "mp3":
      return sampleRateHz >= 32_000 ? 1152 : 576;
    case "ogg-opus":
      return (sampleRateHz * 20) / 1000;
    case "ogg-vorbis":
      return 1024;
    case "flac":
      return 4096;
  }
}

/**
 * Decodes a compressed stream to mono chunks at the codec's output rate. Damage (bad frames, Ogg pages failing
 * their CRC, MP3 frames the decoder lost while resyncing, FLAC samples short of STREAMINFO in a stream that
 * reaches its end) is reported through `onWarning`; a stream that ends early is reported `truncated`. The
 * stream is CORRUPT_AUDIO if it yields no audio or is mostly damage.
 */
export async function* decodeCodec(
  reader: ByteReader,
  format: CodecFormat,
  onWarning: (warning: AudioDecodeWarning) => void,
): AsyncGenerator<MonoPcmChunk> {
  const label = FORMAT_LABEL[format];
  const isOgg = format === "ogg-opus" || format === "ogg-vorbis";
  let decoder: StreamingDecoder | undefined;
  try {
    decoder = await createDecoder(format);
    await decoder.ready;
    let sampleTotal = 0;
    /** Decoded audio, seconds (the output rate may change mid-stream). */
    let decodedSeconds = 0;
    let errorCount = 0;
    /** Frames decoded, estimated from samples (see samplesPerFrame). */
    let goodFrames = 0;
    let firstErrorOffset: number | undefined;
    let blockOffset = 0;
    const streamInfo = format === "flac" ? readStreamInfo(await reader.peek(42)) : undefined;
    if (format === "mp3") await assertMpegFrames(reader);
    const mpegFrames =
      format === "mp3" ? new MpegFrameCounter(id3v2Length(await reader.peek(10))) : undefined;

    const collect = (result: DecodedAudio): MonoPcmChunk | undefined => {
      for (const error of result.errors) {
        errorCount++;
        // The decoders count codec payload bytes, not file bytes; the block's file offset is the honest answer.
        firstErrorOffset ??= blockOffset;
        onWarning({
          message: `${label}: a damaged frame near byte ${blockOffset} was skipped: ${error.message}`,
          byteOffset: blockOffset,
        });
      }
      if (result.samplesDecoded === 0 || result.channelData.length === 0) return undefined;
      sampleTotal += result.samplesDecoded;
      decodedSeconds += result.samplesDecoded / result.sampleRate;
      goodFrames += result.samplesDecoded / samplesPerFrame(format, result.sampleRate);
      return {
        sampleRateHz: result.sampleRate,
        samples: downmixToMono(result.channelData, result.samplesDecoded),
      };
    };

    const run = async (step: () => DecodedAudio | Promise<DecodedAudio>): Promise<DecodedAudio> => {
      try {
        return await quietly(step);
      } catch (cause) {
        throw new AudioDecodeError(
          "CORRUPT_AUDIO",
          `${label} decoder failed near byte ${blockOffset}: ${cause instanceof Error ? cause.message : String(cause)}`,
          { byteOffset: blockOffset, cause },
        );
      }
    };

    /** Ogg: stretches skipped as damaged (ogg-blocks.ts), and their total length. */
    let damagedStretches = 0;
    let damagedBytes = 0;
    let lastDamageEnd = -1;
    /** Ogg: where the last intact page ended, whether it ended its logical stream, whether the input ended mid-page. */
    let lastPageEnd = 0;
    let lastPageWasEndOfStream = false;
    let cutMidPage = false;
    const noteDamage = (damage: OggDamage) => {
      damagedStretches++;
      damagedBytes += damage.byteLength;
      lastDamageEnd = damage.byteOffset + damage.byteLength;
      firstErrorOffset ??= damage.byteOffset;
      onWarning({
        message: `${label}: ${damage.byteLength} damaged byte(s) at byte ${damage.byteOffset} (a page failing its CRC check, or no page at all) were skipped`,
        byteOffset: damage.byteOffset,
      });
    };
    /** MP3 and FLAC: the stream's last bytes, to see how it ends (mpeg-frames.ts, flac-frames.ts). */
    const tail = new StreamTail(format === "flac" ? FLAC_TAIL_BYTES : MPEG_TAIL_BYTES);
    /** Ogg: silence where damaged pages were skipped, so later audio keeps its time (ogg-gap-filler.ts). */
    const gaps = isOgg ? new OggGapFiller(format) : undefined;
    const placed = (chunk: MonoPcmChunk | undefined, flushed = false): MonoPcmChunk[] =>
      gaps === undefined ? (chunk === undefined ? [] : [chunk]) : gaps.place(chunk, { flushed });
    for (;;) {
      blockOffset = reader.offset;
      const {
        bytes: block,
        endOfStream,
        partialPage,
        damage,
        pagesEndOffset,
        granules,
      } = isOgg
        ? await readOggBlock(reader, INPUT_BLOCK_BYTES)
        : {
            bytes: await reader.read(INPUT_BLOCK_BYTES),
            endOfStream: false,
            partialPage: false,
            damage: [],
            pagesEndOffset: reader.offset,
            granules: [],
          };
      for (const stretch of damage) noteDamage(stretch);
      cutMidPage ||= partialPage === true;
      if (block.byteLength === 0) break;
      if (isOgg) {
        lastPageWasEndOfStream = endOfStream;
        lastPageEnd = pagesEndOffset;
        gaps?.pagesFed(granules, damage.length > 0);
      } else {
        tail.push(block);
        mpegFrames?.push(block);
      }
      const active = decoder;
      yield* placed(collect(await run(() => active.decode(block))));
      if (endOfStream && active.flush) {
        // Chained Ogg: finish this logical stream before the next one's header arrives (see ogg-blocks.ts).
        yield* placed(collect(await run(() => active.flush!())), true);
      }
    }
    if (decoder.flush) {
      const active = decoder;
      yield* placed(collect(await run(() => active.flush!())), true);
    }
    if (gaps !== undefined) yield* gaps.finish();

    if (sampleTotal === 0) {
      if (errorCount === 0 && damagedStretches === 0 && reader.offset <= HEADER_ONLY_MAX_BYTES) {
        throw new AudioDecodeError("EMPTY_AUDIO", `${label} stream has headers but no audio`, {
          byteOffset: 0,
        });
      }
      throw new AudioDecodeError(
        "CORRUPT_AUDIO",
        `${label} stream of ${reader.offset} bytes decoded to no audio` +
          (errorCount + damagedStretches > 0
            ? ` (${errorCount} frame errors, ${damagedBytes} damaged bytes skipped)`
            : " (no decodable frames found)"),
        { byteOffset: firstErrorOffset ?? 0 },
      );
    }
    // Errors counted against every frame seen (errors + decoded): a few glitches in a long file are
    // skipped, a file that is mostly damage is refused. Ogg damage is counted in bytes against the stream.
    const framesSeen = errorCount + Math.round(goodFrames);
    if (errorCount >= MIN_ERRORS_FOR_CORRUPT && errorCount > MAX_ERROR_FRAME_FRACTION * framesSeen) {
      throw new AudioDecodeError(
        "CORRUPT_AUDIO",
        `${label} stream is mostly damaged: ${errorCount} of about ${framesSeen} frames failed to decode`,
        firstErrorOffset === undefined ? undefined : { byteOffset: firstErrorOffset },
      );
    }
    if (
      damagedStretches >= MIN_ERRORS_FOR_CORRUPT &&
      damagedBytes > MAX_ERROR_FRAME_FRACTION * reader.offset
    ) {
      throw new AudioDecodeError(
        "CORRUPT_AUDIO",
        `${label} stream is mostly damaged: ${damagedBytes} of its ${reader.offset} bytes are not intact Ogg pages`,
        firstErrorOffset === undefined ? undefined : { byteOffset: firstErrorOffset },
      );
    }
    // Ogg streams end with an end-of-stream page; MP3 frames end where the stream ends. Otherwise the
    // upload was cut: say so (issue 10 item 6). A stream whose last pages are damaged is not cut: its end
    // is there, and the damage was reported above.
    const endsInDamage = lastDamageEnd > lastPageEnd && lastDamageEnd >= reader.offset;
    if (isOgg && (cutMidPage || (!lastPageWasEndOfStream && !endsInDamage))) {
      onWarning({
        message: `${label} stream ends ${cutMidPage ? "inside a page" : "without its end-of-stream page"} at byte ${reader.offset}: it was cut`,
        byteOffset: reader.offset,
        truncated: true,
      });
    }
    if (mpegFrames !== undefined) {
      mpegFrames.end();
      if (mpegTailIsCut(tail.bytes())) {
        onWarning({
          message: `${label} stream ends inside a frame at byte ${reader.offset}: it was cut`,
          byteOffset: reader.offset,
          truncated: true,
        });
      }
      if (mpegFrames.gapBytes > 0) {
        firstErrorOffset ??= mpegFrames.firstGapOffset;
        onWarning({
          message: `${label}: ${mpegFrames.gapBytes} byte(s) between frames${mpegFrames.firstGapOffset === undefined ? "" : `, the first at byte ${mpegFrames.firstGapOffset},`} are not MPEG frames (damage) and were skipped`,
          ...(mpegFrames.firstGapOffset === undefined ? {} : { byteOffset: mpegFrames.firstGapOffset }),
        });
      }
      // mpg123 skips frames without a word while it resyncs after damage: count them against the real ones.
      const lostSeconds = mpegFrames.seconds - decodedSeconds;
      if (lostSeconds > MPEG_FRAME_TOLERANCE * mpegFrames.longestFrameSeconds) {
        const lostFrames = Math.round(lostSeconds / mpegFrames.longestFrameSeconds);
        const near = mpegFrames.firstGapOffset ?? firstErrorOffset;
        onWarning({
          message: `${label}: about ${lostFrames} of the stream's ${mpegFrames.frames} frames (${lostSeconds.toFixed(1)} s) were lost to damage${near === undefined ? "" : ` near byte ${near}`}: the decoder skipped them while resyncing`,
          ...(near === undefined ? {} : { byteOffset: near }),
        });
      }
    }
    if (streamInfo !== undefined && streamInfo.totalSamples > sampleTotal) {
      const missing = streamInfo.totalSamples - sampleTotal;
      const detail = `decoded ${sampleTotal} of the ${streamInfo.totalSamples} samples its STREAMINFO announces`;
      // In a fixed-block-size stream every frame but the last holds maxBlockSize samples.
      const complete = flacTailReachesEnd(tail.bytes(), streamInfo.totalSamples, streamInfo.maxBlockSize);
      if (!complete) {
        // The stream ends before its last frame: a cut upload, whatever else happened before the cut.
        onWarning({
          message: `${label} stream ends early: ${detail}`,
          byteOffset: reader.offset,
          truncated: true,
        });
      } else if (missing > MAX_LOST_FLAC_FRAMES * Math.max(1, streamInfo.maxBlockSize)) {
        throw new AudioDecodeError(
          "CORRUPT_AUDIO",
          `${label} stream is damaged${firstErrorOffset === undefined ? "" : ` (found at byte ${firstErrorOffset})`} and the decoder could not resync: ${detail}, though the stream runs to its last frame`,
          { byteOffset: firstErrorOffset ?? 0 },
        );
      } else if (errorCount === 0) {
        onWarning({
          message: `${label} stream is damaged: ${detail}, though the stream runs to its last frame`,
        });
      }
    }
  } finally {
    decoder?.free();
  }
}
