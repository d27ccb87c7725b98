#!/usr/bin/env node
// The `giggles` command: loads the TypeScript CLI through tsx (no build step needed).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../inference-node/src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
