// @ts-check
/**
 * AudioWorklet processor: one track in, 16 kHz mono PCM16 frames out (about 100 ms each), plus levels.
 *
 * Runs on the audio thread, so it allocates nothing per block except the frames it hands over.
 * Resampling: a windowed-sinc low-pass at the context's rate (so nothing above 8 kHz folds back into
 * the speech band), then linear interpolation at the 16 kHz sample positions.
 *
 * Options:  processorOptions {targetRate = 16000, frameSamples = 1600, paused = false}.
 * Port in:  {type: "paused", value: boolean}  stop emitting audio (levels keep coming);
 *           {type: "flush"}                   emit the partial frame now, then {type: "flushed"}.
 * Port out: {type: "frame", pcm: ArrayBuffer}  Int16 little-endian samples;
 *           {type: "level", rms: number, peak: number}  about every 50 ms, 0..1.
 */

const MIN_FRAME = 160; // 10 ms at 16 kHz: the protocol's smallest message.

class Pcm16FrameProcessor extends AudioWorkletProcessor {
  /** @param {{processorOptions?: {targetRate?: number, frameSamples?: number, paused?: boolean}}} options */
  constructor(options) {
    super();
    const opts = options.processorOptions ?? {};
    this.targetRate = opts.targetRate ?? 16000;
    this.frameSamples = opts.frameSamples ?? 1600;
    this.ratio = sampleRate / this.targetRate;
    this.paused = Boolean(opts.paused);

    // Low-pass only when we go down in rate; cutoff a little under the new Nyquist.
    const cutoff = Math.min(0.5, (0.45 * this.targetRate) / sampleRate);
    this.half = cutoff < 0.5 ? Math.ceil(6 * this.ratio) : 0;
    this.kernel = new Float32Array(2 * this.half + 1);
    if (this.half === 0) {
      this.kernel[0] = 1;
    } else {
      let sum = 0;
      const n = this.kernel.length;
      for (let i = 0; i < n; i++) {
        const x = i - this.half;
        const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
        const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1));
        this.kernel[i] = sinc * w;
        sum += sinc * w;
      }
      for (let i = 0; i < n; i++) this.kernel[i] /= sum;
    }

    // Input history: `half` samples of look-behind are kept so the filter has context.
    this.buf = new Float32Array(8192);
    this.bufLen = this.half;
    this.pos = this.half;

    this.frame = new Int16Array(this.frameSamples);
    this.frameFill = 0;

    this.levelEvery = Math.round(sampleRate * 0.05);
    this.levelCount = 0;
    this.levelSum = 0;
    this.levelPeak = 0;

    this.port.onmessage = (event) => {
      const msg = event.data ?? {};
      if (msg.type === "paused") this.paused = Boolean(msg.value);
      else if (msg.type === "flush") {
        this.emitFrame(true);
        this.port.postMessage({ type: "flushed" });
      }
    };
  }

  /**
   * Filtered input sample at integer index i of the buffer.
   * @param {number} i
   */
  filtered(i) {
    const k = this.kernel;
    const b = this.buf;
    const start = i - this.half;
    let acc = 0;
    for (let j = 0; j < k.length; j++) acc += k[j] * b[start + j];
    return acc;
  }

  /** @param {number} sample */
  pushOut(sample) {
    const s = sample < -1 ? -1 : sample > 1 ? 1 : sample;
    this.frame[this.frameFill++] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
    if (this.frameFill === this.frameSamples) this.emitFrame(false);
  }

  /** @param {boolean} partial */
  emitFrame(partial) {
    if (this.frameFill === 0) return;
    let out;
    if (partial) {
      // Pad a short tail to the protocol's minimum with silence: at most 10 ms, at the very end.
      out = new Int16Array(Math.max(MIN_FRAME, this.frameFill));
      out.set(this.frame.subarray(0, this.frameFill));
    } else {
      out = this.frame;
      this.frame = new Int16Array(this.frameSamples);
    }
    this.frameFill = 0;
    this.port.postMessage({ type: "frame", pcm: out.buffer }, [out.buffer]);
  }

  /**
   * @param {Float32Array[][]} inputs
   * @returns {boolean}
   */
  process(inputs) {
    const channels = inputs[0] ?? [];
    const n = channels.length > 0 ? channels[0].length : 128;

    if (this.bufLen + n > this.buf.length) {
      const bigger = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + n));
      bigger.set(this.buf.subarray(0, this.bufLen));
      this.buf = bigger;
    }
    // Mix to mono; a track with no channels (not yet started, or ended) counts as silence so the two
    // tracks keep the same clock.
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let c = 0; c < channels.length; c++) v += channels[c][i];
      v = channels.length > 0 ? v / channels.length : 0;
      const a = v < 0 ? -v : v;
      this.levelSum += v * v;
      if (a > this.levelPeak) this.levelPeak = a;
      if (!this.paused) this.buf[this.bufLen + i] = v;
    }
    this.levelCount += n;
    if (this.levelCount >= this.levelEvery) {
      this.port.postMessage({ type: "level", rms: Math.sqrt(this.levelSum / this.levelCount), peak: this.levelPeak });
      this.levelCount = 0;
      this.levelSum = 0;
      this.levelPeak = 0;
    }
    if (this.paused) return true;
    this.bufLen += n;

    while (Math.floor(this.pos) + 1 + this.half < this.bufLen) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const y0 = this.filtered(i);
      const y = frac > 1e-9 ? y0 + (this.filtered(i + 1) - y0) * frac : y0;
      this.pushOut(y);
      this.pos += this.ratio;
    }
    const drop = Math.min(this.bufLen, Math.floor(this.pos) - this.half);
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.pos -= drop;
    }
    return true;
  }
}

registerProcessor("secondear-pcm16", Pcm16FrameProcessor);
