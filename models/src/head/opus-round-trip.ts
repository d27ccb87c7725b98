/**
 * @module
 * Audio as a pendant stores it: 16 kHz mono samples encoded to Ogg Opus at 24 kbit/s with `opusenc`
 * (Debian opus-tools, the encoder the pendant-day evaluation uses) and decoded again by the engine's own
 * decoder. Training on such copies lets the head see the codec's smearing it meets in production.
 */
import { decodeTo16kMono } from "../../../inference-node/src/audio/decode-stream.ts";
import { collectSamples } from "../../../inference-node/src/audio/wav-fixtures.ts";
import { PENDANT_OPUS_KBPS, spawnOpusEncoder } from "../../../test/bench/opus-encoder.ts";

/**
 * `samples` through Opus at `bitrateKbps` and back (16 kHz mono, same start; the encoder's pre-skip is
 * removed by the decoder).
 *
 * @example const heard = await opusRoundTrip(await decodeFile("laugh.wav"));
 */
export async function opusRoundTrip(
  samples: Float32Array,
  bitrateKbps = PENDANT_OPUS_KBPS,
): Promise<Float32Array> {
  const encoder = spawnOpusEncoder("-", samples.length, bitrateKbps);
  const stdout = encoder.stdout;
  if (stdout === null) throw new Error("opusRoundTrip: the encoder has no stdout");
  const encode = async (): Promise<void> => {
    await encoder.write(samples);
    await encoder.end();
  };
  const [decoded] = await Promise.all([collectSamples(decodeTo16kMono(stdout)), encode()]);
  return decoded;
}
