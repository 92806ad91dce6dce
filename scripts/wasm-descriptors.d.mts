// Types for scripts/wasm-descriptors.mjs (plain JavaScript, run by npm scripts as is).
export declare const DESCRIPTORS_SECTION: string
export declare function appendCustomSection(
  wasm: Uint8Array,
  name: string,
  payload: Uint8Array,
): Uint8Array
export declare function buildDescriptorSet(protoDir: string, out: string): string
export declare function withDescriptors(wasm: Uint8Array, descriptorFile: string): Uint8Array
