/**
 * @module
 * A request body that `fetch` sends from the caller's own memory, without copying it first.
 *
 * Deno's `fetch` (ext/fetch/22_body.js, `extractBody`) copies a typed-array body with
 * `%TypedArray%.prototype.slice` before sending it, so every 5 MiB multipart part left a 5 MiB
 * ArrayBuffer of garbage behind; V8 collects such buffers only after tens of MB have piled up, which
 * pushed the ingest isolate past 64 MB on the second window. `slice` builds its result with the array's
 * species constructor (`O.constructor[Symbol.species]`, ECMA-262 TypedArraySpeciesCreate): this view
 * carries its own `constructor` whose species hands back the view itself, so the "copy" is the view and
 * the bytes go to the socket from the part buffer. Where a runtime copies some other way (or not at
 * all), the body is still the same bytes.
 *
 * Only a whole-length `slice()` returns the view itself (copying onto itself changes nothing); a species
 * call for any other length, or for `subarray()` (buffer, offset, length), builds an ordinary array, so
 * those behave as usual. (`map()` over the whole view would write into it: nothing maps a request body.)
 *
 * The caller must not write into the buffer until the request's response has arrived (S3 answers
 * UploadPart only after reading the whole part).
 */
export function inPlaceBody(view: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  // A plain function, not an arrow: a species must be a constructor (`new` of it returns the object).
  function speciesOfView(
    lengthOrBuffer: number | ArrayBufferLike,
    byteOffset?: number,
    length?: number,
  ): Uint8Array<ArrayBufferLike> {
    if (typeof lengthOrBuffer === "number") {
      return lengthOrBuffer === view.length ? view : new Uint8Array(lengthOrBuffer);
    }
    return new Uint8Array(lengthOrBuffer, byteOffset, length);
  }
  Object.defineProperty(view, "constructor", {
    value: { [Symbol.species]: speciesOfView },
    configurable: true,
  });
  return view;
}
