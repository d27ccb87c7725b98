/**
 * @module
 * Streaming band-limited resampler: Kaiser-windowed sinc evaluated as a polyphase filter bank for the exact
 * rational ratio (44.1 kHz → 16 kHz is 160/441). Linear phase and centred taps mean output sample k sits at
 * time k / outputRateHz exactly, with no group delay to undo afterwards, which keeps event timestamps honest.
 */

/** Tuning knobs; the defaults suit YAMNet, whose mel bank stops at 7.5 kHz. */
export interface ResamplerOptions {
  /** Stopband attenuation in dB; 90 keeps aliases well under 16-bit noise. */
  stopbandAttenuationDb?: number;
  /** End of the flat passband as a fraction of the lower of the two rates (0.45 → 7.2 kHz at 16 kHz). */
  passbandEdge?: number;
  /** Start of the stopband as a fraction of the lower rate; 0.5 puts it at the output Nyquist, so nothing aliases. */
  stopbandEdge?: number;
}

/** Exact per-phase tables up to this many phases; beyond it (odd rates like 44 099 Hz) phases are interpolated. */
const MAX_EXACT_PHASES = 2048;

const gcd = (a: number, b: number): number => {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
};

/** Zeroth-order modified Bessel function of the first kind, by its power series (converges fast for β < 20). */
const besselI0 = (x: number): number => {
  let sum = 1;
  let term = 1;
  const quarterXSquared = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= quarterXSquared / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
};

/** Kaiser's empirical β for a given stopband attenuation (Oppenheim & Schafer, eq. 7.62). */
const kaiserBeta = (attenuationDb: number): number => {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
};

/**
 * Converts a stream of mono float samples from `inputRateHz` to `outputRateHz`. Stateful: feed chunks in
 * order with {@link Resampler.process}, then call {@link Resampler.flush} once. Output is bit-identical for
 * any chunking of the same input, and the total length is round(inputLength × outputRateHz / inputRateHz).
 *
 * @example
 * ```ts
 * const resampler = new Resampler(44_100, 16_000);
 * const parts = [resampler.process(chunkA), resampler.process(chunkB), resampler.flush()];
 * ```
 */
export class Resampler {
  readonly inputRateHz: number;
  readonly outputRateHz: number;
  /** Upsampling factor L and downsampling factor M of the reduced ratio L/M. */
  private readonly up: number;
  private readonly down: number;
  /** Taps on each side of the centre, in input samples. */
  private readonly halfTaps: number;
  private readonly tapCount: number;
  /** Phase-major coefficient table: row r holds the taps for fractional position r / tablePhases. */
  private readonly table: Float32Array;
  private readonly tablePhases: number;
  private readonly exactPhases: boolean;
  /** Scratch row for interpolated phases. */
  private readonly row: Float32Array;

  /** Buffered input; buffer[0] is absolute input index `bufferStart` (negative indices are leading zeros). */
  private buffer: Float32Array;
  private bufferStart: number;
  private inputCount = 0;
  private outputCount = 0;
  /** Position of the next output in input samples: integer part and numerator of the fraction over `up`. */
  private centre = 0;
  private phase = 0;
  private flushed = false;

  constructor(inputRateHz: number, outputRateHz: number, options: ResamplerOptions = {}) {
    if (
      !Number.isInteger(inputRateHz) ||
      !Number.isInteger(outputRateHz) ||
      inputRateHz <= 0 ||
      outputRateHz <= 0
    ) {
      throw new RangeError(`Resampler needs positive integer rates, got ${inputRateHz} → ${outputRateHz} Hz`);
    }
    const { stopbandAttenuationDb = 90, passbandEdge = 0.45, stopbandEdge = 0.5 } = options;
    this.inputRateHz = inputRateHz;
    this.outputRateHz = outputRateHz;
    const divisor = gcd(inputRateHz, outputRateHz);
    this.up = outputRateHz / divisor;
    this.down = inputRateHz / divisor;

    const lowerRateHz = Math.min(inputRateHz, outputRateHz);
    const cutoffHz = ((passbandEdge + stopbandEdge) / 2) * lowerRateHz;
    const transitionHz = (stopbandEdge - passbandEdge) * lowerRateHz;
    // Kaiser's length estimate, in input samples: N = (A − 7.95) / (2.285 · Δω).
    const length = (stopbandAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * (transitionHz / inputRateHz));
    this.halfTaps = Math.max(2, Math.ceil(length / 2) + 1);
    this.tapCount = 2 * this.halfTaps;

    this.exactPhases = this.up <= MAX_EXACT_PHASES;
    this.tablePhases = this.exactPhases ? this.up : MAX_EXACT_PHASES;
    const rows = this.exactPhases ? this.up : MAX_EXACT_PHASES + 1;
    this.table = new Float32Array(rows * this.tapCount);
    this.row = new Float32Array(this.tapCount);
    const beta = kaiserBeta(stopbandAttenuationDb);
    const i0Beta = besselI0(beta);
    const normalisedCutoff = (2 * cutoffHz) / inputRateHz;
    for (let r = 0; r < rows; r++) {
      const fraction = r / this.tablePhases;
      let sum = 0;
      for (let j = 0; j < this.tapCount; j++) {
        // Distance from the output instant to input tap j, in input samples.
        const tau = fraction + this.halfTaps - 1 - j;
        const x = normalisedCutoff * tau;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const ratio = tau / this.halfTaps;
        const window = Math.abs(ratio) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
        const value = normalisedCutoff * sinc * window;
        this.table[r * this.tapCount + j] = value;
        sum += value;
      }
      // Unit DC gain in every phase; otherwise phase-dependent gain ripple shows up as a faint tone at the
      // phase-cycle rate.
      for (let j = 0; j < this.tapCount; j++) this.table[r * this.tapCount + j]! /= sum;
    }

    this.bufferStart = -this.halfTaps;
    this.buffer = new Float32Array(this.halfTaps);
  }

