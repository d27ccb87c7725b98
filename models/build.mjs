#!/usr/bin/env node
// Builds models/build/yamnet.onnx from yamnet.tflite (see models/src/build.ts). Plain JS so it runs as the
// root `postinstall` under Node 20 without a build step: tsx's loader is registered, then the TS is imported.
// Usage: node models/build.mjs [--if-needed] [--float]
import { register } from "tsx/esm/api";

register();
const { main } = await import("./src/build.ts");
process.exitCode = await main(process.argv.slice(2));
