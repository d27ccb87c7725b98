// Entry of `npm run smoke` (see run-smoke.ts): a read-only check of a deployed giggles project.
import { main } from "./run-smoke.ts";

process.exitCode = await main(process.argv.slice(2), process.env);