  /** True when rates match and samples pass through untouched. */
  get isPassthrough(): boolean {
    return this.up === this.down;
  }

  /** Feeds the next input samples and returns every output sample that is now fully determined. */
  process(input: Float32Array): Float32Array {
    if (this.flushed) throw new Error("Resampler.process called after flush");
    if (this.isPassthrough) return input;
    this.inputCount += input.length;
    this.append(input);
    return this.produce(Number.POSITIVE_INFINITY);
  }

  /** Ends the stream: pads with silence and returns the remaining outputs. Call once. */
  flush(): Float32Array {
    if (this.flushed) return new Float32Array(0);
    this.flushed = true;
    if (this.isPassthrough) return new Float32Array(0);
    const targetCount = Math.round((this.inputCount * this.up) / this.down);
    if (targetCount <= this.outputCount) return new Float32Array(0);
    const lastCentre = Math.floor(((targetCount - 1) * this.down) / this.up);
    const bufferEnd = this.bufferStart + this.buffer.length;
    const padding = lastCentre + this.halfTaps + 1 - bufferEnd;
    if (padding > 0) this.append(new Float32Array(padding));
    return this.produce(targetCount);
  }

  private append(input: Float32Array): void {
    // Drop history no future output can reach before growing the buffer.
    const keepFrom = this.centre - this.halfTaps + 1 - this.bufferStart;
    const kept = this.buffer.subarray(Math.max(0, keepFrom));
    const next = new Float32Array(kept.length + input.length);
    next.set(kept, 0);
    next.set(input, kept.length);
    this.bufferStart += Math.max(0, keepFrom);
    this.buffer = next;
  }

  private produce(limit: number): Float32Array {
    const bufferEnd = this.bufferStart + this.buffer.length;
    const lastCentre = bufferEnd - 1 - this.halfTaps;
    // Outputs whose rightmost tap is already buffered: centre ≤ lastCentre.
    const available = lastCentre < this.centre ? 0 : this.countReady(lastCentre);
    const count = Math.max(0, Math.min(available, limit - this.outputCount));
    const out = new Float32Array(count);
    const { buffer, tapCount, halfTaps, up, down, table } = this;
    let centre = this.centre;
    let phase = this.phase;
    for (let k = 0; k < count; k++) {
      const base = centre - halfTaps + 1 - this.bufferStart;
      const coefficients = this.exactPhases ? table : this.interpolatedRow(phase);
      const offset = this.exactPhases ? phase * tapCount : 0;
      let acc = 0;
      for (let j = 0; j < tapCount; j++) acc += buffer[base + j]! * coefficients[offset + j]!;
      out[k] = acc;
      phase += down;
      if (phase >= up) {
        centre += Math.floor(phase / up);
        phase %= up;
      }
    }
    this.centre = centre;
    this.phase = phase;
    this.outputCount += count;
    return out;
  }

  /** Number of outputs from the current position whose centre is at most `lastCentre`. */
  private countReady(lastCentre: number): number {
    // Output k has centre floor(k·M/L); count k ≥ outputCount with k·M < (lastCentre + 1)·L.
    const lastK = Math.ceil(((lastCentre + 1) * this.up) / this.down) - 1;
    return Math.max(0, lastK - this.outputCount + 1);
  }

  private interpolatedRow(phase: number): Float32Array {
    const position = (phase / this.up) * this.tablePhases;
    const lower = Math.floor(position);
    const weight = position - lower;
    const a = lower * this.tapCount;
    const b = a + this.tapCount;
    for (let j = 0; j < this.tapCount; j++) {
      this.row[j] = this.table[a + j]! * (1 - weight) + this.table[b + j]! * weight;
    }
    return this.row;
  }
}
