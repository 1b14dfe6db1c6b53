// What the AudioWorklet scope provides to pcm-worklet.js, for type checking only (not served).
declare const sampleRate: number;
declare function registerProcessor(name: string, processor: new (options: any) => AudioWorkletProcessor): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor();
}
