/**
 * The log-mel front end alone: CPU seconds per audio hour of `createLogMelFrameComputer().computeFrames`
 * (window, FFT, mel, log) and of the FFT on its own, over seeded noise, three rounds each. Not part of
 * `npm test`. Usage: node bin/run-ts.mjs test/bench/front-end-bench.ts [audioSeconds=600]
 */
import { createRealFft } from "../../inference-node/src/features/fft.ts";
import {
  createLogMelFrameComputer,
  frameCountForSamples,
} from "../../inference-node/src/features/log-mel.ts";
import {
  FFT_SIZE,
  SAMPLE_RATE_HZ,
  SPECTRUM_BINS,
  STFT_WINDOW_SAMPLES,
} from "../../shared/yamnet/constants.ts";
import { seededRandom } from "../../tooling/seeded-random.ts";

const audioSeconds = Number(process.argv[2] ?? "600");
if (!Number.isInteger(audioSeconds) || audioSeconds < 1) {
  throw new Error(`audioSeconds must be a positive integer, got ${process.argv[2]}`);
}
const random = seededRandom(1);
const samples = new Float32Array(SAMPLE_RATE_HZ * audioSeconds).map(() => 2 * random() - 1);
const frames = frameCountForSamples(samples.length);

/** CPU seconds per audio hour of `run`. */
function cpuSecondsPerAudioHour(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6 / audioSeconds) * 3_600;
}

const logMel = createLogMelFrameComputer();
const spectrogram = new Float32Array(frames * 64);
const fft = createRealFft(FFT_SIZE);
const magnitude = new Float64Array(SPECTRUM_BINS);
const windowed = new Float64Array(FFT_SIZE).map((_, n) => (n < STFT_WINDOW_SAMPLES ? random() : 0));
logMel.computeFrames(samples, Math.min(frames, 2_000), spectrogram); // warm-up
for (let round = 1; round <= 3; round++) {
  const logMelS = cpuSecondsPerAudioHour(() => logMel.computeFrames(samples, frames, spectrogram));
  const fftS = cpuSecondsPerAudioHour(() => {
    for (let f = 0; f < frames; f++) fft.magnitude(windowed, magnitude);
  });
  console.log(
    `round ${round}: log-mel ${logMelS.toFixed(2)} CPU s per audio hour, of which the FFT alone ${fftS.toFixed(2)} (${frames} frames)`,
  );
}
