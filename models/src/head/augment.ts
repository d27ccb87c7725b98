/**
 * @module
 * Seeded audio for training and evaluation: room tone and noise made here (no recorded assets), and
 * mixes of a laugh into a background at a given signal-to-noise ratio, the way a pendant hears a laugh
 * across a table over talk, noise or a quiet room. Same seed, same samples.
 */
import { seededRandom } from "../../../tooling/seeded-random.ts";

/** Root mean square of a signal (0 for an empty one). */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** dBFS (relative to a full-scale sine's RMS of 1/√2 is not used: plain 20·log10 of the RMS). */
export const dbToGain = (db: number): number => 10 ** (db / 20);

/**
 * Quiet room tone: low-passed (brown-ish) noise plus a faint mains hum and a little white noise, at
 * `levelDb` dBFS RMS. Pendants between conversations record mostly this.
 */
export function roomTone(
  sampleCount: number,
  levelDb: number,
  seed: number,
  sampleRateHz = 16_000,
): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(sampleCount);
  let brown = 0;
  const humHz = random() < 0.5 ? 50 : 60;
  const humGain = 0.2 * random();
  for (let i = 0; i < sampleCount; i++) {
    const white = random() * 2 - 1;
    brown = 0.995 * brown + 0.05 * white;
    out[i] = brown + 0.05 * white + humGain * Math.sin((2 * Math.PI * humHz * i) / sampleRateHz);
  }
  return scaleTo(out, dbToGain(levelDb));
}

/** Pink-ish noise (Paul Kellet's economy filter) at `levelDb` dBFS RMS: fans, traffic, rustle. */
export function pinkNoise(sampleCount: number, levelDb: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(sampleCount);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < sampleCount; i++) {
    const white = random() * 2 - 1;
    b0 = 0.99765 * b0 + white * 0.099046;
    b1 = 0.963 * b1 + white * 0.2965164;
    b2 = 0.57 * b2 + white * 1.0526913;
    out[i] = b0 + b1 + b2 + white * 0.1848;
  }
  return scaleTo(out, dbToGain(levelDb));
}

/** Scales a signal in place to the given RMS (leaves silence alone). */
export function scaleTo(samples: Float32Array, targetRms: number): Float32Array {
  const current = rms(samples);
  if (current === 0) return samples;
  const gain = targetRms / current;
  for (let i = 0; i < samples.length; i++) samples[i] *= gain;
  return samples;
}

/**
 * A laugh mixed into a background at `snrDb` (laugh RMS over background RMS), the background looped or
 * cut to the laugh's length plus `padSamples` each side; the result is scaled to `levelDb` dBFS RMS and
 * clipped to [-1, 1].
 */
export function mixAtSnr(
  laugh: Float32Array,
  background: Float32Array,
  snrDb: number,
  options: { padSamples: number; levelDb: number; offset: number },
): Float32Array {
  const { padSamples, levelDb, offset } = options;
  const length = laugh.length + 2 * padSamples;
  const bed = new Float32Array(length);
  for (let i = 0; i < length; i++) bed[i] = background[(offset + i) % background.length];
  const laughRms = rms(laugh);
  const bedRms = rms(bed);
  const gain = bedRms === 0 || laughRms === 0 ? 1 : (laughRms / bedRms) * dbToGain(-snrDb);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = bed[i] * gain;
  for (let i = 0; i < laugh.length; i++) out[padSamples + i] += laugh[i];
  scaleTo(out, dbToGain(levelDb));
  for (let i = 0; i < length; i++) out[i] = Math.max(-1, Math.min(1, out[i]));
  return out;
}
